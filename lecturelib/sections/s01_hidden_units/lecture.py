"""Notebook 01, slides 2-6: the lecture's numbers next to this run's (the closing table)."""

from __future__ import annotations

import pandas as pd

from lecturelib.sections.s01_hidden_units.compute import (
    LECTURE_ITERATIONS,
    LECTURE_ITERATIONS_RUN2,
    Snapshots,
)

__all__ = ["lecture_table"]


def lecture_table(run1: Snapshots, run2: Snapshots, *, held_out: float):
    """Notebook 01's closing table: the lecture's numbers next to this run's.

    Args:
        run1, run2: the two runs (ring, moons); held_out: run 1's accuracy on new points.
    Returns:
        ``pandas.DataFrame`` with columns "lecture" and "here", one row per claim.
    """

    def acc(s: Snapshots, k: int) -> str:
        return f"{float(s.accuracy[s.index(k)]):.1%}"

    hidden, classes = run1.w1.shape[1], run1.w2.shape[1]
    rows = [
        ("network", "Linear(2, 20) → ReLU → Linear(20, 2)",
         f"Linear(2, {hidden}) → ReLU → Linear({hidden}, {classes})"),
        ("iterations shown, first sequence", ", ".join(map(str, LECTURE_ITERATIONS)),
         ", ".join(str(int(run1.iterations[run1.index(k)])) for k in LECTURE_ITERATIONS)),
        ("iterations shown, second sequence",
         ", ".join(map(str, LECTURE_ITERATIONS_RUN2)),
         ", ".join(str(int(run2.iterations[run2.index(k)]))
                   for k in LECTURE_ITERATIONS_RUN2)),
        ("iteration 1: the lines lie where the initialisation put them (picture)", "—",
         f"training accuracy {acc(run1, 1)} (ring), {acc(run2, 1)} (moons)"),
        ("iteration 4999: the lines' combination delimits the classes (picture)", "—",
         (f"training accuracy {acc(run1, 4999)} (ring; {held_out:.1%} on new "
          f"points), {acc(run2, 4999)} (moons)")),
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=["", "lecture", "here"]).set_index("")
