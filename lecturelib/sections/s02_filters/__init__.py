"""Notebook 02, slides 7-12: convnet filters as images.

compute.py holds the computations, plots.py the figures, widget.py the sliders,
checks.py the exercises' checks (no answers: those live in instructor/)."""
