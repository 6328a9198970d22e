"""Notebook 09's exercises: what students see, the reference answers, and plausible wrong
answers that the checks must refuse (instructor only: never in the wheel)."""

EXERCISES = {
    "q1": {
        "blank": "q1_share = ...  # your prediction: a number in [0, 1]\n",
        "answer": "q1_share = 0.4\n",
        "wrong": {
            "none, as at twice the distance": "q1_share = 0.0\n",
            "ten times the adversarial norm must flip them all": "q1_share = 1.0\n",
            "a coin toss": "q1_share = 0.75\n",
        },
    },
    "q2": {
        "blank": (
            "import torch\n\n\n"
            "def sphere_flips(model, x, radius, directions):\n"
            "    ...  # your code: (n,) booleans, True where x + radius·u/‖u‖ changes the label\n"
        ),
        "answer": (
            "import torch\n\n\n"
            "def sphere_flips(model, x, radius, directions):\n"
            "    with torch.no_grad():\n"
            "        label = model(x[None]).argmax(1)                 # the label to keep\n"
            "        norms = directions.flatten(1).norm(dim=1)\n"
            "        units = directions / norms.view(-1, *[1] * x.dim())  # unit directions\n"
            "        return model(x + radius * units).argmax(1) != label\n"
        ),
        "wrong": {
            "the notebook's sphere_test call (its own directions, a count)": (
                "from lecturelib.sections.s09_adversarial import compute as adv\n\n\n"
                "def sphere_flips(model, x, radius, directions):\n"
                "    return adv.sphere_test(model, x[None], radius, n=len(directions))\n"
            ),
            "directions not normalised": (
                "import torch\n\n\n"
                "def sphere_flips(model, x, radius, directions):\n"
                "    with torch.no_grad():\n"
                "        label = model(x[None]).argmax(1)\n"
                "        return model(x + radius * directions).argmax(1) != label\n"
            ),
            "one norm for all the directions together": (
                "import torch\n\n\n"
                "def sphere_flips(model, x, radius, directions):\n"
                "    with torch.no_grad():\n"
                "        label = model(x[None]).argmax(1)\n"
                "        units = directions / directions.norm()\n"
                "        return model(x + radius * units).argmax(1) != label\n"
            ),
            "the points' labels compared with themselves (nothing flips)": (
                "import torch\n\n\n"
                "def sphere_flips(model, x, radius, directions):\n"
                "    return torch.zeros(len(directions), dtype=torch.bool)\n"
            ),
        },
    },
}
