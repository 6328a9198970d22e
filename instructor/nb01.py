"""Notebook 01's exercises: what students see, the reference answers, and plausible wrong
answers that the checks must refuse (instructor only: never in the wheel)."""

EXERCISES = {
    "q1": {
        "blank": "q1_pieces = ...  # your prediction: a whole number\n",
        "answer": "q1_pieces = 70\n",
        "wrong": {
            "one piece per unit": "q1_pieces = 20\n",
            "one more than the units (parallel lines)": "q1_pieces = 21\n",
            "the most 20 lines can make in the whole plane": "q1_pieces = 211\n",
            "one piece per class": "q1_pieces = 2\n",
        },
    },
    "q2": {
        "blank": (
            "import torch\n\n\n"
            "def linear_piece(w1, b1, w2, b2, x):\n"
            "    ...  # your code: (A, c) with f(p) = A @ p + c on x's piece\n"
        ),
        "answer": (
            "import torch\n\n\n"
            "def linear_piece(w1, b1, w2, b2, x):\n"
            "    m = (w1 @ x + b1 > 0).to(w1.dtype)   # which units are active at x\n"
            "    a = w2 @ (m[:, None] * w1)            # (C, 2)\n"
            "    c = w2 @ (m * b1) + b2                # (C,)\n"
            "    return a, c\n"
        ),
        "wrong": {
            "no ReLU: every unit counted as active": (
                "def linear_piece(w1, b1, w2, b2, x):\n"
                "    return w2 @ w1, w2 @ b1 + b2\n"
            ),
            "the forgotten output bias": (
                "def linear_piece(w1, b1, w2, b2, x):\n"
                "    m = (w1 @ x + b1 > 0).float()\n"
                "    return w2 @ (m[:, None] * w1), w2 @ (m * b1)\n"
            ),
            "the notebook's forward pass adapted (values, not a piece)": (
                "import torch\n\n\n"
                "def linear_piece(w1, b1, w2, b2, x):\n"
                "    pre = x @ w1.T + b1\n"
                "    logits = torch.relu(pre) @ w2.T + b2\n"
                "    return w2 @ w1, logits\n"
            ),
            "the active units' mask flipped": (
                "def linear_piece(w1, b1, w2, b2, x):\n"
                "    m = (w1 @ x + b1 <= 0).float()\n"
                "    return w2 @ (m[:, None] * w1), w2 @ (m * b1) + b2\n"
            ),
        },
    },
}
