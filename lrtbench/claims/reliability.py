"""Per-task reliability test: does a larger fraction of treatment runs converge?

"Converged" means reached the task's target within the budget and never diverged. The
effect is the difference of converged fractions (treatment - control) with Newcombe's
hybrid score interval; the p-value is Boschloo's exact unconditional test (two-sided),
whose level holds at the small seed counts of a benchmark. Both treat the two groups as
independent samples; the seed pairing is ignored here, which costs some power only.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from lrtbench.claims.ledger import Claim
from lrtbench.claims.power import detectable_rate_change
from lrtbench.claims.resampling import Options
from lrtbench.claims.results import Comparison, Detail
from lrtbench.stats.reliability import boschloo_test, converged_fraction, newcombe_difference

#: Boschloo's test maximises over a nuisance parameter; the sensitivity analysis asks for
#: the same tables again and again, so results are kept (``Proportion`` is hashable).
cached_boschloo = lru_cache(maxsize=4096)(boschloo_test)


def reliability_comparison(
    claim: Claim,
    task: str,
    lr: float,
    treatment: pd.DataFrame,
    control: pd.DataFrame,
    options: Options,
) -> Comparison:
    """The per-task reliability test of ``claim`` on one task at one lr."""
    level = options.confidence_level
    first = converged_fraction(treatment["converged"], level)
    second = converged_fraction(control["converged"], level)
    difference = newcombe_difference(first, second)
    pvalue = cached_boschloo(first, second)
    note = ""
    both = {first.rate.value, second.rate.value}
    if both in ({0.0}, {1.0}):
        note = (
            "every run of both methods converged"
            if both == {1.0}
            else "no run of either method converged"
        )
        pvalue = 1.0
    elif np.isnan(pvalue):
        note, pvalue = "Boschloo's test is undefined for these counts", 1.0
    mde = detectable_rate_change(
        second.rate.value, first.trials, second.trials, options.alpha, claim.claimed_sign
    )
    return Comparison(
        claim_id=claim.id,
        task=task,
        lr=lr,
        measure=claim.measure,
        unit=None,
        test_name="Boschloo",
        effect_name="converged fraction difference",
        effect=difference.difference,
        effect_format="fraction",
        pvalue=pvalue,
        sign=int(np.sign(difference.difference.value)),
        n_treatment=first.trials,
        n_control=second.trials,
        n_tasks=1,
        mde=mde,
        mde_label="detectable converged fraction change",
        mde_text=(
            f"rate change {mde:.2f} from control rate {second.rate.value:.2f} (arcsine)"
            if np.isfinite(mde)
            else f"none: control rate {second.rate.value:.2f} leaves no room (arcsine)"
        ),
        details=(
            Detail("converged treatment", first.rate, "fraction"),
            Detail("converged control", second.rate, "fraction"),
        ),
        note=note,
    )
