"""A panel that draws as it goes (``refines``) and records each move (``last_timing``).

The computations run on a fake clock: each step "takes" 0.2 s, so the tests know
exactly when the panel may show a partial picture (every ``REFINE_S`` = 0.5 s).
"""

import matplotlib.pyplot as plt
import pytest
import torch
from tiny_models import small_cnn

import lecturelib.tooling.panel as P
from lecturelib.core.device import make_generator
from lecturelib.sections.s06_saliency.compute import smoothgrad
from lecturelib.sections.s08_maximize_response.compute import maximize_response
from lecturelib.sections.s09_adversarial.fooling import fooling_search
from lecturelib.tooling.cache import cached
from lecturelib.tooling.panel import Panel, as_in_page, live_panels, slider

STEP_S = 0.2


def _figure(mean: float, done: int):
    fig, ax = plt.subplots(figsize=(2, 2))
    ax.bar([0], [mean])
    ax.set_ylim(0, 10)
    ax.set_title(f"{done} steps")
    return fig


def _compute(clock, shown, *, interrupt_at=None):
    """A running mean of 1..n, one step each 0.2 s; ``draw`` gets each partial mean."""

    def compute(v, progress, draw=None):
        total = 0.0
        for k in range(1, v["n"] + 1):
            clock.now += STEP_S
            if k == interrupt_at:
                raise KeyboardInterrupt
            total += k
            mean = total / k
            if draw is not None:
                draw(
                    lambda mean=mean, k=k: (
                        shown.append(k) or _figure(mean, k),
                        f"k={k}",
                    )
                )
        return _figure(total / v["n"], v["n"]), f"mean of {v['n']}"

    return compute


def _work(**values):
    """A result the cache stores: a move in the page first looks for it there."""
    return sorted(values.items())


def test_partial_pictures_every_half_second_and_the_same_final_picture(
    clock, png_bytes
):
    shown, readouts = [], []
    w = Panel({"n": slider("n", 2, 1, 20)}, _compute(clock, shown), refines=True)
    w.readout.observe(lambda c: readouts.append(c["new"]), names="value")
    w.controls["n"].value = 12  # 12 steps: 2.4 s
    # the first partial picture after 3 steps (0.6 s ≥ 0.5 s), then every 3 steps
    assert shown == [3, 6, 9, 12]
    assert sum(r.startswith("<i>refining…</i> k=") for r in readouts) == 4
    t = w.last_timing
    assert t.values == {"n": 12} and t.state == "drawn" and not t.announced
    assert t.first_picture_s == pytest.approx(0.6)
    assert t.done_s == pytest.approx(2.4) and t.pictures == 5
    assert w.readout.value.startswith("mean of 12")

    plain = Panel({"n": slider("n", 12, 1, 20)}, _compute(clock, []))
    assert plain.last_timing.pictures == 1  # no partial pictures without refines
    assert png_bytes(w) == png_bytes(plain)  # the final picture is the same
    assert live_panels()[-2:] == [w, plain]


def test_a_short_computation_draws_no_partial_picture(clock):
    shown = []
    w = Panel({"n": slider("n", 1, 1, 20)}, _compute(clock, shown), refines=True)
    w.controls["n"].value = 2  # 0.4 s: under REFINE_S
    assert shown == [] and w.last_timing.pictures == 1
    assert w.last_timing.first_picture_s == pytest.approx(0.4)


def test_no_partial_picture_while_the_final_one_is_due_within_a_second(clock):
    shown = []
    w = Panel(
        {"n": slider("n", 1, 1, 20)},
        _compute(clock, shown),
        cost=lambda v: v["n"],
        unit_seconds=lambda: STEP_S,
        refines=True,
    )
    w.controls["n"].value = 3  # estimated 0.6 s (≤ 1 s): no partial picture at 0.6 s
    assert w.last_timing.estimate == pytest.approx(0.6)
    assert shown == [] and w.last_timing.pictures == 1
    assert w.last_timing.first_picture_s == pytest.approx(0.6)
    w.controls["n"].value = 7  # estimated 1.4 s: the first partial at 0.5 s as usual
    assert w.last_timing.estimate == pytest.approx(1.4)
    assert shown == [3, 6]
    shown.clear()
    w.cost_model.points.clear()  # the model now says 0.1 s a step: 6 steps "0.6 s"
    w.cost_model.add(1, 0.1)
    w.cost_model.add(2, 0.2)
    w.controls["n"].value = 6  # they take 1.2 s: a late partial picture at 0.8 s
    assert w.last_timing.estimate == pytest.approx(0.6)
    assert shown == [4] and w.last_timing.first_picture_s == pytest.approx(0.8)
    shown.clear()
    w.cost_model.points.clear()  # 0.09 s a step: 10 steps "0.9 s", they take 2 s
    w.cost_model.add(1, 0.09)
    w.cost_model.add(2, 0.18)
    w.controls["n"].value = 10  # late after 1.125 s, capped at 0.9 s: a partial at
    # the first step after 0.9 s (1.0 s), not after 1.125 s (1.2 s): within 1 s;
    # then every 0.5 s as usual
    assert w.last_timing.estimate == pytest.approx(0.9)
    assert shown == [5, 8] and w.last_timing.first_picture_s == pytest.approx(1.0)


def test_the_cost_model_learns_the_time_without_partial_pictures(clock, empty_cache):
    def figure_in(seconds):
        def make():
            clock.now += seconds  # drawing a partial picture takes 0.3 s
            return None, "partial"

        return make

    def compute(v, progress, draw):
        for _ in range(v["n"]):
            clock.now += STEP_S
            draw(figure_in(0.3))
        cached(_work, **v)  # a miss: the panel measures it
        return None, "done"

    w = Panel({"n": slider("n", 1, 1, 20)}, compute, cost=lambda v: v["n"],
              unit_seconds=lambda: STEP_S, refines=True)  # fmt: skip
    w.controls["n"].value = 10  # 2 s of work, 2 partial pictures: 2.6 s in all
    assert w.last_timing.pictures == 3 and w.last_timing.done_s == pytest.approx(2.6)
    assert w.cost_model.points[10] == pytest.approx(2.0)
    assert w.cost_model.estimate(4) == pytest.approx(0.8)  # no partial picture then


def test_a_refining_panel_runs_up_to_its_own_budget(clock, monkeypatch, empty_cache):
    monkeypatch.setattr(P, "BUDGET_S", 10.0)
    monkeypatch.setattr(P, "REFINING_BUDGET_S", 60.0)
    steps = _compute(clock, [])
    w = Panel(
        {"n": slider("n", 1, 1, 500)},
        lambda v, progress, draw: (cached(_work, **v), steps(v, progress, draw))[1],
        cost=lambda v: v["n"],
        unit_seconds=lambda: STEP_S,
        refines=True,
    )
    with as_in_page():
        w.controls["n"].value = 100  # about 20 s, drawn as it goes: computed
        assert not w.last_timing.announced and w.last_timing.pictures > 30
        assert w.last_timing.first_picture_s == pytest.approx(0.6)
        w.controls["n"].value = 400  # about 80 s: announced
    assert w.last_timing.announced and "more than 60 s" in w.readout.value


def test_the_stop_button_stops_a_refining_computation(clock):
    shown = []
    w = Panel(
        {"n": slider("n", 1, 1, 20)},
        _compute(clock, shown, interrupt_at=8),
        refines=True,
    )
    w.controls["n"].value = 20
    assert w.state == "stopped" and shown == [3, 6]
    assert w.last_timing.state == "stopped" and w.last_timing.pictures == 2
    assert w.output.outputs[0]["data"]["text/plain"] == "stopped"


def test_an_announced_move_is_recorded_with_its_estimate(
    clock, monkeypatch, empty_cache
):
    monkeypatch.setattr(P, "BUDGET_S", 10.0)
    steps = _compute(clock, [])
    w = Panel(
        {"n": slider("n", 1, 1, 500)},
        lambda v, progress: (cached(_work, **v), steps(v, progress))[1],
        cost=lambda v: v["n"],
        unit_seconds=lambda: STEP_S,
    )
    with as_in_page():
        w.controls["n"].value = 100  # about 20 s: announced
    t = w.last_timing
    assert t.announced and t.state == "estimate" and t.pictures == 0
    assert t.estimate == pytest.approx(20.0, rel=0.05)
    assert t.first_picture_s is None and t.done_s == pytest.approx(0.0)
    w.button.click()  # "compute": measured
    t = w.last_timing
    assert not t.announced and t.state == "drawn" and t.done_s == pytest.approx(20.0)


# -- the computations that draw as they go: partial results never change the final one


def test_smoothgrad_partial_means_lead_to_the_same_result():
    model, x = small_cnn(), torch.rand(2, 3, 12, 12)
    seen = []
    kw = {"n": 10, "sigma": 0.2, "batch_size": 4, "progress": False}
    plain = smoothgrad(model, x, 1, generator=torch.Generator().manual_seed(0), **kw)
    refined = smoothgrad(
        model, x, 1, generator=torch.Generator().manual_seed(0),
        on_partial=lambda done, mean, state: seen.append((done, mean)), **kw,
    )  # fmt: skip
    assert torch.equal(plain, refined)
    # 20 copies in batches of 4: image 0 has copies 0-9, image 1 copies 10-19
    assert [done for done, _ in seen] == [0, 0, 2, 6]
    assert seen[-1][1].shape == x.shape
    assert torch.allclose(seen[-1][1][0], plain[0])  # image 0 complete after 12 copies


def test_maximize_response_partial_images_lead_to_the_same_result():
    model, seen = small_cnn(), []
    kw = {"steps": 5, "size": 12, "progress": False}
    plain = maximize_response(model, 2, generator=make_generator(0), **kw)
    refined = maximize_response(
        model, 2, generator=make_generator(0),
        on_partial=lambda done, x, h: seen.append((done, x.clone(), h)), **kw,
    )  # fmt: skip
    assert all(torch.equal(a, b) for a, b in zip(plain, refined, strict=True))
    assert [done for done, _, _ in seen] == [1, 2, 3, 4]
    assert seen[-1][2].shape == (4, 1)
    assert torch.equal(seen[-1][2], plain[1][:4])


def test_fooling_search_partial_bests_lead_to_the_same_result():
    model, seen = small_cnn(), []
    kw = {"shape": (3, 8, 8), "population": 8, "generations": 4, "progress": False}
    plain = fooling_search(model, 1, generator=make_generator(0), **kw)
    refined = fooling_search(
        model, 1, generator=make_generator(0),
        on_partial=lambda done, best, h: seen.append((done, best, h)), **kw,
    )  # fmt: skip
    assert all(torch.equal(a, b) for a, b in zip(plain, refined, strict=True))
    assert [done for done, _, _ in seen] == [1, 2, 3]
    assert seen[-1][1].shape == (3, 8, 8)
    assert torch.equal(seen[-1][2], plain[1][:4])


def test_smoothgrad_resumed_from_a_partial_state_gives_the_same_result():
    model, x = small_cnn(), torch.rand(1, 3, 12, 12)
    states = {}
    kw = {"sigma": 0.3, "batch_size": 4, "progress": False}
    smoothgrad(
        model, x, 2, n=10, generator=torch.Generator().manual_seed(0),
        on_partial=lambda done, mean, state: states.update([state]), **kw,
    )  # fmt: skip
    assert sorted(states) == [4, 8]  # after each batch but the last
    for n in (8, 9, 23):  # n moved up (or down to a state's copies): same result
        fresh = smoothgrad(
            model, x, 2, n=n, generator=torch.Generator().manual_seed(0), **kw
        )
        resumed = smoothgrad(
            model, x, 2, n=n, generator=torch.Generator().manual_seed(0),
            resume=(8, states[8]), **kw,
        )  # fmt: skip
        assert torch.equal(fresh, resumed), n
    with pytest.raises(ValueError, match=r"copies in \[0, n = 7\]; got 8"):
        smoothgrad(model, x, 2, n=7, resume=(8, states[8]), **kw)  # n < copies
    with pytest.raises(ValueError, match="of one image"):
        smoothgrad(model, x.expand(2, -1, -1, -1), 2, n=9, resume=(8, states[8]), **kw)


def test_smoothgrad_resumed_from_a_result_goes_on_from_its_copies():
    model, x = small_cnn(), torch.rand(1, 3, 12, 12)
    kw = {"sigma": 0.3, "batch_size": 4, "progress": False}
    six = smoothgrad(model, x, 2, n=6, generator=torch.Generator().manual_seed(0), **kw)
    for n in (6, 7, 13):  # from 6 copies, not a multiple of the batch: rounding only
        fresh = smoothgrad(
            model, x, 2, n=n, generator=torch.Generator().manual_seed(0), **kw
        )
        resumed = smoothgrad(
            model, x, 2, n=n, generator=torch.Generator().manual_seed(0),
            resume=(6, six * 6), **kw,
        )  # fmt: skip
        torch.testing.assert_close(resumed, fresh, rtol=1e-5, atol=1e-6)
    other = smoothgrad(
        model, x, 2, n=13, generator=torch.Generator().manual_seed(1), **kw
    )
    assert not torch.allclose(other, fresh, rtol=1e-3)  # another seed: other copies


def test_the_smoothgrad_widget_counts_only_the_copies_it_computes(empty_cache):
    from lecturelib.sections.s06_saliency.widget import saliency_widget

    w = saliency_widget(small_cnn(), torch.rand(2, 3, 12, 12), names=["a", "b"], n=20)
    w.controls["n"].value = 30  # resumes from the 20 copies of the first drawing
    w.controls["image"].value = 1  # another image: from scratch
    w.controls["n"].value = 33  # goes on from the 30 copies just computed
    # units: backward passes (copies + 1 for the plain gradient) actually run
    assert list(w.cost_model.points) == [21.0, 11.0, 31.0, 4.0]
