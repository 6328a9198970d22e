"""Notebook 04, slides 24-33: layers as embeddings (t-SNE).

compute.py holds the computations, plots.py the figures, widget.py the sliders,
checks.py the exercises' checks (no answers: those live in instructor/)."""
