"""Notebook 05's exercises: what students see, the reference answers, and plausible wrong
answers that the checks must refuse (instructor only: never in the wheel)."""

EXERCISES = {
    "q1": {
        "blank": "q1_drop = ...  # your prediction: a drop of probability, 0 to 1\n",
        "answer": "q1_drop = 0.85\n",
        "wrong": {
            "one small square cannot matter much": "q1_drop = 0.2\n",
            "about half": "q1_drop = 0.5\n",
        },
    },
    "q2": {
        "blank": (
            "import torch\n\n\n"
            "def occlusion_probability(model, images, target, size, stride):\n"
            "    ...  # your code: an (N, H', W') tensor of probability drops\n"
        ),
        "answer": (
            "import torch\n\n\n"
            "def occlusion_probability(model, images, target, size, stride):\n"
            "    n, _, height, width = images.shape\n"
            "    rows = range(0, height - size + 1, stride)\n"
            "    cols = range(0, width - size + 1, stride)\n"
            "    maps = torch.zeros(n, len(rows), len(cols))\n"
            "    with torch.no_grad():\n"
            "        for k in range(n):\n"
            "            x, c = images[k : k + 1], int(target[k])\n"
            "            clean = model(x).softmax(1)[0, c]\n"
            "            for i, top in enumerate(rows):\n"
            "                for j, left in enumerate(cols):\n"
            "                    copy = x.clone()\n"
            "                    copy[..., top : top + size, left : left + size] = x.mean()\n"
            "                    maps[k, i, j] = clean - model(copy).softmax(1)[0, c]\n"
            "    return maps\n"
        ),
        "wrong": {
            "the notebook's loop, batched (a black square, logits)": (
                "import torch\n\n\n"
                "def occlusion_probability(model, images, target, size, stride):\n"
                "    n, _, height, width = images.shape\n"
                "    out = []\n"
                "    for k in range(n):\n"
                "        x, c = images[k : k + 1], int(target[k])\n"
                "        occluded = []\n"
                "        for top in range(0, height - size + 1, stride):\n"
                "            for left in range(0, width - size + 1, stride):\n"
                "                copy = x.clone()\n"
                "                copy[..., top:top + size, left:left + size] = 0.0\n"
                "                occluded.append(copy)\n"
                "        with torch.no_grad():\n"
                "            drop = model(x)[0, c] - model(torch.cat(occluded))[:, c]\n"
                "        out.append(drop.reshape(len(range(0, height - size + 1, stride)), -1))\n"
                "    return torch.stack(out)\n"
            ),
            "probabilities, but a black square": (
                "import torch\n\n\n"
                "def occlusion_probability(model, images, target, size, stride):\n"
                "    n, _, height, width = images.shape\n"
                "    rows = range(0, height - size + 1, stride)\n"
                "    cols = range(0, width - size + 1, stride)\n"
                "    maps = torch.zeros(n, len(rows), len(cols))\n"
                "    with torch.no_grad():\n"
                "        for k in range(n):\n"
                "            x, c = images[k : k + 1], int(target[k])\n"
                "            clean = model(x).softmax(1)[0, c]\n"
                "            for i, top in enumerate(rows):\n"
                "                for j, left in enumerate(cols):\n"
                "                    copy = x.clone()\n"
                "                    copy[..., top : top + size, left : left + size] = 0.0\n"
                "                    maps[k, i, j] = clean - model(copy).softmax(1)[0, c]\n"
                "    return maps\n"
            ),
            "rows and columns swapped": (
                "import torch\n\n\n"
                "def occlusion_probability(model, images, target, size, stride):\n"
                "    n, _, height, width = images.shape\n"
                "    rows = range(0, height - size + 1, stride)\n"
                "    cols = range(0, width - size + 1, stride)\n"
                "    maps = torch.zeros(n, len(rows), len(cols))\n"
                "    with torch.no_grad():\n"
                "        for k in range(n):\n"
                "            x, c = images[k : k + 1], int(target[k])\n"
                "            clean = model(x).softmax(1)[0, c]\n"
                "            for i, top in enumerate(rows):\n"
                "                for j, left in enumerate(cols):\n"
                "                    copy = x.clone()\n"
                "                    copy[..., left : left + size, top : top + size] = x.mean()\n"
                "                    maps[k, i, j] = clean - model(copy).softmax(1)[0, c]\n"
                "    return maps\n"
            ),
            "one position short (range stops at H - size)": (
                "import torch\n\n\n"
                "def occlusion_probability(model, images, target, size, stride):\n"
                "    n, _, height, width = images.shape\n"
                "    rows = range(0, height - size, stride)\n"
                "    cols = range(0, width - size, stride)\n"
                "    maps = torch.zeros(n, len(rows), len(cols))\n"
                "    with torch.no_grad():\n"
                "        for k in range(n):\n"
                "            x, c = images[k : k + 1], int(target[k])\n"
                "            clean = model(x).softmax(1)[0, c]\n"
                "            for i, top in enumerate(rows):\n"
                "                for j, left in enumerate(cols):\n"
                "                    copy = x.clone()\n"
                "                    copy[..., top : top + size, left : left + size] = x.mean()\n"
                "                    maps[k, i, j] = clean - model(copy).softmax(1)[0, c]\n"
                "    return maps\n"
            ),
        },
    },
}
