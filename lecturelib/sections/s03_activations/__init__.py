"""Notebook 03, slides 13-23: internal activations as images.

compute.py holds the computations, plots.py the figures, widget.py the sliders,
checks.py the exercises' checks (no answers: those live in instructor/)."""
