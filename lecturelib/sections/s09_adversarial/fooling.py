"""Notebook 09, slides 76-83: Fooling images: a genetic search from noise (Nguyen et al., 2015).

Nguyen, Yosinski and Clune (2015), "Deep neural networks are easily fooled", evolve
images that a network classifies as a chosen class with high confidence although
they look like nothing to us. This is their *direct encoding*: each individual is an
image (pixels in [0, 1]), evolved by selection, uniform crossover and sparse Gaussian
mutation, with fitness the softmax probability of the target class. No gradient is
used: the network is only queried.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch
from torch import nn
from tqdm.auto import tqdm

from lecturelib.core.hooks import preserved_state
from lecturelib.core.validate import check_float, check_int

__all__ = ["fooling_search"]


@torch.no_grad()
def _fitness(model, population, targets, to_input, batch_size) -> torch.Tensor:
    """(T, P) probability of each group's target class, in batches across groups."""
    t, p = population.shape[:2]
    rows = targets.repeat_interleave(p)
    scores = []
    for chunk, want in zip(
        population.flatten(0, 1).split(batch_size), rows.split(batch_size)
    ):
        probs = model(to_input(chunk)).softmax(1)
        scores.append(probs.gather(1, want[:, None].to(probs.device))[:, 0])
    return torch.cat(scores).view(t, p)


def _draw(fn, shape, generator, device, **kw) -> torch.Tensor:
    """Random numbers made on the generator's device (the CPU by default), then moved."""
    where = generator.device if generator is not None else torch.device("cpu")
    return fn(*kw.pop("args", ()), shape, generator=generator, device=where, **kw).to(
        device
    )


def _offspring(parents, fitness, n, rate, std, generator) -> torch.Tensor:
    """``n`` children per group: tournament selection, uniform crossover, mutation."""
    t, p = fitness.shape
    device = parents.device
    pick = _draw(torch.randint, (2, t, n, 2), generator, device, args=(p,))
    groups = torch.arange(t, device=device)[:, None]

    def tournament(k):  # the fitter of two random members of the group
        i, j = pick[k, ..., 0], pick[k, ..., 1]
        return torch.where(fitness.gather(1, i) >= fitness.gather(1, j), i, j)

    shape = (t, n, *parents.shape[2:])
    mix = _draw(torch.rand, shape, generator, device) < 0.5
    children = torch.where(
        mix, parents[groups, tournament(0)], parents[groups, tournament(1)]
    )
    mutate = _draw(torch.rand, shape, generator, device) < rate
    noise = _draw(torch.randn, shape, generator, device) * std
    return (children + mutate * noise).clamp(0, 1)


def fooling_search(
    model: nn.Module,
    target: int | Sequence[int],
    *,
    shape: tuple[int, ...] = (1, 28, 28),
    population: int = 64,
    generations: int = 100,
    elite: int = 4,
    mutation_rate: float = 0.1,
    mutation_std: float = 0.3,
    to_input: Callable[[torch.Tensor], torch.Tensor] | None = None,
    batch_size: int = 512,
    generator: torch.Generator | None = None,
    progress: bool = True,
    on_partial: Callable[[int, torch.Tensor, torch.Tensor], None] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Evolve images from uniform noise that ``model`` puts in class ``target``.

    Args:
        target: the class index to reach, or a list of them (one population each,
            evolved side by side, the network queried in shared batches).
        shape: (C, h, w) of an individual, pixels in [0, 1] (a low resolution keeps
            the search cheap on a large model: ``to_input`` can upsample it).
        population: individuals per generation (≥ 2); the ``elite`` best survive as is.
        generations: number of generations (≥ 1).
        mutation_rate: fraction of pixels mutated per child; mutation_std: their noise.
        to_input: maps a batch of individuals (N, C, h, w) in [0, 1] to the model's
            input (e.g. resize + normalise); identity by default.
        generator: a ``torch.Generator`` for every draw (made on its device, then moved).
        on_partial: called after each generation but the last with ``(generations
            done, best, history so far)``, shaped as the result (a widget draws them
            as it goes).
    Returns:
        ``(best, history)``: the fittest individual (C, h, w) in [0, 1], and the best
        probability of ``target`` at each generation, (generations + 1,), row 0 for the
        initial noise; for a list of T targets, (T, C, h, w) and (generations + 1, T).
    """
    single = not isinstance(target, (list, tuple, range))
    targets = [target] if single else list(target)
    for t in targets:
        check_int("target", t, low=0)
    population = check_int("population", population, low=2)
    generations = check_int("generations", generations, low=1)
    elite = check_int("elite", elite, low=0, high=population - 1)
    check_float("mutation_rate", mutation_rate, low=0.0, high=1.0)
    check_float("mutation_std", mutation_std, low=0.0)
    to_input = to_input or (lambda t: t)
    device = next(model.parameters()).device
    targets = torch.tensor(targets, dtype=torch.long)
    pop = _draw(torch.rand, (len(targets), population, *shape), generator, device)
    with preserved_state(model):
        n_out = model(to_input(pop[0, :1])).shape[1]
        if targets.max() >= n_out:
            raise ValueError(
                f"target must be in [0, {n_out - 1}]; got {int(targets.max())}"
            )
        fit = _fitness(model, pop, targets, to_input, batch_size)
        history = [fit.max(1).values]
        groups = torch.arange(len(targets), device=device)[:, None]
        for _ in tqdm(
            range(generations), desc="evolve", disable=not progress, leave=False
        ):
            best = fit.argsort(dim=1, descending=True)[:, :elite]
            kids = _offspring(
                pop, fit, population - elite, mutation_rate, mutation_std, generator
            )
            kid_fit = _fitness(model, kids, targets, to_input, batch_size)
            pop = torch.cat([pop[groups, best], kids], dim=1)
            fit = torch.cat([fit.gather(1, best), kid_fit], dim=1)
            history.append(fit.max(1).values)
            if on_partial is not None and len(history) <= generations:
                best_now = pop[groups[:, 0], fit.argmax(1)].cpu()
                hist_now = torch.stack(history).cpu()
                on_partial(
                    len(history) - 1,
                    *(
                        (best_now[0], hist_now[:, 0])
                        if single
                        else (best_now, hist_now)
                    ),
                )
    winners = pop[groups[:, 0], fit.argmax(1)].cpu()
    history = torch.stack(history).cpu()
    return (winners[0], history[:, 0]) if single else (winners, history)
