"""From the runs frame to per-run measures against targets fixed before any comparison.

For one setting (tolerance, budget fraction) and each learning rate, the runs of every
method the ledger names are pooled and ``run_measures`` derives each task's target from
that pool, once. Only afterwards are two methods compared, so neither method sets its own
bar and the target does not depend on which comparison is being made or in which order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lrtbench.claims.ledger import Ledger
from lrtbench.errors import LrtbenchError
from lrtbench.stats.measures import run_measures, truncate_budget

#: Column of ``run_measures`` holding time to target in each unit a claim may use.
TIME_COLUMNS = {
    "steps": "time_steps",
    "gradient_evaluations": "time_grad_evals",
    "seconds": "time_seconds",
}


class ClaimsDataError(LrtbenchError):
    """The runs cannot answer the ledger (a method or a (task, lr) cell is missing, ...)."""


@dataclass(frozen=True)
class Setting:
    """What the targets depend on: the tolerance and the fraction of the budget kept."""

    tolerance: float
    budget_fraction: float = 1.0

    @property
    def label(self) -> str:
        return f"tol {self.tolerance:g}, {self.budget_fraction:.0%} budget"


@dataclass(frozen=True)
class Target:
    """The loss level every compared method had to reach on one task at one lr."""

    task: str
    lr: float
    budget_steps: int
    tolerance: float
    value: float


def check_runs(runs: pd.DataFrame, ledger: Ledger) -> pd.DataFrame:
    """The runs of the ledger's methods, after checking they can be compared seed by seed.

    Every (task, lr) present must hold exactly one cell of every ledger method, with the same
    seeds and the same budget: a missing method would change the pooled target, and unequal
    seeds would break the pairing the paired tests rely on.
    """
    methods = ledger.methods
    missing = sorted(set(methods) - set(runs["method"]))
    if missing:
        raise ClaimsDataError(f"no runs of {', '.join(missing)} (named in {ledger.source})")
    compared = runs[runs["method"].isin(methods)]
    for (task, lr), group in compared.groupby(["task", "lr"], sort=True):
        where = f"task {task!r}, lr {lr:g}"
        cells = group.groupby("method")["cell_id"].nunique()
        absent = [m for m in methods if m not in cells.index]
        if absent:
            raise ClaimsDataError(f"{where}: no runs of {', '.join(absent)}")
        if (cells > 1).any():
            method = cells.index[cells > 1][0]
            raise ClaimsDataError(
                f"{where}: {method} has {cells[method]} cells (e.g. several meta learning "
                "rates); select one configuration per method before testing claims"
            )
        seeds = {m: tuple(sorted(g["seed"])) for m, g in group.groupby("method")}
        if len(set(seeds.values())) > 1:
            raise ClaimsDataError(f"{where}: the methods were run with different seeds")
        if group["steps"].nunique() > 1:
            raise ClaimsDataError(f"{where}: the methods were trained for different budgets")
    return compared


def cut_budget(runs: pd.DataFrame, fraction: float) -> pd.DataFrame:
    """The runs of one (task, lr) cut to the last common evaluation step <= fraction x steps.

    ``truncate_budget`` needs an evaluation step as budget, so the censoring time is a
    measurement; rounding down keeps the cut within the requested fraction.
    """
    if fraction >= 1.0:
        return runs
    limit = fraction * int(runs["steps"].iloc[0])
    common = set.intersection(*(set(np.asarray(s).tolist()) for s in runs["eval_steps"]))
    eligible = [step for step in common if 0 < step <= limit]
    if not eligible:
        task = runs["task"].iloc[0]
        raise ClaimsDataError(f"task {task!r}: no evaluation step within {fraction:.0%} budget")
    return truncate_budget(runs, int(max(eligible)))


def measure_runs(runs: pd.DataFrame, ledger: Ledger, setting: Setting) -> pd.DataFrame:
    """Per-run measures (``run_measures`` columns) for all compared runs under ``setting``.

    Targets are computed per learning rate, from all ledger methods pooled; the result is
    sorted by lr, task, method and seed so that later steps see a fixed order.
    """
    compared = check_runs(runs, ledger)
    parts = []
    for _, at_lr in compared.groupby("lr", sort=True):
        cut = [cut_budget(group, setting.budget_fraction) for _, group in at_lr.groupby("task")]
        parts.append(run_measures(pd.concat(cut), setting.tolerance))
    measured = pd.concat(parts)
    return measured.sort_values(["lr", "task", "method", "seed"], kind="stable").reset_index(
        drop=True
    )


def targets_of(measures: pd.DataFrame, tolerance: float) -> tuple[Target, ...]:
    """One ``Target`` per (task, lr) of a frame from ``measure_runs``."""
    first = measures.drop_duplicates(["task", "lr"])
    return tuple(
        Target(str(row.task), float(row.lr), int(row.steps), tolerance, float(row.target))
        for row in first.itertuples()
    )


def budget_in(runs: pd.DataFrame, unit: str) -> float:
    """The budget of one cell's runs in ``unit`` (steps, gradient evaluations or seconds)."""
    steps = float(runs["steps"].iloc[0])
    if unit == "steps":
        return steps
    if unit == "gradient_evaluations":
        return steps * float(runs["gradient_evaluations_per_step"].iloc[0])
    return float(runs["train_seconds"].iloc[0])


#: Columns of ``run_measures`` that no comparison or figure reads after the measures exist.
CURVE_COLUMNS = ("eval_steps", "train_loss", "val_loss", "test_loss")


class MeasuredRuns:
    """The measures of one setting, indexed by (task, lr, method) for the comparisons.

    Hundreds of tests each need two small groups of runs; looking them up in a dictionary
    built once instead of filtering the whole frame each time keeps the ledger fast.
    """

    def __init__(self, measures: pd.DataFrame) -> None:
        self.frame = measures.drop(columns=[c for c in CURVE_COLUMNS if c in measures])
        self.groups = {
            (str(task), float(lr), str(method)): group.sort_values("seed")
            for (task, lr, method), group in self.frame.groupby(["task", "lr", "method"])
        }

    def lrs(self) -> list[float]:
        return sorted({lr for _, lr, _ in self.groups})

    def tasks(self, lr: float) -> list[str]:
        return sorted({task for task, at, _ in self.groups if at == lr})

    def pair(
        self, task: str, lr: float, treatment: str, control: str
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(treatment runs, control runs) of one task at one lr, row i of each one seed."""
        return self.groups[(task, lr, treatment)], self.groups[(task, lr, control)]
