"""Notebook 08's exercises: what students see, the reference answers, and plausible wrong
answers that the checks must refuse (instructor only: never in the wheel)."""

EXERCISES = {
    "q1": {
        "blank": "q1_share = ...  # your prediction: a number in [0, 1]\n",
        "answer": "q1_share = 0.45\n",
        "wrong": {
            "as white as white noise": "q1_share = 0.85\n",
            "all of it high frequency": "q1_share = 1.0\n",
            "as smooth as with the prior": "q1_share = 0.05\n",
        },
    },
    "q2": {
        "blank": (
            "import torch\n"
            "import torch.nn.functional as F\n\n\n"
            "def edge_energy_grad(x):\n"
            "    ...  # your code: the gradient of the one-scale prior at x (x's shape)\n"
        ),
        "answer": (
            "import torch\n"
            "import torch.nn.functional as F\n\n\n"
            "def edge_energy_grad(x):\n"
            "    k = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0], dtype=x.dtype)\n"
            "    g = (torch.outer(k, k) / 256).view(1, 1, 5, 5)\n"
            "    high = lambda u: u - F.conv2d(u, g, padding=2)  # A: symmetric, Aᵀ = A\n"
            "    u = x.flatten(0, 1).unsqueeze(1)                  # (N·C, 1, H, W)\n"
            "    return (2 * high(high(u))).view(x.shape)          # 2 Aᵀ A x\n"
        ),
        "wrong": {
            "the notebook's edge_energy (the energy, not its gradient)": (
                "import torch\n"
                "import torch.nn.functional as F\n\n\n"
                "def edge_energy_grad(x):\n"
                "    k = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0])\n"
                "    g = (torch.outer(k, k) / 256).view(1, 1, 5, 5)\n"
                "    u, energy = x.flatten(0, 1).unsqueeze(1), 0.0\n"
                "    while min(u.shape[-2:]) > 5:\n"
                "        blurry = F.conv2d(F.pad(u, (2, 2, 2, 2), mode='replicate'), g)\n"
                "        energy = energy + (u - blurry).pow(2).flatten(1).sum(1)\n"
                "        u = F.avg_pool2d(u, 2, ceil_mode=True)\n"
                "    return energy.view(x.shape[:2]).sum(1)\n"
            ),
            "autograd through the notebook's replicate-padded prior": (
                "import torch\n"
                "import torch.nn.functional as F\n\n\n"
                "def edge_energy_grad(x):\n"
                "    k = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0])\n"
                "    g = (torch.outer(k, k) / 256).view(1, 1, 5, 5)\n"
                "    x = x.clone().requires_grad_(True)\n"
                "    u = x.flatten(0, 1).unsqueeze(1)\n"
                "    r = u - F.conv2d(F.pad(u, (2, 2, 2, 2), mode='replicate'), g)\n"
                "    (grad,) = torch.autograd.grad(r.pow(2).sum(), x)\n"
                "    return grad\n"
            ),
            "the residual only (Aᵀ forgotten)": (
                "import torch\n"
                "import torch.nn.functional as F\n\n\n"
                "def edge_energy_grad(x):\n"
                "    k = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0])\n"
                "    g = (torch.outer(k, k) / 256).view(1, 1, 5, 5)\n"
                "    u = x.flatten(0, 1).unsqueeze(1)\n"
                "    return (2 * (u - F.conv2d(u, g, padding=2))).view(x.shape)\n"
            ),
            "the factor 2 forgotten": (
                "import torch\n"
                "import torch.nn.functional as F\n\n\n"
                "def edge_energy_grad(x):\n"
                "    k = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0])\n"
                "    g = (torch.outer(k, k) / 256).view(1, 1, 5, 5)\n"
                "    high = lambda u: u - F.conv2d(u, g, padding=2)\n"
                "    return high(high(x.flatten(0, 1).unsqueeze(1))).view(x.shape)\n"
            ),
        },
    },
}
