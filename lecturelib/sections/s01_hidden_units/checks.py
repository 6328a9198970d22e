"""Notebook 01, slides 2-6: the exercises' checks (no answers: they measure the notebook's
trained ring network, or run the student's function on networks drawn here against
autograd's Jacobian)."""

from __future__ import annotations

import functools

import torch

from lecturelib.sections.s01_hidden_units.compute import compute_unit_segments
from lecturelib.sections.s01_hidden_units.results import snapshots
from lecturelib.tooling.exercise_helpers import close, within
from lecturelib.tooling.exercises import Question

__all__ = ["QUESTIONS", "linear_pieces"]

BOX = (-1.2, 1.2, -1.2, 1.2)


@functools.lru_cache(maxsize=4)
def linear_pieces(iteration: int = 5000) -> tuple[int, int, int]:
    """``(pieces, lines, crossings)`` of the notebook's ring run (seed 0) at ``iteration``
    in the square ``BOX``: the lines of the hidden units cut it into
    ``1 + lines + crossings`` convex pieces (Euler's formula; lines in general position),
    on each of which the network is one affine map."""
    _, _, snaps = snapshots("ring", seed=0, iterations=5000, lr=0.1)
    i = snaps.index(iteration)
    w, b = snaps.w1[i].double(), snaps.b1[i].double()
    _, visible = compute_unit_segments(w, b, BOX)
    units = visible.nonzero().flatten().tolist()
    crossings = 0
    for k, a in enumerate(units):
        for c in units[k + 1 :]:
            pair = torch.stack([w[a], w[c]])
            if abs(float(torch.linalg.det(pair))) < 1e-12:
                continue  # parallel lines never cross
            p = torch.linalg.solve(pair, -torch.stack([b[a], b[c]]))
            crossings += int(bool((p.abs() <= BOX[1]).all()))
    return 1 + len(units) + crossings, len(units), crossings


def _q1(q1_pieces) -> str | None:
    return within(q1_pieces, linear_pieces()[0], rel=0.25)


def _q1_reveal(q1_pieces) -> str:
    pieces, lines, crossings = linear_pieces()
    return (
        f"Measured {pieces} pieces: {lines} of the 20 lines cross the square and meet "
        f"{crossings} times inside it, and each line adds one piece plus one per crossing "
        f"(1 + {lines} + {crossings}). Far more pieces than units, and fewer than the "
        "211 that 20 lines can cut the whole plane into: some lines miss the square."
    )


def _mlp_case(seed: int):
    gen = torch.Generator().manual_seed(seed)
    h, c = 5 + seed % 7, 2 + seed % 3
    w1, b1 = torch.randn(h, 2, generator=gen), torch.randn(h, generator=gen)
    w2, b2 = torch.randn(c, h, generator=gen), torch.randn(c, generator=gen)
    x = torch.randn(2, generator=gen)

    def net(p):
        return w2 @ torch.relu(w1 @ p + b1) + b2

    a = torch.autograd.functional.jacobian(net, x)  # (c, 2): the slope at x
    return (w1, b1, w2, b2, x), a, net(x) - a @ x


def _q2(linear_piece) -> str | None:
    for seed in (3, 17, 40, 58):  # sizes and weights the notebook never shows
        args, a, offset = _mlp_case(seed)
        got = linear_piece(*(t.clone() for t in args))
        if not isinstance(got, tuple) or len(got) != 2:
            return f"Return a pair (A, c); got {type(got).__name__}."
        verdict = close(got[0], a) or close(got[1], offset)
        if verdict is not None:
            return verdict
    return None


QUESTIONS = {
    "q1": Question(
        names=("q1_pieces",),
        kind="predict",
        check=_q1,
        reveal=_q1_reveal,
        hints=(
            (
                "Inside one piece every unit keeps its side of its line (active or not), so "
                "the network is one affine map there. Count the pieces the lines cut out."
            ),
            (
                "Look at the trained network's figure above: how many lines cross the "
                "square, and roughly how many times do they cross each other inside it?"
            ),
            (
                "Draw the lines one at a time: a new line adds one piece, plus one more "
                "for every line it crosses inside the square."
            ),
        ),
    ),
    "q2": Question(
        names=("linear_piece",),
        kind="code",
        check=_q2,
        hints=(
            (
                "Near x, the units active at x stay active and the inactive ones stay at 0: "
                "the ReLU is multiplication by a fixed 0/1 vector."
            ),
            (
                "With m = (w1 @ x + b1 > 0) as 0/1, f(p) = w2 @ (m * (w1 @ p + b1)) + b2 "
                "on the whole piece. Expand it as A @ p + c."
            ),
            "A has shape (C, 2) and c shape (C,); inactive units enter neither.",
        ),
    ),
}
