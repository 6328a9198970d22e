"""Notebook 06, slides 38-45: saliency maps and SmoothGrad.

compute.py holds the computations, plots.py (or ``plot_*`` in compute.py) the
figures, widget.py the sliders, exercises/ the checks."""
