"""Correction for testing several claims at once.

Holm's step-down procedure controls the family-wise error rate under any dependence
between the tests (the comparisons of one benchmark share seeds, so they are dependent)
and is uniformly more powerful than Bonferroni. scipy only ships Benjamini-Hochberg
(``false_discovery_control``), which controls a different error rate.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def holm(pvalues: Sequence[float]) -> tuple[float, ...]:
    """Holm-adjusted p-values, in the order given.

    With p-values sorted ascending p_(1) <= ... <= p_(m), the adjusted value of p_(i) is
    max over j <= i of min(1, (m - j + 1) * p_(j)); reject a claim at level alpha when its
    adjusted p-value is <= alpha.
    """
    p = np.asarray(pvalues, dtype=float)
    if p.ndim != 1:
        raise ValueError("p-values must be a flat sequence")
    if np.any(np.isnan(p)) or np.any((p < 0) | (p > 1)):
        raise ValueError("p-values must lie in [0, 1]")
    order = np.argsort(p, kind="stable")
    multipliers = np.arange(p.size, 0, -1)
    stepped = np.minimum(1.0, np.maximum.accumulate(multipliers * p[order]))
    adjusted = np.empty_like(p)
    adjusted[order] = stepped
    return tuple(float(v) for v in adjusted)
