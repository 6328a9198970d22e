# The workbook's two commands: `make lab` and `make test` (see README.md).
# Both create .venv and install the package with its extras on first use.
# Proof for users: `make test-browser` (JupyterLab in headless Chromium), `make site`
# (executed notebooks as a course site in build/site), `make slides` (reveal.js decks),
# `make bench` (one report of ratios).
# Before class: `make precompute` runs the notebooks and sweeps their sliders into the
# result cache (build/cache), so the sliders answer at once during the lecture.

SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
# CI and the developers have a CIFAR-10 subset beside the checkout; users download the real one.
SHARED_CIFAR := $(abspath $(wildcard ../shared/datasets/cifar10-jpeg))
export LECTURELIB_CIFAR10 ?= $(SHARED_CIFAR)
export MPLBACKEND ?= Agg

.PHONY: setup lab lint test test-unit test-notebooks test-models test-browser html site slides bench precompute clean
.PHONY: test-hosted lock exercises bench-widgets

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -e '.[dev]'
	@if git rev-parse --git-dir >/dev/null 2>&1; then $(BIN)/nbstripout --install; fi
	@touch $(STAMP)

setup: $(STAMP)

# JUPYTER_PATH: the repository's share/jupyter (lecturelib-rise-widgets, so the RISE slideshow
# shows live widgets; an editable install does not copy it into the venv).
lab: setup
	JUPYTER_PATH=$(CURDIR)/share/jupyter$${JUPYTER_PATH:+:$$JUPYTER_PATH} \
	MPLBACKEND=module://matplotlib_inline.backend_inline $(BIN)/jupyter lab \
	  --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=notebooks $(ROOT_FLAG)

# ruff: lint rules and formatting (notebooks are linted, not reformatted).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Seconds one notebook cell may run, in every runner (nbval, html, bench, precompute, the
# browser test): a stalled kernel fails that cell, named, instead of hanging for an hour.
# nbval names it "<notebook>::Cell <n>" (n counts code cells only) and shows its source.
CELL_TIMEOUT ?= 300
CELL_TIMEOUT_NBVAL = --nbval-cell-timeout=$(CELL_TIMEOUT)

# The tests compute everything afresh: their notebooks get an empty result cache of their own.
TEST_CACHE := $(CURDIR)/build/test-cache
test: lint
	rm -rf $(TEST_CACHE)
	LECTURELIB_CACHE=$(TEST_CACHE) $(BIN)/python -m pytest tests notebooks --nbval-lax --nbval-current-env $(CELL_TIMEOUT_NBVAL)

test-unit: setup
	$(BIN)/python -m pytest tests

test-notebooks: setup
	rm -rf $(TEST_CACHE)
	LECTURELIB_CACHE=$(TEST_CACHE) $(BIN)/python -m pytest notebooks --nbval-lax --nbval-current-env $(CELL_TIMEOUT_NBVAL)

# The online model path, tested offline: random-weight torchvision files in a hub cache of
# its own (build/test-models/torch), every ImageNet notebook on each of ONLINE_MODELS
# (LECTURELIB_IMAGENET), and notebook 04 offline without CIFAR-10. ONLINE_SELECT=<expr>
# keeps the tests that pytest's -k <expr> selects (.ci/run runs the models in two parts).
ONLINE_MODELS ?= alexnet,vgg16,vgg19,resnet152
ONLINE_SELECT ?=
test-models: setup
	ONLINE_MODELS=$(ONLINE_MODELS) $(BIN)/python -m pytest online -v -s $(if $(ONLINE_SELECT),-k "$(ONLINE_SELECT)")

# Needs Debian's chromium (apt-get install -y chromium) and PyPI playwright (no `playwright install`).
# BROWSER_ONLY=05,06 limits the run to some notebooks; BROWSER_NB_TIMEOUT=<s> per notebook,
# CELL_TIMEOUT=<s> per cell.
CHROMIUM ?= /usr/bin/chromium
test-browser: setup
	@$(BIN)/python -c "import playwright" 2>/dev/null || $(BIN)/python -m pip install -q playwright
	@test -x $(CHROMIUM) || { echo "$(CHROMIUM) missing: apt-get install -y chromium" >&2; exit 1; }
	CHROMIUM=$(CHROMIUM) BROWSER_CELL_TIMEOUT=$(CELL_TIMEOUT) LECTURELIB_OFFLINE=$${LECTURELIB_OFFLINE:-1} LECTURELIB_CACHE=$(TEST_CACHE) \
	  $(BIN)/python -m pytest browser -v

# Executes every notebook once into build/executed/, then builds the course site offline:
# build/site/index.html (contents, search, Colab/Binder buttons), one page per notebook.
site: setup
	$(BIN)/python tools/build_site.py --timeout $(CELL_TIMEOUT)

html: site

# A reveal.js deck per notebook (cells' slide metadata: tools/slides.py) in build/slides/,
# from build/executed/ (notebooks missing there or changed since are executed first).
slides: setup
	$(BIN)/python tools/build_slides.py --timeout $(CELL_TIMEOUT)

# The exercises from one source (instructor/nbNN.py): blanks into notebooks/, the
# instructor's notebooks (answers filled in) into build/instructor/.
exercises: setup
	$(BIN)/python tools/exercises.py --write
	$(BIN)/nbstripout notebooks/*.ipynb

# Every benchmarks/bench_*.py plus each notebook's run time -> benchmarks/results/REPORT.md.
# `make bench QUICK=1`: the short versions, into benchmarks/results/REPORT-quick.md.
bench: setup
	$(BIN)/python benchmarks/run_all.py $(if $(QUICK),--quick,) --cell-timeout $(CELL_TIMEOUT)

# Slider latency: every control of every panel moved as in the page, on an empty cache
# -> benchmarks/results/widgets.md (also part of `make bench`). NB=05,06 for some notebooks.
bench-widgets: setup
	$(BIN)/python benchmarks/bench_widgets.py $(if $(NB),--notebooks $(NB),) --cell-timeout $(CELL_TIMEOUT)

# Fill the result cache before class: NB="05 06" for some notebooks, SWEEP=0 to skip sweeps.
precompute: setup
	$(BIN)/python -m lecturelib.tooling.precompute $(NB) $(if $(filter 0,$(SWEEP)),--no-sweep,) --timeout $(CELL_TIMEOUT)

# A student's hosted notebook, offline: the wheel in a fresh venv on another Python
# (HOSTED_PYTHON, default 3.12), the ten notebooks copied alone, an empty home, no CIFAR-10.
# A real 3.12 interpreter first (a pyenv shim fails unless PYENV_VERSION names it).
HOSTED_PYTHON ?= $(or $(firstword $(wildcard /usr/bin/python3.12 /usr/local/bin/python3.12 \
  $(shell pyenv root 2>/dev/null)/versions/3.12*/bin/python3.12)),$(shell command -v python3.12))
test-hosted: setup
	$(BIN)/python tools/test_hosted.py --python $(HOSTED_PYTHON) --timeout $(CELL_TIMEOUT)

# Lecture day: the exact versions CI used (pip freeze of .venv, minus lecturelib), so an
# upgrade between `make precompute` and the lecture cannot empty the cache. Install them
# with: pip install -c requirements/lock-py311.txt ".[lab]"
LOCK := requirements/lock-py311.txt
lock: setup
	@mkdir -p requirements
	@{ echo "# make lock: pip freeze of the CI environment (Python 3.11), minus lecturelib."; \
	   echo "# pip install -c $(LOCK) \".[lab]\"   (or: -r $(LOCK) plus the package)"; \
	   $(BIN)/python -m pip list --format=freeze --exclude-editable --exclude lecturelib; } > $(LOCK)
	@echo "$(LOCK): $$(grep -c '==' $(LOCK)) pinned distributions"

clean:
	rm -rf build .pytest_cache
