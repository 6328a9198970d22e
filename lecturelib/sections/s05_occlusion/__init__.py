"""Notebook 05, slides 34-37: occlusion sensitivity.

compute.py holds the computations, plots.py the figures, widget.py the sliders,
checks.py the exercises' checks (no answers: those live in instructor/)."""
