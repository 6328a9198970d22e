"""Notebook 02's exercises: what students see, the reference answers, and plausible wrong
answers that the checks must refuse (instructor only: never in the wheel)."""

EXERCISES = {
    "q1": {
        "blank": "q1_accuracy = ...  # your prediction: an accuracy in [0, 1]\n",
        "answer": "q1_accuracy = 0.5\n",
        "wrong": {
            "the same weights, the same accuracy": "q1_accuracy = 0.97\n",
            "chance: the network is lost": "q1_accuracy = 0.1\n",
            "a small loss": "q1_accuracy = 0.85\n",
        },
    },
    "q2": {
        "blank": (
            "import torch\n\n\n"
            "def total_variation(weights):\n"
            "    ...  # your code: a (F,) tensor for (F, C, kh, kw) weights\n"
        ),
        "answer": (
            "import torch\n\n\n"
            "def total_variation(weights):\n"
            "    dx = (weights[..., :, 1:] - weights[..., :, :-1]).abs().sum((2, 3))\n"
            "    dy = (weights[..., 1:, :] - weights[..., :-1, :]).abs().sum((2, 3))\n"
            "    mass = weights.abs().sum((2, 3))         # (F, C): one per kernel\n"
            "    ratio = torch.where(mass > 0, (dx + dy) / mass.clamp_min(1e-30), 0.0)\n"
            "    return ratio.mean(1)\n"
        ),
        "wrong": {
            "the notebook's smoothness instead": (
                "from lecturelib.sections.s02_filters.compute import filter_smoothness\n\n\n"
                "def total_variation(weights):\n"
                "    return filter_smoothness(weights)\n"
            ),
            "horizontal neighbours only": (
                "import torch\n\n\n"
                "def total_variation(weights):\n"
                "    dx = (weights[..., :, 1:] - weights[..., :, :-1]).abs().sum((2, 3))\n"
                "    mass = weights.abs().sum((2, 3))\n"
                "    return torch.where(mass > 0, dx / mass.clamp_min(1e-30), 0.0).mean(1)\n"
            ),
            "not divided by the sum of |weights|": (
                "def total_variation(weights):\n"
                "    dx = (weights[..., :, 1:] - weights[..., :, :-1]).abs().sum((2, 3))\n"
                "    dy = (weights[..., 1:, :] - weights[..., :-1, :]).abs().sum((2, 3))\n"
                "    return (dx + dy).mean(1)\n"
            ),
            "one ratio per filter, not per kernel": (
                "def total_variation(weights):\n"
                "    dx = (weights[..., :, 1:] - weights[..., :, :-1]).abs().sum((1, 2, 3))\n"
                "    dy = (weights[..., 1:, :] - weights[..., :-1, :]).abs().sum((1, 2, 3))\n"
                "    return (dx + dy) / weights.abs().sum((1, 2, 3))\n"
            ),
            "a dead kernel divides by zero": (
                "def total_variation(weights):\n"
                "    dx = (weights[..., :, 1:] - weights[..., :, :-1]).abs().sum((2, 3))\n"
                "    dy = (weights[..., 1:, :] - weights[..., :-1, :]).abs().sum((2, 3))\n"
                "    return ((dx + dy) / weights.abs().sum((2, 3))).mean(1)\n"
            ),
        },
    },
}
