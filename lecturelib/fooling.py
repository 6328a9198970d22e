"""Fooling images: a genetic search from noise (Nguyen et al., 2015), notebook 09.

Nguyen, Yosinski and Clune (2015), "Deep neural networks are easily fooled", evolve
images that a network classifies as a chosen class with high confidence although
they look like nothing to us. This is their *direct encoding*: each individual is an
image (pixels in [0, 1]), evolved by selection, uniform crossover and sparse Gaussian
mutation, with fitness the softmax probability of the target class. No gradient is
used: the network is only queried.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn
from tqdm.auto import tqdm

from .hooks import preserved_state
from .validate import check_float, check_int

__all__ = ["fooling_search"]


@torch.no_grad()
def _fitness(model, population, target, to_input, batch_size) -> torch.Tensor:
    scores = []
    for chunk in population.split(batch_size):
        scores.append(model(to_input(chunk)).softmax(1)[:, target])
    return torch.cat(scores)


def _offspring(parents, fitness, n, rate, std, generator) -> torch.Tensor:
    """``n`` children: tournament selection, uniform crossover, sparse mutation."""
    device = parents.device
    pick = torch.randint(len(parents), (2, n, 2), generator=generator).to(device)
    # tournament of two: the fitter of two random parents, twice
    a = torch.where(
        fitness[pick[0, :, 0]] >= fitness[pick[0, :, 1]], pick[0, :, 0], pick[0, :, 1]
    )
    b = torch.where(
        fitness[pick[1, :, 0]] >= fitness[pick[1, :, 1]], pick[1, :, 0], pick[1, :, 1]
    )
    shape = (n, *parents.shape[1:])
    mix = (torch.rand(shape, generator=generator) < 0.5).to(device)
    children = torch.where(mix, parents[a], parents[b])
    mutate = (torch.rand(shape, generator=generator) < rate).to(device)
    noise = (torch.randn(shape, generator=generator) * std).to(device)
    return (children + mutate * noise).clamp(0, 1)


def fooling_search(
    model: nn.Module,
    target: int,
    *,
    shape: tuple[int, ...] = (1, 28, 28),
    population: int = 64,
    generations: int = 100,
    elite: int = 4,
    mutation_rate: float = 0.1,
    mutation_std: float = 0.3,
    to_input: Callable[[torch.Tensor], torch.Tensor] | None = None,
    batch_size: int = 256,
    generator: torch.Generator | None = None,
    progress: bool = True,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Evolve images from uniform noise that ``model`` puts in class ``target``.

    Args:
        target: the class index to reach.
        shape: (C, h, w) of an individual, pixels in [0, 1] (a low resolution keeps
            the search cheap on a large model: ``to_input`` can upsample it).
        population: individuals per generation (≥ 2); the ``elite`` best survive as is.
        generations: number of generations (≥ 1).
        mutation_rate: fraction of pixels mutated per child; mutation_std: their noise.
        to_input: maps a batch of individuals (N, C, h, w) in [0, 1] to the model's
            input (e.g. resize + normalise); identity by default.
        generator: a CPU ``torch.Generator`` for every random draw.
    Returns:
        ``(best, history)``: the fittest individual (C, h, w) in [0, 1], and the best
        probability of ``target`` at each generation, (generations + 1,), row 0 for the
        initial noise.
    """
    target = check_int("target", target, low=0)
    population = check_int("population", population, low=2)
    generations = check_int("generations", generations, low=1)
    elite = check_int("elite", elite, low=0, high=population - 1)
    check_float("mutation_rate", mutation_rate, low=0.0, high=1.0)
    check_float("mutation_std", mutation_std, low=0.0)
    to_input = to_input or (lambda t: t)
    device = next(model.parameters()).device
    pop = torch.rand((population, *shape), generator=generator).to(device)
    with preserved_state(model):
        n_out = model(to_input(pop[:1])).shape[1]
        if target >= n_out:
            raise ValueError(f"target must be in [0, {n_out - 1}]; got {target}")
        fit = _fitness(model, pop, target, to_input, batch_size)
        history = [fit.max().item()]
        for _ in tqdm(
            range(generations), desc="evolve", disable=not progress, leave=False
        ):
            order = fit.argsort(descending=True)
            kids = _offspring(
                pop, fit, population - elite, mutation_rate, mutation_std, generator
            )
            kid_fit = _fitness(model, kids, target, to_input, batch_size)
            pop = torch.cat([pop[order[:elite]], kids])
            fit = torch.cat([fit[order[:elite]], kid_fit])
            history.append(fit.max().item())
    return pop[fit.argmax()].cpu(), torch.tensor(history)
