"""Frozen result types of a ledger evaluation.

Every test, whatever its statistics, ends as one ``Comparison``: an effect with its
interval, a two-sided p-value and the direction the data point to. That uniform shape lets
Holm's correction, the verdicts and the tables treat all tests alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import pandas as pd

from lrtbench.claims.data import Setting, Target
from lrtbench.claims.ledger import Ledger
from lrtbench.stats.estimates import Estimate

Verdict = Literal["supported", "contradicted", "inconclusive"]
#: Value formats of the tables: "number" in exponent form, "fraction" with two decimals.
Format = Literal["number", "fraction"]

#: The task column of an aggregate test.
ALL_TASKS = "all tasks"


@dataclass(frozen=True)
class Detail:
    """A secondary number shown next to a test (a median time, a shift, a rate)."""

    name: str
    value: float | Estimate
    format: Format = "number"


@dataclass(frozen=True)
class Comparison:
    """One expanded test of one claim: a (task, lr) for per-task claims, an lr for aggregates.

    ``sign`` is the direction the data point to: +1 the treatment did better, -1 the control
    did, 0 no direction (a tie, or the test statistic and the effect disagree). ``pvalue``
    is two-sided and unadjusted. ``mde`` is the minimum detectable effect for the seeds
    used: ``mde_label`` names the quantity, ``mde_text`` adds the approximation used.
    """

    claim_id: str
    task: str
    lr: float
    measure: str
    unit: str | None
    test_name: str
    effect_name: str
    effect: Estimate
    effect_format: Format
    pvalue: float
    sign: int
    n_treatment: int
    n_control: int
    n_tasks: int
    mde: float
    mde_label: str
    mde_text: str
    details: tuple[Detail, ...] = ()
    note: str = ""

    @property
    def key(self) -> tuple[str, str, float]:
        return self.claim_id, self.task, self.lr


@dataclass(frozen=True)
class Decision:
    """A comparison with its Holm-adjusted p-value and verdict."""

    comparison: Comparison
    holm_pvalue: float
    verdict: Verdict


@dataclass(frozen=True)
class SettingVerdicts:
    """The verdicts of every test under one sensitivity setting, in the order of the tests."""

    setting: Setting
    verdicts: tuple[Verdict, ...]

    def count(self, verdict: Verdict) -> int:
        return sum(v == verdict for v in self.verdicts)


@dataclass(frozen=True)
class ClaimsResult:
    """Everything ``evaluate_ledger`` found: decisions, targets, sensitivity, measures.

    ``measures`` is the per-run frame of the primary setting (from ``run_measures``), kept for
    the figures; it takes no part in equality or hashing.
    """

    ledger: Ledger
    setting: Setting
    decisions: tuple[Decision, ...]
    targets: tuple[Target, ...]
    sensitivity: tuple[SettingVerdicts, ...]
    measures: pd.DataFrame = field(compare=False, repr=False)

    def verdict_of(self, claim_id: str, task: str, lr: float) -> Verdict:
        """The primary verdict of one expanded test."""
        for decision in self.decisions:
            if decision.comparison.key == (claim_id, task, lr):
                return decision.verdict
        raise KeyError((claim_id, task, lr))
