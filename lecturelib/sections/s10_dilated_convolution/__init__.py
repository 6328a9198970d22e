"""Notebook 10, slides 84-89: dilated convolutions.

compute.py holds the computations, plots.py (or ``plot_*`` in compute.py) the
figures, widget.py the sliders, exercises/ the checks."""
