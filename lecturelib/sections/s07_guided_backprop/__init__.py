"""Notebook 07, slides 46-58: deconvolution, guided back-propagation, top-9 patches.

compute.py holds the computations, plots.py the figures, widget.py the sliders,
checks.py the exercises' checks (no answers: those live in instructor/)."""
