"""Notebook 06, slides 38-45: saliency maps and SmoothGrad.

compute.py holds the computations, plots.py the figures, widget.py the sliders,
checks.py the exercises' checks (no answers: those live in instructor/)."""
