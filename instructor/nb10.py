"""Notebook 10's exercises: what students see, the reference answers, and plausible wrong
answers that the checks must refuse (instructor only: never in the wheel)."""

EXERCISES = {
    "q1": {
        "blank": "q1_share = ...  # your prediction: a number in [0, 1]\n",
        "answer": "q1_share = 81 / 121\n",
        "wrong": {
            "no holes at all": "q1_share = 1.0\n",
            "the one-axis share (9 of 11)": "q1_share = 9 / 11\n",
            "gridding as with (2, 2, 2)": "q1_share = 49 / 169\n",
        },
    },
    "q2": {
        "blank": (
            "def rf_size(layers):\n"
            "    ...  # your code: layers = [(kernel, stride, dilation), ...]; return an int\n"
        ),
        "answer": (
            "def rf_size(layers):\n"
            "    r, j = 1, 1                 # field size, and input pixels between units\n"
            "    for k, s, d in layers:\n"
            "        r += (k - 1) * d * j    # the taps' spread, in input pixels\n"
            "        j *= s\n"
            "    return r\n"
        ),
        "wrong": {
            "the notebook's 1 + 2·Σd (3 taps, stride 1)": (
                "def rf_size(layers):\n    return 1 + 2 * sum(d for k, s, d in layers)\n"
            ),
            "strides ignored": (
                "def rf_size(layers):\n"
                "    return 1 + sum((k - 1) * d for k, s, d in layers)\n"
            ),
            "the jump taken after the layer (off by one layer)": (
                "def rf_size(layers):\n"
                "    r, j = 1, 1\n"
                "    for k, s, d in layers:\n"
                "        j *= s\n"
                "        r += (k - 1) * d * j\n"
                "    return r\n"
            ),
            "the dilated kernels' spans added": (
                "def rf_size(layers):\n"
                "    return sum(1 + (k - 1) * d for k, s, d in layers)\n"
            ),
        },
    },
}
