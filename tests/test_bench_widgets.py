"""The slider latency benchmark's own logic: which values it moves to, what it counts."""

import sys
from pathlib import Path

import ipywidgets as W

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from bench_widgets import misfired, summary, targets


def test_five_values_over_each_range_both_ends_included():
    assert targets(W.IntSlider(value=10, min=1, max=100)) == [1, 26, 51, 75, 100]
    assert targets(W.FloatSlider(value=0.3, min=0, max=1, step=0.05)) == [
        0.0, 0.25, 0.5, 0.75, 1.0,
    ]  # fmt: skip
    assert targets(W.IntSlider(value=4, min=4, max=224, step=4)) == [
        4,
        60,
        116,
        168,
        224,
    ]
    assert targets(W.IntSlider(value=1, min=1, max=3)) == [1, 2, 3]  # no repeats
    menu = W.Dropdown(options=[(str(i), i * 10) for i in range(10)], value=0)
    assert targets(menu) == [0, 20, 40, 70, 90]  # indices 0, 2.25, 4.5, 6.75, 9
    assert targets(W.Dropdown(options=["a", "b"])) == ["a", "b"]
    assert targets(W.Checkbox(value=False)) == [False, True]


def _move(
    done, first=None, announced=False, estimate=None, measured=None, state="drawn"
):
    return {"done_s": done, "first_picture_s": first, "announced": announced,
            "estimate_s": estimate, "measured_s": measured, "state": state}  # fmt: skip


def test_free_text_has_no_range_to_sweep():
    assert targets(W.Text(value="https://example.org/cat.jpg")) == []


def test_an_announcement_misfires_when_the_setting_was_short_or_the_estimate_off():
    assert not misfired(_move(0.0, announced=True, estimate=20.0, measured=12.0))
    assert misfired(_move(0.0, announced=True, estimate=20.0, measured=4.0))  # ≤ 5 s
    assert misfired(_move(0.0, announced=True, estimate=30.0, measured=12.0))  # > 2×
    assert not misfired(_move(0.0, announced=True, estimate=900.0))  # not computed
    assert not misfired(_move(12.0, estimate=1.0))  # computed: not an announcement


def test_the_summary_counts_complete_and_first_pictures_within_a_second():
    moves = [
        _move(0.4, 0.4),
        _move(3.0, 0.6),  # drew as it went
        _move(0.9, None, state="failed"),
        _move(0.0, announced=True, estimate=20.0, measured=3.0),
    ]
    s = summary(moves)
    assert (s["moves"], s["complete_1s"], s["first_picture_1s"]) == (4, 1, 2)
    assert (s["announced"], s["misfires"], s["failed"]) == (1, 1, 1)
    assert s["slowest_s"] == 3.0
