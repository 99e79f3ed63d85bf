"""Across-task tests: one test per claim and lr, every task weighing the same.

Speed. Each run's time to target, in the claim's unit, is cut at the common horizon (the
smaller of the two methods' budgets in that unit, as for the per-task restricted means) and
divided by the control's budget, so a score of 1 is "not there by the control's budget".
In steps this is time / budget, censored runs scoring 1. In gradient evaluations or
seconds LRT's budget is the larger one; scoring its censored runs at their own budget
(above 1) would make a pair in which NEITHER run reached the target count against LRT, and
data in which no run converges would then "contradict" a speed claim. Beyond the common
horizon nothing is observed for both methods, so nothing there is credited.

The effect is the probability of improvement (a random treatment run faster than a random
control run, per task, averaged; 0.5 = no difference) with the stratified bootstrap
interval of ``lrtbench.stats.aggregate``. The p-value is a stratified paired permutation
test of the mean over tasks of the mean normalised time difference.

Reliability. The effect is the mean over tasks of the difference of converged fractions
(treatment - control), with a paired stratified bootstrap interval, tested by the same
permutation test on the paired converged flags.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from lrtbench.claims.data import TIME_COLUMNS, MeasuredRuns, budget_in
from lrtbench.claims.ledger import Claim
from lrtbench.claims.power import detectable_mean_difference
from lrtbench.claims.resampling import (
    Options,
    agreed_sign,
    generator_for,
    mean_of_task_means,
    paired_bootstrap,
    sign_flip_test,
)
from lrtbench.claims.results import ALL_TASKS, Comparison, Detail
from lrtbench.stats.aggregate import probability_of_improvement

Pairs = dict[str, tuple[pd.DataFrame, pd.DataFrame]]


def pairs_by_task(measures: MeasuredRuns, claim: Claim, lr: float) -> Pairs:
    """Task -> (treatment runs, control runs), seed-paired, for every task at ``lr``."""
    return {
        task: measures.pair(task, lr, claim.treatment, claim.control) for task in measures.tasks(lr)
    }


def normalised_times(pairs: Pairs, unit: str) -> tuple[dict, dict]:
    """(treatment, control) times to target, cut at the common horizon and divided by the
    control's budget, per task."""
    column = TIME_COLUMNS[unit]
    treatment, control = {}, {}
    for task, (t, c) in pairs.items():
        budget = budget_in(c, unit)
        horizon = min(budget_in(t, unit), budget)
        treatment[task] = np.minimum(t[column].to_numpy(dtype=float), horizon) / budget
        control[task] = np.minimum(c[column].to_numpy(dtype=float), horizon) / budget
    return treatment, control


def differences_of(treatment: Mapping, control: Mapping) -> dict[str, np.ndarray]:
    return {task: treatment[task] - control[task] for task in treatment}


def common_fields(
    claim: Claim, lr: float, pairs: Pairs, differences: dict, options: Options
) -> tuple[float, float, float, dict[str, Any]]:
    """(statistic, p, mde, shared ``Comparison`` fields); the permutation test runs here."""
    rng = generator_for(options.seed, claim.id, ALL_TASKS, lr, "permutation")
    statistic, pvalue = sign_flip_test(differences, options.permutations, rng)
    mde = detectable_mean_difference(differences, options.alpha)
    return (
        statistic,
        pvalue,
        mde,
        {
            "claim_id": claim.id,
            "task": ALL_TASKS,
            "lr": lr,
            "measure": claim.measure,
            "unit": claim.unit,
            "test_name": "paired permutation",
            "n_treatment": sum(len(t) for t, _ in pairs.values()),
            "n_control": sum(len(c) for _, c in pairs.values()),
            "n_tasks": len(pairs),
            "mde": mde,
        },
    )


def mean_difference_text(name: str, mde: float) -> str:
    if np.isnan(mde):
        return f"{name}: n/a (paired differences do not vary within tasks)"
    return f"{name} {mde:.3g} (paired z)"


def no_difference_note(differences: Mapping[str, np.ndarray]) -> str:
    if all(not np.any(d) for d in differences.values()):
        return "every seed pair has equal values: nothing to compare"
    return ""


def aggregate_speed(
    claim: Claim, lr: float, measures: MeasuredRuns, options: Options
) -> Comparison:
    """The across-task speed test of ``claim`` at one lr."""
    unit = claim.unit or "steps"
    pairs = pairs_by_task(measures, claim, lr)
    treatment, control = normalised_times(pairs, unit)
    differences = differences_of(treatment, control)
    statistic, pvalue, mde, fields = common_fields(claim, lr, pairs, differences, options)
    improvement = probability_of_improvement(
        treatment,
        control,
        lower_is_better=True,
        confidence_level=options.confidence_level,
        n_resamples=options.resamples if options.intervals else 1,
        rng=generator_for(options.seed, claim.id, ALL_TASKS, lr, "bootstrap"),
    )
    if not options.intervals:
        improvement = replace(improvement, low=np.nan, high=np.nan)
    note = no_difference_note(differences)
    sign, disagreement = agreed_sign(-statistic, improvement.value - 0.5)
    return Comparison(
        **fields,
        effect_name=f"P(treatment faster), time / control budget in {unit}",
        effect=improvement,
        effect_format="fraction",
        pvalue=1.0 if note else pvalue,
        sign=0 if note else sign,
        mde_label="detectable mean normalised time difference",
        mde_text=mean_difference_text("mean normalised time difference", mde),
        details=(
            Detail("mean normalised time difference", statistic),
            Detail("mean normalised time treatment", float(mean_of_task_means(treatment))),
            Detail("mean normalised time control", float(mean_of_task_means(control))),
        ),
        note=note or disagreement,
    )


def aggregate_reliability(
    claim: Claim, lr: float, measures: MeasuredRuns, options: Options
) -> Comparison:
    """The across-task reliability test of ``claim`` at one lr."""
    pairs = pairs_by_task(measures, claim, lr)
    flags = {
        task: (t["converged"].to_numpy(dtype=float), c["converged"].to_numpy(dtype=float))
        for task, (t, c) in pairs.items()
    }
    differences = {task: t - c for task, (t, c) in flags.items()}

    def mean_difference(indices: dict[str, np.ndarray]) -> np.ndarray:
        return mean_of_task_means({task: differences[task][idx] for task, idx in indices.items()})

    sizes = {task: d.size for task, d in differences.items()}
    rng = generator_for(options.seed, claim.id, ALL_TASKS, lr, "bootstrap")
    effect = paired_bootstrap(mean_difference, sizes, options, rng)
    statistic, pvalue, mde, fields = common_fields(claim, lr, pairs, differences, options)
    note = no_difference_note(differences)
    return Comparison(
        **fields,
        effect_name="mean converged fraction difference",
        effect=effect,
        effect_format="fraction",
        pvalue=1.0 if note else pvalue,
        sign=0 if note else int(np.sign(statistic)),
        mde_label="detectable mean converged fraction difference",
        mde_text=mean_difference_text("mean converged fraction difference", mde),
        details=(
            Detail("converged treatment", float(np.mean([t.mean() for t, _ in flags.values()]))),
            Detail("converged control", float(np.mean([c.mean() for _, c in flags.values()]))),
        ),
        note=note,
    )
