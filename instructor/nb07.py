"""Notebook 07's exercises: what students see, the reference answers, and plausible wrong
answers that the checks must refuse (instructor only: never in the wheel)."""

EXERCISES = {
    "q1": {
        "blank": "q1_cosine = ...  # your prediction: a number in [-1, 1]\n",
        "answer": "q1_cosine = 0.85\n",
        "wrong": {
            "the plain gradient's intuition (the class changes the map)": "q1_cosine = 0.0\n",
            "opposite classes, opposite maps": "q1_cosine = -0.5\n",
        },
    },
    "q2": {
        "blank": (
            "import torch\n\n\n"
            "def guided_mlp(w1, b1, w2, x, target):\n"
            "    ...  # your code: the guided map of logit `target` w.r.t. x (x's shape)\n"
        ),
        "answer": (
            "import torch\n\n\n"
            "def guided_mlp(w1, b1, w2, x, target):\n"
            "    s = w1 @ x + b1                     # the ReLU's forward input\n"
            "    g = w2[target]                      # d logit / d hidden output\n"
            "    g = g * (s > 0) * (g > 0)           # guided: both passes must agree\n"
            "    return w1.T @ g\n"
        ),
        "wrong": {
            "the plain gradient": (
                "def guided_mlp(w1, b1, w2, x, target):\n"
                "    s = w1 @ x + b1\n"
                "    return w1.T @ (w2[target] * (s > 0))\n"
            ),
            "the deconvolution": (
                "def guided_mlp(w1, b1, w2, x, target):\n"
                "    g = w2[target]\n"
                "    return w1.T @ (g * (g > 0))\n"
            ),
            "autograd's gradient (not guided)": (
                "import torch\n\n\n"
                "def guided_mlp(w1, b1, w2, x, target):\n"
                "    x = x.clone().requires_grad_(True)\n"
                "    (w2[target] @ torch.relu(w1 @ x + b1)).backward()\n"
                "    return x.grad\n"
            ),
            "a map of zeros": (
                "import torch\n\n\n"
                "def guided_mlp(w1, b1, w2, x, target):\n"
                "    return torch.zeros_like(x)\n"
            ),
        },
    },
}
