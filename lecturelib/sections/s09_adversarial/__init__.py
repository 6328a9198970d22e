"""Notebook 09, slides 76-83: adversarial examples and fooling images.

compute.py holds the computations, plots.py (or ``plot_*`` in compute.py) the
figures, widget.py the sliders, exercises/ the checks."""
