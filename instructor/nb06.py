"""Notebook 06's exercises: what students see, the reference answers, and plausible wrong
answers that the checks must refuse (instructor only: never in the wheel)."""

EXERCISES = {
    "q1": {
        "blank": "q1_ratio = ...  # your prediction: ‖∇f(2x)‖ / ‖∇f(x)‖, a positive number\n",
        "answer": "q1_ratio = 1.0\n",
        "wrong": {
            "the gradient grows with the input": "q1_ratio = 2.0\n",
            "the gradient shrinks as the input grows": "q1_ratio = 0.5\n",
            "a quadratic's gradient": "q1_ratio = 4.0\n",
        },
    },
    "q2": {
        "blank": (
            "import torch\n\n\n"
            "def grad_times_input(model, images, target):\n"
            "    ...  # your code: an (N, H, W) tensor\n"
        ),
        "answer": (
            "import torch\n\n\n"
            "def grad_times_input(model, images, target):\n"
            "    x = images.detach().clone().requires_grad_(True)\n"
            "    logits = model(x).gather(1, target.view(-1, 1)).sum()\n"
            "    (g,) = torch.autograd.grad(logits, x)\n"
            "    return (g * images).sum(1)\n"
        ),
        "wrong": {
            "the notebook's my_saliency, summed over channels (no × input)": (
                "import torch\n\n\n"
                "def grad_times_input(model, images, target):\n"
                "    x = images.detach().clone().requires_grad_(True)\n"
                "    (g,) = torch.autograd.grad(model(x).gather(1, target.view(-1, 1)).sum(), x)\n"
                "    return g.sum(1)\n"
            ),
            "the map's display convention, |gradient × input|": (
                "import torch\n\n\n"
                "def grad_times_input(model, images, target):\n"
                "    x = images.detach().clone().requires_grad_(True)\n"
                "    (g,) = torch.autograd.grad(model(x).gather(1, target.view(-1, 1)).sum(), x)\n"
                "    return (g * images).abs().sum(1)\n"
            ),
            "the gradient of every logit (target forgotten)": (
                "import torch\n\n\n"
                "def grad_times_input(model, images, target):\n"
                "    x = images.detach().clone().requires_grad_(True)\n"
                "    (g,) = torch.autograd.grad(model(x).sum(), x)\n"
                "    return (g * images).sum(1)\n"
            ),
            "the predicted class instead of the target": (
                "import torch\n\n\n"
                "def grad_times_input(model, images, target):\n"
                "    x = images.detach().clone().requires_grad_(True)\n"
                "    out = model(x)\n"
                "    (g,) = torch.autograd.grad(out.max(1).values.sum(), x)\n"
                "    return (g * images).sum(1)\n"
            ),
        },
    },
}
