"""Notebook 03's exercises: what students see, the reference answers, and plausible wrong
answers that the checks must refuse (instructor only: never in the wheel)."""

EXERCISES = {
    "q1": {
        "blank": "q1_zeros = ...  # your prediction: a share in [0, 1]\n",
        "answer": "q1_zeros = 0.3\n",
        "wrong": {
            "the black background is mostly zeros": "q1_zeros = 0.8\n",
            "a ReLU zeroes half its inputs": "q1_zeros = 0.5\n",
            "a trained network keeps everything": "q1_zeros = 0.0\n",
        },
    },
    "q2": {
        "blank": (
            "import torch\n\n\n"
            "def top_images(model, module, images, channel, k):\n"
            "    ...  # your code: (k,) indices of the images, the most exciting first\n"
        ),
        "answer": (
            "import torch\n\n\n"
            "def top_images(model, module, images, channel, k):\n"
            "    seen = {}\n\n"
            "    def keep(mod, inputs, output):\n"
            "        seen['out'] = output.detach()\n\n"
            "    handle = module.register_forward_hook(keep)\n"
            "    try:\n"
            "        with torch.no_grad():\n"
            "            model(images)\n"
            "    finally:\n"
            "        handle.remove()\n"
            "    scores = seen['out'][:, channel].flatten(1).mean(1)  # one per image\n"
            "    return scores.topk(k).indices\n"
        ),
        "wrong": {
            "no finally: an error leaves the hook behind": (
                "import torch\n\n\n"
                "def top_images(model, module, images, channel, k):\n"
                "    seen = {}\n"
                "    handle = module.register_forward_hook(\n"
                "        lambda mod, inputs, output: seen.update(out=output.detach()))\n"
                "    with torch.no_grad():\n"
                "        model(images)\n"
                "    handle.remove()\n"
                "    return seen['out'][:, channel].flatten(1).mean(1).topk(k).indices\n"
            ),
            "the strongest position instead of the mean": (
                "import torch\n\n\n"
                "def top_images(model, module, images, channel, k):\n"
                "    seen = {}\n"
                "    handle = module.register_forward_hook(\n"
                "        lambda mod, inputs, output: seen.update(out=output.detach()))\n"
                "    try:\n"
                "        model(images)\n"
                "    finally:\n"
                "        handle.remove()\n"
                "    return seen['out'][:, channel].flatten(1).amax(1).topk(k).indices\n"
            ),
            "the least exciting images": (
                "import torch\n\n\n"
                "def top_images(model, module, images, channel, k):\n"
                "    seen = {}\n"
                "    handle = module.register_forward_hook(\n"
                "        lambda mod, inputs, output: seen.update(out=output.detach()))\n"
                "    try:\n"
                "        model(images)\n"
                "    finally:\n"
                "        handle.remove()\n"
                "    return seen['out'][:, channel].flatten(1).mean(1).argsort()[:k]\n"
            ),
            "the notebook's hook cell: the output, not a ranking": (
                "import torch\n\n\n"
                "def top_images(model, module, images, channel, k):\n"
                "    seen = {}\n\n"
                "    def keep(mod, inputs, output):\n"
                "        seen['out'] = output.detach().clone()\n\n"
                "    handle = module.register_forward_hook(keep)\n"
                "    try:\n"
                "        with torch.no_grad():\n"
                "            model(images)\n"
                "    finally:\n"
                "        handle.remove()\n"
                "    return seen['out'][:k, channel]\n"
            ),
        },
    },
}
