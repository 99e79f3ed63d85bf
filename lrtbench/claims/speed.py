"""Per-task speed test: is the treatment's time to target shorter than the control's?

Time to target is right-censored (a run that never reaches the target is censored at its
budget and kept), so the primary test is the two-sided log-rank test and the effect is the
difference of restricted mean times to target (treatment - control; negative = treatment
faster), i.e. the difference of the areas under the Kaplan-Meier curves up to a horizon.

Horizon: the budget in the claim's unit. In steps both methods share it; in gradient
evaluations or seconds the budgets differ by method (LRT costs more per step), and the
smaller one is used, the only horizon up to which both curves are observed. The interval
is a paired bootstrap over seeds (``resampling.paired_bootstrap``).

Secondary columns: the median times (Kaplan-Meier) of each method and the Hodges-Lehmann
shift among the runs that converged ("when both get there, which is sooner?").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lrtbench.claims.data import TIME_COLUMNS, budget_in
from lrtbench.claims.ledger import Claim
from lrtbench.claims.power import detectable_hazard_ratio
from lrtbench.claims.resampling import Options, agreed_sign, generator_for, paired_bootstrap
from lrtbench.claims.results import Comparison, Detail
from lrtbench.stats.survival import (
    kaplan_meier,
    logrank_test,
    median_time,
    restricted_mean_statistic,
    shift_among_converged,
)


def times_and_events(runs: pd.DataFrame, unit: str) -> tuple[np.ndarray, np.ndarray]:
    """Time to target in ``unit`` (the budget when censored) and the reached flags."""
    return runs[TIME_COLUMNS[unit]].to_numpy(dtype=float), runs["event"].to_numpy(dtype=bool)


def undecidable_note(events: np.ndarray, times: np.ndarray) -> str:
    """Why the data cannot tell the methods apart, or "" when they can."""
    if not events.any():
        return "no run of either method reached the target"
    if events.all() and not times.any():
        return "every run of both methods was at the target from the start"
    return ""


def speed_comparison(
    claim: Claim,
    task: str,
    lr: float,
    treatment: pd.DataFrame,
    control: pd.DataFrame,
    options: Options,
) -> Comparison:
    """The per-task speed test of ``claim`` on one task at one lr (seed-paired runs)."""
    unit = claim.unit or "steps"
    t_time, t_event = times_and_events(treatment, unit)
    c_time, c_event = times_and_events(control, unit)
    horizon = min(budget_in(treatment, unit), budget_in(control, unit))

    def rmst_difference(indices: dict[str, np.ndarray]) -> np.ndarray:
        idx = indices[task]
        return restricted_mean_statistic(
            t_time[idx], t_event[idx], horizon
        ) - restricted_mean_statistic(c_time[idx], c_event[idx], horizon)

    rng = generator_for(options.seed, claim.id, task, lr, "bootstrap")
    effect = paired_bootstrap(rmst_difference, {task: t_time.size}, options, rng)
    logrank = logrank_test(t_time, t_event, c_time, c_event)
    note = undecidable_note(np.r_[t_event, c_event], np.r_[t_time, c_time])
    # scipy's z is (observed - expected) events of the first group over their standard
    # deviation: z > 0 when the treatment reaches the target sooner than under equality.
    sign, disagreement = agreed_sign(logrank.z, -effect.value)
    pvalue = 1.0 if note else logrank.pvalue
    events = int(t_event.sum() + c_event.sum())
    ratio = detectable_hazard_ratio(events, options.alpha)
    shift = shift_among_converged(t_time[t_event], c_time[c_event], options.confidence_level)
    level = options.confidence_level
    details = (
        Detail("median treatment", median_time(kaplan_meier(t_time, t_event, level)).value),
        Detail("median control", median_time(kaplan_meier(c_time, c_event, level)).value),
        Detail(f"HL shift ({shift.n_x}/{shift.n_y} converged)", shift.shift),
    )
    return Comparison(
        claim_id=claim.id,
        task=task,
        lr=lr,
        measure=claim.measure,
        unit=unit,
        test_name="log-rank",
        effect_name=f"RMST difference ({unit}, horizon {horizon:.4g})",
        effect=effect,
        effect_format="number",
        pvalue=pvalue,
        sign=0 if note else sign,
        n_treatment=int(t_time.size),
        n_control=int(c_time.size),
        n_tasks=1,
        mde=ratio,
        mde_label="detectable hazard ratio",
        mde_text=f"hazard ratio {ratio:.3g} (Schoenfeld, {events} events)",
        details=details,
        note=note or disagreement,
    )
