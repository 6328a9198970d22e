"""The one panel behind every widget: named controls, a compute function, a readout.

``Panel(controls, compute)`` lays out the controls, a text readout (``.readout``), a
"compute" button and a figure area (``.output``). Each control move calls
``compute(values, progress)`` (``values``: the controls' values by name) which returns
``(figures, readout_html)``. Around that call the panel

- estimates the cost first: seconds = fixed + per unit × ``cost(values)`` work units
  (:class:`CostModel`), fitted to the panel's own measured computations, with
  ``unit_seconds()`` as the prior per unit until two unit counts were measured;
  above :data:`BUDGET_S` seconds a setting the result cache does not hold is not
  started on a move in the page: the readout shows the estimate and the "compute"
  button appears (a notebook cell that sets a value, and the widget's first
  drawing, always compute);
- runs the computation with a progress bar (tqdm.auto) shown above ``.output``;
- shows an exception's type and message in ``.output`` (the readout says it failed)
  and a kernel interrupt (the stop button) as "stopped"; the next move works again;
- says whether the result came from the cache (:func:`lecturelib.tooling.cache.cache_watch`);
- draws as it goes when built with ``refines=True``: ``compute(values, progress,
  draw)`` may call ``draw(make)`` with a zero-argument ``make() -> (figures,
  readout_html)`` of a partial result; the panel calls ``make`` and shows its picture
  (readout "refining…") at most every :data:`REFINE_S` seconds, the first time
  :data:`REFINE_S` after the move (or, when the estimate says the final picture comes
  within :data:`FIRST_PICTURE_S`, only if it is late, 25% over the estimate, at
  least 3/4 and at most 9/10 of that: a partial picture costs a figure); what
  ``compute`` returns is the final picture. Such a panel announces only settings
  estimated above :data:`REFINING_BUDGET_S`;
- records the last move's times in ``.last_timing`` (:class:`MoveTiming`).

``sweep=`` declares the values ``make precompute`` visits (:func:`sweep_all`): each
widget module's ``SWEEPS`` (widget function name → control name → values, or
:data:`EVERY` for every value the control offers), the one place they are written.
Tests drive a panel by name: ``w.controls["stride"].value = 8``, then read
``w.readout.value``, ``w.state`` and ``w.output.outputs``.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import html
import io
import os
import time
import weakref
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import ipywidgets as W
import matplotlib.pyplot as plt
import torch
from IPython import get_ipython
from matplotlib.figure import Figure
from tqdm.auto import tqdm

from lecturelib.core.hooks import preserved_state
from lecturelib.tooling.cache import NotCached, cache_only, cache_watch

__all__ = [
    "BUDGET_S", "EVERY", "FIRST_PICTURE_S", "REFINE_S", "REFINING_BUDGET_S", "CostModel", "MoveTiming", "Panel", "as_in_page",
    "forward_seconds", "live_panels", "menu", "slider", "sweep_all",
]  # fmt: skip

#: Seconds a control move may start without asking; above, a "compute" button.
BUDGET_S = float(os.environ.get("LECTURELIB_WIDGET_BUDGET", "10"))
#: The same for a panel that draws as it goes (``refines``): its pictures come every
#: :data:`REFINE_S` seconds and the stop button ends it, so it may run longer unasked.
REFINING_BUDGET_S = float(os.environ.get("LECTURELIB_WIDGET_REFINING_BUDGET", "60"))
#: Seconds within which a move should show a picture (partial or final).
FIRST_PICTURE_S = 1.0
PROGRESS_S = 2.0  # expected seconds above which the compute function shows a bar
#: Seconds between two pictures of a computation that draws as it goes (``refines``).
REFINE_S = 0.5
_STYLE = {"description_width": "initial"}
_SWEEPABLE: weakref.WeakSet = weakref.WeakSet()
_LIVE: weakref.WeakSet = weakref.WeakSet()  # every panel still referenced
_PAGE = [False]  # inside as_in_page(): moves made from code count as moves in the page
_clock = time.perf_counter  # what the panel measures computations with (tests: fake)


#: In a sweep plan: every value the control offers (menu options, integer slider steps).
EVERY = "every value"


def _png(fig: Figure) -> dict:
    """A figure as a Jupyter display_data output (PNG, as the inline backend shows it)."""
    buf = io.BytesIO()
    # a figure with a layout engine is laid out to its edges already: cropping it
    # ("tight") would draw it twice (0.02-0.04 s a picture)
    tight = None if fig.get_layout_engine() is not None else "tight"
    fig.savefig(buf, format="png", bbox_inches=tight)
    plt.close(fig)  # a no-op for figures that pyplot does not manage
    data = {
        "image/png": base64.b64encode(buf.getvalue()).decode(),
        "text/plain": "<Figure>",
    }
    return {"output_type": "display_data", "data": data, "metadata": {}}


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s" if seconds >= 10 else f"{seconds:.1f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _options(control) -> list | None:
    """The values a drop-down, toggle buttons or selection slider offers (else None)."""
    options = getattr(control, "options", None)
    if options is None:
        return None
    return [o[1] if isinstance(o, tuple) else o for o in options]


def _allowed(control, value) -> bool:
    """Whether ``control`` (slider, drop-down, toggle buttons) can take ``value`` now."""
    if (options := _options(control)) is not None:
        return value in options
    low, high = getattr(control, "min", None), getattr(control, "max", None)
    return (low is None or value >= low) and (high is None or value <= high)


def _sweep_values(control, values) -> list:
    if values is not EVERY:
        return list(dict.fromkeys(values))
    return _options(control) or list(range(control.min, control.max + 1))


def _from_code() -> bool:
    """True when a notebook cell (not a move in the page) changed the control."""
    if _PAGE[0]:
        return False
    kernel = getattr(get_ipython(), "kernel", None)
    parent = kernel.get_parent() if hasattr(kernel, "get_parent") else {}
    return parent.get("header", {}).get("msg_type") == "execute_request"


@contextlib.contextmanager
def as_in_page():
    """Within, a control set by code counts as a move in the page: the budget applies
    (settings estimated above :data:`BUDGET_S` are announced, not computed). For the
    latency benchmark (``benchmarks/bench_widgets.py``), which drives panels from a cell."""
    before, _PAGE[0] = _PAGE[0], True
    try:
        yield
    finally:
        _PAGE[0] = before


def live_panels() -> list[Panel]:
    """Every panel still alive in this kernel, oldest first."""
    return sorted(_LIVE, key=lambda p: p._serial)


@dataclasses.dataclass
class MoveTiming:
    """What the last move of a panel did, on the panel's clock (seconds).

    ``t_move``: when the panel started answering; ``t_first_picture``: when its first
    picture (partial or final) was shown, None when none was (announced, failed);
    ``t_done``: when it finished; ``announced``: the estimate was shown instead of
    computing; ``estimate``: the estimated seconds (None: none); ``state``: the
    panel's state afterwards ("drawn", "estimate", "failed", "stopped");
    ``pictures``: pictures shown (partial ones included); ``values``: the setting.
    """

    values: dict
    t_move: float
    t_first_picture: float | None = None
    t_done: float | None = None
    announced: bool = False
    estimate: float | None = None
    state: str = "computing"
    pictures: int = 0

    @property
    def first_picture_s(self) -> float | None:
        """Seconds from the move to the first picture (None: no picture)."""
        return (
            None if self.t_first_picture is None else self.t_first_picture - self.t_move
        )

    @property
    def done_s(self) -> float | None:
        """Seconds from the move to the end of its answer."""
        return None if self.t_done is None else self.t_done - self.t_move


def slider(label: str, value, low, high, step=None, **kw) -> W.Widget:
    """A slider that redraws on release: a float slider when ``value`` is a float."""
    kind = W.FloatSlider if isinstance(value, float) else W.IntSlider
    kw.update(step=step) if step is not None else None
    return kind(value=value, min=low, max=high, description=label,
                continuous_update=False, style=_STYLE, **kw)  # fmt: skip


def menu(label: str, options, **kw) -> W.Dropdown:
    """A drop-down of ``options``: values, or (label, value) pairs."""
    return W.Dropdown(options=list(options), description=label, style=_STYLE, **kw)


def forward_seconds(model, x, *, backward: bool = False) -> float:
    """Seconds of one forward (and backward) pass of ``model`` on ``x``: a cost prior."""

    def once():
        if backward:
            model(x.detach().clone().requires_grad_(True)).sum().backward()
        else:
            with torch.no_grad():
                model(x)

    with preserved_state(model):
        once()  # the first call pays one-time costs (allocations, kernels)
        start = time.perf_counter()
        once()
        return time.perf_counter() - start


class CostModel:
    """Seconds of a computation = ``fixed`` + ``per_unit`` × work units, learnt as it goes.

    A move's time is mostly a fixed part (drawing the figure, the set-up) plus a part
    that grows with the work units (masks, steps, samples): extrapolating one
    measurement as seconds per unit took a 1-mask occlusion map (0.33 s, mostly the
    figure) for 0.33 s per mask. So:

    - two or more measured unit counts (the largest at least 1.5× the smallest):
      least squares on the relative error (each point weighted by 1/seconds²), with
      ``fixed`` and ``per_unit`` kept ≥ 0;
    - one: the prior's ``per_unit`` (at most the measured seconds per unit), the rest
      of the measured time is ``fixed`` up to ``FIXED_CAP`` seconds (a figure and a
      set-up, not minutes): what is left is per unit. 500 steps in 23 s no longer
      make 1 step "about 23 s";
    - none: ``fixed_prior`` + the prior's ``per_unit``.

    Args:
        prior: ``() -> seconds per unit`` (e.g. :func:`forward_seconds`), called once
            when first needed; None: no estimate before a measurement.
        fixed_prior: the fixed seconds before any measurement.
        keep: the most recent distinct unit counts kept (costs drift: other controls,
            other jobs on the machine).
    """

    SPREAD = 1.5  # unit counts closer than this ratio do not fix a slope
    FIXED_CAP = 1.0  # seconds: the most one measurement credits to the fixed part

    def __init__(
        self,
        prior: Callable[[], float] | None = None,
        *,
        fixed_prior: float = 0.0,
        keep: int = 8,
    ):
        self._prior, self._per_unit_prior = prior, None
        self.fixed_prior, self.keep = float(fixed_prior), int(keep)
        self.points: dict[float, float] = {}  # units -> seconds, oldest first

    def add(self, units: float, seconds: float) -> None:
        """Record one measured computation of ``units`` work units."""
        units, seconds = float(units), float(seconds)
        if units <= 0 or not seconds >= 0:
            return
        self.points.pop(units, None)
        self.points[units] = max(seconds, 1e-6)
        while len(self.points) > self.keep:
            self.points.pop(next(iter(self.points)))

    def _per_unit_from_prior(self) -> float | None:
        if self._per_unit_prior is None and self._prior is not None:
            self._per_unit_prior = max(float(self._prior()), 0.0)
        return self._per_unit_prior

    def fit(self) -> tuple[float, float] | None:
        """``(fixed, per_unit)`` seconds, or None when nothing is known yet."""
        units = list(self.points)
        if len(units) >= 2 and max(units) >= self.SPREAD * min(units):
            return self._least_squares()
        if units:  # one unit count (or counts too close): the latest measurement
            u, t = units[-1], self.points[units[-1]]
            prior = self._per_unit_from_prior()
            per_unit = t / u if prior is None else min(prior, t / u)
            fixed = min(t - u * per_unit, max(self.fixed_prior, self.FIXED_CAP))
            return fixed, (t - fixed) / u
        prior = self._per_unit_from_prior()
        return None if prior is None else (self.fixed_prior, prior)

    def _least_squares(self) -> tuple[float, float]:
        """Minimise Σ ((fixed + per_unit·u − t) / t)² with both terms ≥ 0."""
        w = {u: 1 / t**2 for u, t in self.points.items()}
        s = sum(w.values())
        su = sum(w[u] * u for u in w)
        suu = sum(w[u] * u * u for u in w)
        st = sum(w[u] * t for u, t in self.points.items())
        sut = sum(w[u] * u * t for u, t in self.points.items())
        per_unit = (s * sut - su * st) / (s * suu - su * su)
        fixed = (st - per_unit * su) / s
        if per_unit < 0:  # no growth measured: the weighted mean
            return st / s, 0.0
        if fixed < 0:  # through the origin
            return 0.0, sut / suu
        return fixed, per_unit

    def estimate(self, units: float) -> float | None:
        """Seconds for ``units`` work units (None: nothing known yet)."""
        model = self.fit()
        return None if model is None else model[0] + model[1] * float(units)


class Panel(W.VBox):
    """Controls + compute → readout and figure, with errors, estimates and progress.

    Args:
        controls: name → ipywidgets control (``.controls``, in this order on screen).
        compute: ``(values, progress) -> (figure(s) or None, readout HTML)``; with
            ``refines``: ``(values, progress, draw)``, see ``refines``.
        cost: ``values -> work units`` (e.g. masks, steps); None: always cheap.
        unit_seconds: ``() -> seconds per unit``: the prior of :class:`CostModel`
            (``.cost_model``), which then learns from the measured computations.
        adjust: ``controls -> None``, run before each redraw to update dependent
            ranges (a slider's max); the moves it causes do not redraw again.
        sweep: control name → the values ``make precompute`` visits.
        main: the control the browser test moves (a CSS class).
        passive: controls shown and named but not redrawing (a play button or a
            menu that moves another control).
        say_cache: append "(computed in … s)" / "(from the cache)" to the readout.
        refines: ``compute`` takes a third argument ``draw``; calling
            ``draw(make)`` (``make() -> (figures, readout HTML)`` of a partial result)
            shows that picture when :data:`REFINE_S` seconds have passed since the
            move or the last picture (``make`` is not called otherwise), with the
            readout "refining…"; and no sooner than 3× the last partial picture's
            drawing time (drawing takes at most a quarter of the time). The cost
            model learns the time without the partial pictures. When the
            estimate is at most :data:`FIRST_PICTURE_S`, the first partial picture
            waits until 1.25× the estimate, at least 3/4 and at most 9/10 of
            :data:`FIRST_PICTURE_S` (drawing it would only delay the final one, but
            a late move still shows a picture within it).
            Partial pictures never change the final one. The budget is then
            :data:`REFINING_BUDGET_S`.

    Attributes:
        last_timing: :class:`MoveTiming` of the last move (None before the first).
        passive: the names of the passive controls.
        name: the function that built the panel (``compute``'s enclosing name).
    """

    _count = 0

    def __init__(
        self,
        controls: Mapping[str, W.Widget],
        compute: Callable[[dict, bool], tuple[Any, str]],
        *,
        cost: Callable[[dict], float] | None = None,
        unit_seconds: Callable[[], float] | None = None,
        adjust: Callable[[dict], None] | None = None,
        sweep: Mapping[str, Iterable[Any]] | None = None,
        main: str | None = None,
        say_cache: bool = True,
        passive: Iterable[str] = (),
        refines: bool = False,
    ):
        self.controls = dict(controls)
        self.passive = frozenset(passive)
        self.name = getattr(compute, "__qualname__", "panel").split(".<locals>")[0]
        self.last_timing: MoveTiming | None = None
        self._refines = refines
        Panel._count += 1
        self._serial = Panel._count
        self.readout = W.HTML()
        self.output = W.Output()
        self._progress = W.Output()  # progress bars, captured while computing
        self.button = W.Button(description="compute", button_style="warning")
        self.button.layout.display = "none"
        self.state = "new"  # drawn, estimate, computing, failed, stopped
        self.estimate: float | None = None
        self._compute, self._cost, self._adjust = compute, cost, adjust
        self.cost_model = CostModel(unit_seconds)
        self._say_cache, self._busy, self._forced = say_cache, False, False
        self._partial_s = 0.0
        named = [(self.readout, "readout"), (self.button, "compute"),
                 (self.output, "output")]  # fmt: skip
        for name, control in self.controls.items():  # CSS classes: the browser test
            named += [(control, "control"), (control, f"control-{name}")]
            named += [(control, "main")] if name == main else []
            if name not in passive:
                control.observe(self._moved, names="value")
        for widget, css in named:
            widget.add_class(f"lecturelib-{css}")
        row = W.HBox(
            list(self.controls.values()), layout=W.Layout(flex_flow="row wrap")
        )
        bar = W.HBox([self.readout, self.button])
        super().__init__([row, bar, self._progress, self.output])
        self.button.on_click(lambda _: self.refresh(force=True))
        self.sweep_plan = [
            (self.controls[name], _sweep_values(self.controls[name], values))
            for name, values in (sweep or {}).items()
        ]
        if self.sweep_plan:
            _SWEEPABLE.add(self)
        _LIVE.add(self)
        self.refresh(force=True)  # the notebook's own setting: always drawn

    def _moved(self, _change=None) -> None:
        if not self._busy:  # a cell that sets a value asked for it: no budget
            self.refresh(force=self._forced or _from_code())

    def values(self) -> dict:
        """The controls' values by name; floats rounded (0.3, not 0.30000000000000004,
        so that a slider's value keys the result cache the same way each time)."""
        return {n: round(c.value, 6) if isinstance(c.value, float) else c.value
                for n, c in self.controls.items()}  # fmt: skip

    def _estimate(self, values: dict) -> float | None:
        if self._cost is None:
            return None
        return self.cost_model.estimate(float(self._cost(values)))

    def refresh(self, *, force: bool = False) -> None:
        """Redraw for the current values (``force``: even above the budget)."""
        self._busy = True
        timing = self.last_timing = MoveTiming(self.values(), _clock())
        try:
            try:
                if self._adjust is not None:
                    self._adjust(self.controls)
                timing.values = values = self.values()
                self.estimate = timing.estimate = estimate = self._estimate(values)
            except Exception as err:  # noqa: BLE001 - shown in the widget
                return self._failed(err)
            budget = REFINING_BUDGET_S if self._refines else BUDGET_S
            if force or estimate is None or estimate <= budget:
                self._run(values, estimate)
            else:
                try:
                    with cache_only():  # stored already? then it costs nothing
                        self._run(values, estimate, quiet=True)
                except NotCached:
                    timing.announced = True
                    self._say("estimate", f"⏳ this setting needs about <b>"
                              f"{_duration(estimate)}</b> (more than {_duration(budget)}"
                              "): press <b>compute</b> to start it, or move a control",
                              button=True)  # fmt: skip
        finally:
            self._busy = False
            timing.t_done, timing.state = _clock(), self.state

    def _show(self, figs) -> None:
        """Figures (one, a list or None) into ``.output``, noted in ``last_timing``."""
        figs = [] if figs is None else [figs] if isinstance(figs, Figure) else figs
        self.output.outputs = tuple(_png(f) for f in figs)
        timing = self.last_timing
        if timing is not None:
            timing.pictures += 1
            if timing.t_first_picture is None:
                timing.t_first_picture = _clock()

    def _drawer(
        self, estimate: float | None
    ) -> Callable[[Callable[[], tuple[Any, str]]], None]:
        """The ``draw`` callback of a refining computation (see ``refines``)."""
        start = self.last_timing.t_move if self.last_timing else _clock()
        last, cost = [start], [0.0]  # the last picture's end and its drawing time
        soon = estimate is not None and estimate <= FIRST_PICTURE_S
        # the first partial's time: a picture that would only delay the final one
        # waits until the computation is late (25% over its estimate, ≥ 3/4 s), but
        # no later than 0.9 s, so that a late move still shows a picture within 1 s
        first = REFINE_S
        if soon:
            first = min(
                max(0.75 * FIRST_PICTURE_S, 1.25 * estimate), 0.9 * FIRST_PICTURE_S
            )

        def draw(make: Callable[[], tuple[Any, str]]) -> None:
            now = _clock()
            wait = first if last[0] == start else max(REFINE_S, 3 * cost[0])
            if now - last[0] < wait:
                return
            figs, text = make()
            self._show(figs)
            self.readout.value = f"<i>refining…</i> {text}"
            last[0] = _clock()
            cost[0] = last[0] - now
            self._partial_s += cost[0]

        return draw

    def _say(self, state: str, readout: str, shown=None, *, button=False) -> None:
        """Set the state and the readout; ``shown``: (text, html) for the figure area
        (set from the kernel only, so the page never syncs other contents back)."""
        self.state, self.readout.value = state, readout
        if shown is not None:
            data = {"text/plain": shown[0], "text/html": shown[1]}
            self.output.outputs = ({"output_type": "display_data", "data": data,
                                    "metadata": {}},)  # fmt: skip
        self.button.layout.display = None if button else "none"

    def _run(self, values: dict, estimate: float | None, quiet: bool = False) -> None:
        if not quiet:
            about = f" (about {_duration(estimate)})" if estimate else ""
            self.state = "computing"
            self.readout.value = f"<i>computing…{about}</i>"
        progress = estimate is None or estimate > PROGRESS_S
        start, error = _clock(), None
        self._partial_s = 0.0  # seconds spent drawing partial pictures (``refines``)
        # the work units before computing (the computation may change what is left
        # to do, e.g. states a later move resumes from)
        units = None if self._cost is None else float(self._cost(values))
        # a progress bar shows above the figure (not for a look into the cache)
        with contextlib.nullcontext() if quiet else self._progress:
            try:  # caught here: Output would print a traceback and swallow it
                with cache_watch() as watch:
                    args = (values, progress and not quiet)
                    if self._refines:
                        args += (
                            (lambda make: None) if quiet else self._drawer(estimate),
                        )
                    figs, text = self._compute(*args)
            except (Exception, KeyboardInterrupt) as err:  # noqa: BLE001 - shown below
                error = err
            if not quiet and get_ipython() is not None:  # the bars go when done
                self._progress.clear_output()
        if isinstance(error, NotCached) and quiet:
            raise error
        if isinstance(error, KeyboardInterrupt):
            self._say("stopped", "⏹ stopped (the kernel was interrupted): move a control "
                      "or press <b>compute</b> to start again", ("stopped", "<i>stopped</i>"),
                      button=True)  # fmt: skip
            if _from_code():  # the stop button also stops the cell that ran it
                raise error
            return
        if error is not None:
            return self._failed(error)
        if self._say_cache and watch.hits + watch.misses:
            text = f"{text} ({watch.describe()})"
        self._show(figs)
        if watch.misses and units is not None:  # measured, figures drawn
            # the work and its final picture: whether partial pictures are drawn
            # depends on the estimate, which must not count them
            seconds = _clock() - start - self._partial_s
            self.cost_model.add(units, seconds)
        self._say("drawn", text)

    def _failed(self, err: BaseException) -> None:
        name, message = html.escape(type(err).__name__), f"{type(err).__name__}: {err}"
        body = f'<pre style="color:#b00">{html.escape(message)}</pre>'
        self._say("failed", f"⚠ the computation failed ({name}); change a setting to "
                  "try again", (message, body))  # fmt: skip

    def sweep(self, *, progress: bool = True) -> int:
        """Move each control of the sweep plan over its values; returns settings visited.

        Every setting is computed (or found in the cache), whatever its cost; the
        controls are put back where they were, also on error.
        """

        total, visited = sum(len(v) for _, v in self.sweep_plan), 0
        self._forced = True
        try:
            with tqdm(total=total, desc="sweep", disable=not progress) as bar:
                for control, values in self.sweep_plan:
                    start = control.value
                    try:
                        for value in values:
                            bar.update()
                            if not _allowed(control, value):
                                continue
                            if value != control.value:
                                control.value = value
                            visited += 1
                    finally:
                        if control.value != start:
                            control.value = start
        finally:
            self._forced = False
        return visited


def sweep_all(*, progress: bool = True) -> int:
    """:meth:`Panel.sweep` every live panel that has a sweep plan; settings visited."""
    return sum(p.sweep(progress=progress) for p in list(_SWEEPABLE))
