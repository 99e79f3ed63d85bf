"""Evaluate a ledger: expand claims into tests, run them, correct, decide, vary the setting.

A per-task claim becomes one test per (task, lr), an aggregate claim one test per lr; the
comparison is always at a matched learning rate, with the same budget and paired seeds.
Holm's correction runs over every expanded test of the ledger together, so the whole
ledger controls the family-wise error rate at ``alpha``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pandas as pd

from lrtbench.claims.aggregate import aggregate_reliability, aggregate_speed
from lrtbench.claims.data import MeasuredRuns, Setting, measure_runs, targets_of
from lrtbench.claims.ledger import Claim, Ledger
from lrtbench.claims.reliability import reliability_comparison
from lrtbench.claims.resampling import Options
from lrtbench.claims.results import (
    ALL_TASKS,
    ClaimsResult,
    Comparison,
    Decision,
    SettingVerdicts,
    Verdict,
)
from lrtbench.claims.speed import speed_comparison
from lrtbench.stats.multiple import holm


def expand(ledger: Ledger, measures: MeasuredRuns) -> Iterator[tuple[Claim, str, float]]:
    """(claim, task, lr) of every test, in ledger order, then lr, then task."""
    for claim in ledger.claims:
        for lr in measures.lrs():
            if claim.scope == "aggregate":
                yield claim, ALL_TASKS, lr
                continue
            for task in measures.tasks(lr):
                yield claim, task, lr


def compare(
    claim: Claim, task: str, lr: float, measures: MeasuredRuns, options: Options
) -> Comparison:
    """Run the one test that fits the claim's measure and scope."""
    speed = claim.measure == "time_to_target"
    if claim.scope == "aggregate":
        test = aggregate_speed if speed else aggregate_reliability
        return test(claim, lr, measures, options)
    treatment, control = measures.pair(task, lr, claim.treatment, claim.control)
    if speed:
        return speed_comparison(claim, task, lr, treatment, control, options)
    return reliability_comparison(claim, task, lr, treatment, control, options)


def verdict(sign: int, claimed_sign: int, holm_pvalue: float, alpha: float) -> Verdict:
    """Supported or contradicted when significant after Holm, by the direction of the data."""
    if holm_pvalue >= alpha or sign == 0:
        return "inconclusive"
    return "supported" if sign == claimed_sign else "contradicted"


def decide(comparisons: Sequence[Comparison], ledger: Ledger) -> tuple[Decision, ...]:
    """Holm over all comparisons together, then a verdict for each."""
    claims = {claim.id: claim for claim in ledger.claims}
    adjusted = holm([c.pvalue for c in comparisons]) if comparisons else ()
    return tuple(
        Decision(c, p, verdict(c.sign, claims[c.claim_id].claimed_sign, p, ledger.alpha))
        for c, p in zip(comparisons, adjusted, strict=True)
    )


def evaluate_setting(
    runs: pd.DataFrame, ledger: Ledger, setting: Setting, intervals: bool
) -> tuple[pd.DataFrame, tuple[Decision, ...]]:
    """(measures, decisions) of the whole ledger under one tolerance and budget fraction."""
    options = Options(ledger.alpha, ledger.resamples, ledger.permutations, ledger.seed, intervals)
    measures = MeasuredRuns(measure_runs(runs, ledger, setting))
    comparisons = [
        compare(claim, task, lr, measures, options) for claim, task, lr in expand(ledger, measures)
    ]
    return measures.frame, decide(comparisons, ledger)


def sensitivity(runs: pd.DataFrame, ledger: Ledger) -> tuple[SettingVerdicts, ...]:
    """Verdicts for every (budget fraction, tolerance), targets and Holm redone for each.

    Intervals are skipped: a verdict needs only the p-value and the direction.
    """
    settings = [
        Setting(tolerance, fraction)
        for fraction in ledger.sensitivity_budget_fractions
        for tolerance in ledger.sensitivity_tolerances
    ]
    out = []
    for setting in settings:
        _, decisions = evaluate_setting(runs, ledger, setting, intervals=False)
        out.append(SettingVerdicts(setting, tuple(d.verdict for d in decisions)))
    return tuple(out)


def evaluate_ledger(runs: pd.DataFrame, ledger: Ledger) -> ClaimsResult:
    """Test every claim of ``ledger`` on ``runs`` (the frame of ``lrtbench.store.load_runs``).

    The primary setting is the ledger's tolerance on the full budget; the sensitivity
    settings repeat the verdicts for every listed tolerance and budget fraction.
    """
    primary = Setting(ledger.tolerance, 1.0)
    measures, decisions = evaluate_setting(runs, ledger, primary, intervals=True)
    return ClaimsResult(
        ledger=ledger,
        setting=primary,
        decisions=decisions,
        targets=targets_of(measures, primary.tolerance),
        sensitivity=sensitivity(runs, ledger),
        measures=measures,
    )
