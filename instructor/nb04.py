"""Notebook 04's exercises: what students see, the reference answers, and plausible wrong
answers that the checks must refuse (instructor only: never in the wheel)."""

EXERCISES = {
    "q1": {
        "blank": "q1_kept = ...  # your prediction: a number of neighbours, 0 to 10\n",
        "answer": "q1_kept = 3\n",
        "wrong": {
            "PCA's trustworthiness read as a share": "q1_kept = 8\n",
            "PCA keeps neighbours, it only flattens": "q1_kept = 10\n",
            "about half": "q1_kept = 5.5\n",
        },
    },
    "q2": {
        "blank": (
            "import torch\n\n\n"
            "def trust(x, y, k):\n"
            "    ...  # your code: the trustworthiness of embedding y (n, 2) of x (n, d), a float\n"
        ),
        "answer": (
            "import torch\n\n\n"
            "def trust(x, y, k):\n"
            "    n = len(x)\n"
            "    dx, dy = torch.cdist(x, x), torch.cdist(y, y)\n"
            "    dx.fill_diagonal_(float('inf'))\n"
            "    dy.fill_diagonal_(float('inf'))\n"
            "    order = dx.argsort(1)                       # nearest first, self last\n"
            "    rank = torch.empty_like(order)\n"
            "    rank.scatter_(1, order, torch.arange(1, n + 1).expand(n, n))  # rank[i, j]\n"
            "    near_y = dy.argsort(1)[:, :k]               # k nearest in the embedding\n"
            "    r = rank.gather(1, near_y)\n"
            "    cost = (r - k).clamp(min=0).sum().item()    # only the false neighbours\n"
            "    return 1 - 2 / (n * k * (2 * n - 3 * k - 1)) * cost\n"
        ),
        "wrong": {
            "the notebook's call with the roles swapped (continuity)": (
                "from sklearn.manifold import trustworthiness\n\n\n"
                "def trust(x, y, k):\n"
                "    return trustworthiness(y.numpy(), x.numpy(), n_neighbors=k)\n"
            ),
            "ranks counted from 0 (the nearest other point gets rank 0)": (
                "import torch\n\n\n"
                "def trust(x, y, k):\n"
                "    n = len(x)\n"
                "    dx, dy = torch.cdist(x, x), torch.cdist(y, y)\n"
                "    dx.fill_diagonal_(float('inf'))\n"
                "    dy.fill_diagonal_(float('inf'))\n"
                "    order = dx.argsort(1)\n"
                "    rank = torch.empty_like(order)\n"
                "    rank.scatter_(1, order, torch.arange(n).expand(n, n))\n"
                "    r = rank.gather(1, dy.argsort(1)[:, :k])\n"
                "    cost = (r - k).clamp(min=0).sum().item()\n"
                "    return 1 - 2 / (n * k * (2 * n - 3 * k - 1)) * cost\n"
            ),
            "the share of neighbours kept": (
                "import torch\n\n\n"
                "def trust(x, y, k):\n"
                "    dx, dy = torch.cdist(x, x), torch.cdist(y, y)\n"
                "    dx.fill_diagonal_(float('inf'))\n"
                "    dy.fill_diagonal_(float('inf'))\n"
                "    a, b = dx.argsort(1)[:, :k], dy.argsort(1)[:, :k]\n"
                "    return sum(len(set(p.tolist()) & set(q.tolist())) for p, q in zip(a, b)) / (len(x) * k)\n"
            ),
            "a perfect score": "def trust(x, y, k):\n    return 1.0\n",
        },
    },
}
