"""Paired resampling: seeds are paired across methods (seed k: same initial network and
batches), so intervals resample seed PAIRS and permutation tests swap labels within pairs.

Resampling pairs keeps the correlation between the two methods' runs of one seed, which
makes the intervals narrower than resampling each method on its own would, and honest.
Both work within each task (stratified), so every task keeps its weight.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np

from lrtbench.stats.aggregate import bootstrap_estimate
from lrtbench.stats.estimates import Estimate


@dataclass(frozen=True)
class Options:
    """How a comparison is computed: level, Monte Carlo sizes, seed, whether to bootstrap.

    ``intervals=False`` skips the bootstrap intervals (their bounds become NaN); the
    sensitivity analysis needs only p-values and directions.
    """

    alpha: float
    resamples: int
    permutations: int
    seed: int
    intervals: bool = True

    @property
    def confidence_level(self) -> float:
        return 1.0 - self.alpha


def generator_for(seed: int, *key: object) -> np.random.Generator:
    """A generator seeded by the ledger seed and a test's key, so that a test's resamples do
    not change when other claims are added to or removed from the ledger."""
    digest = zlib.crc32(repr(key).encode())
    return np.random.default_rng([seed, digest])


def paired_bootstrap(
    statistic: Callable[[Mapping[str, np.ndarray]], np.ndarray],
    sizes: Mapping[str, int],
    options: Options,
    rng: np.random.Generator,
) -> Estimate:
    """Percentile interval of a statistic of seed pairs, resampled within each task.

    ``statistic`` receives task -> (batch, pairs) integer indices into that task's pairs and
    returns one value per batch row; row 0 of the first call is the identity (the estimate).
    The stratified bootstrap of ``lrtbench.stats.aggregate`` is applied to the pair indices,
    so each resample draws whole pairs.
    """
    level = options.confidence_level
    if not options.intervals:
        identity = {task: np.arange(n)[None, :] for task, n in sizes.items()}
        return Estimate(float(statistic(identity)[0]), np.nan, np.nan, level)
    indices = {task: np.arange(n, dtype=float) for task, n in sizes.items()}

    def on_indices(batch: list[dict[str, np.ndarray]]) -> np.ndarray:
        return statistic({task: idx.astype(int) for task, idx in batch[0].items()})

    value, low, high = bootstrap_estimate(on_indices, [indices], level, options.resamples, rng)
    return Estimate(float(value), float(low), float(high), level)


def mean_of_task_means(differences: Mapping[str, np.ndarray]) -> np.ndarray:
    """Per batch row, the mean over tasks of the mean over pairs (last axis)."""
    return np.mean([np.mean(d, axis=-1) for d in differences.values()], axis=0)


def sign_flip_test(
    differences: Mapping[str, np.ndarray], n_permutations: int, rng: np.random.Generator
) -> tuple[float, float]:
    """(statistic, two-sided p) of a stratified paired permutation test.

    Statistic: mean over tasks of the mean paired difference (treatment - control). Under
    the null the two runs of a seed are exchangeable, so each difference keeps or flips its
    sign with probability 1/2, independently in every pair of every task. The Monte Carlo
    p-value (1 + #{|T*| >= |T|}) / (1 + B) is exact in level. With no pair differing it is 1.
    """
    arrays = {task: np.asarray(d, dtype=float) for task, d in sorted(differences.items())}
    observed = float(mean_of_task_means(arrays))
    flipped = {
        task: np.where(rng.random((n_permutations, d.size)) < 0.5, -d, d)
        for task, d in arrays.items()
    }
    permuted = mean_of_task_means(flipped)
    slack = 1e-12 * max(1.0, abs(observed))  # equal sums in another order are not larger
    exceed = int(np.count_nonzero(np.abs(permuted) >= abs(observed) - slack))
    return observed, (1 + exceed) / (1 + n_permutations)


def agreed_sign(statistic_sign: float, effect_sign: float) -> tuple[int, str]:
    """The direction a test may be credited with, and a note when there is none.

    The p-value belongs to the test statistic and the reader sees the effect; a verdict
    needs both to point the same way, otherwise the test is left without direction.
    """
    s, e = int(np.sign(statistic_sign)), int(np.sign(effect_sign))
    if s == e:
        return s, ""
    if s == 0 or e == 0:
        return 0, "no difference in one of test statistic and effect"
    return 0, "test statistic and effect point in opposite directions"
