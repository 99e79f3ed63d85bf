"""Small frozen result types shared by the statistics modules.

Results are plain floats in frozen dataclasses, not pandas objects, so that a table of
claims can store, compare and print them without knowing which test produced them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass(frozen=True)
class Estimate:
    """A point estimate with a two-sided confidence interval.

    ``low`` and ``high`` may be infinite (e.g. a median time that is never reached) or NaN
    (too few observations to say anything); ``confidence_level`` is the nominal level.
    """

    value: float
    low: float
    high: float
    confidence_level: float

    def contains(self, x: float) -> bool:
        """True when ``x`` lies in the closed interval [low, high]."""
        return self.low <= x <= self.high


def readonly(values: ArrayLike) -> np.ndarray:
    """A float copy that cannot be modified, so a frozen result holding it stays frozen."""
    out = np.array(values, dtype=float, copy=True)
    out.flags.writeable = False
    return out
