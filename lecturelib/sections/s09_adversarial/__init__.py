"""Notebook 09, slides 76-83: adversarial examples and fooling images.

compute.py holds the computations, plots.py the figures, widget.py the sliders,
checks.py the exercises' checks (no answers: those live in instructor/)."""
