"""Notebook 01, slides 2-6: hidden units of an R²→R² MLP drawn as lines.

compute.py holds the computations, plots.py the figures, widget.py the sliders,
checks.py the exercises' checks (no answers: those live in instructor/)."""
