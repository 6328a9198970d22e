"""Small hand-made models shared by the widget tests (not a test module)."""

import torch
from torch import nn


def small_cnn() -> nn.Sequential:
    """A seeded 3-channel convnet with an in-place ReLU and 4 outputs, in eval mode."""
    torch.manual_seed(0)
    return nn.Sequential(
        nn.Conv2d(3, 6, 3, padding=1),
        nn.ReLU(inplace=True),
        nn.Conv2d(6, 6, 3, padding=1),
        nn.ReLU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Linear(6, 4),
    ).eval()
