"""Regression check: do new results agree with the stored reference results?

In the same environment (same libraries, CPU, threads, device and backend) training is
deterministic, so every run's summary must match the reference within a tight tolerance.
In a different environment floating-point differences grow through training, so each cell
is instead checked for statistical consistency: its runs must look drawn from the same
distribution as the reference's (strict-level tests), and its median must fall in the
reference's confidence interval for the median.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import special, stats

from lrtbench.reference import KEY, MEASURES, Reference
from lrtbench.stats.multiple import holm


@dataclass(frozen=True)
class CellCheck:
    """The verdict on one cell and the reason for it."""

    cell_id: str
    mode: str  # "exact" or "statistical"
    passed: bool
    detail: str


def exact_check(cell_id: str, now: pd.DataFrame, ref: pd.DataFrame, rtol: float) -> CellCheck:
    """Every run's measures within ``rtol`` of the reference, divergence steps identical."""
    problems = []
    for measure in MEASURES:
        a, b = now[measure].to_numpy(float), ref[measure].to_numpy(float)
        close = np.isclose(a, b, rtol=rtol, atol=0.0)
        if not close.all():
            with np.errstate(invalid="ignore", divide="ignore"):
                worst = np.nanmax(np.abs(a - b) / np.abs(b))
            count = int((~close).sum())
            problems.append(f"{measure} differs in {count} runs (max rel. {worst:.2g})")
    if not np.array_equal(now["diverged_step"].to_numpy(), ref["diverged_step"].to_numpy()):
        problems.append("divergence steps differ")
    detail = "; ".join(problems) or f"{len(now)} runs equal within rtol {rtol:g}"
    return CellCheck(cell_id, "exact", not problems, detail)


def ranked(values: np.ndarray) -> np.ndarray:
    """+inf (a diverged run) as the largest finite float, so rank tests can use it."""
    return np.where(np.isinf(values), np.finfo(float).max, values)


def median_interval(values: np.ndarray, confidence: float) -> tuple[float, float]:
    """Distribution-free confidence interval for the median: [x_(k), x_(n-k+1)] with k the
    binomial(n, 1/2) quantile at (1 - confidence) / 2; unbounded when n is too small to
    reach that confidence at all."""
    ordered = np.sort(values)
    n = len(ordered)
    k = int(stats.binom.ppf((1 - confidence) / 2, n, 0.5))
    if k < 1:
        return -np.inf, np.inf
    return float(ordered[k - 1]), float(ordered[n - k])


def distribution_pvalue(now: pd.DataFrame, ref: pd.DataFrame) -> float:
    """Smallest p of a Mann-Whitney and a KS test of stable minima, and Fisher's exact test
    of the diverged fraction: any of the three can reveal a change."""
    a, b = ranked(now["stable_min"].to_numpy(float)), ranked(ref["stable_min"].to_numpy(float))
    if np.array_equal(np.sort(a), np.sort(b)):
        return 1.0
    pvalues = [stats.mannwhitneyu(a, b).pvalue, stats.ks_2samp(a, b).pvalue]
    diverged = [int((frame["diverged_step"] >= 0).sum()) for frame in (now, ref)]
    table = [[diverged[0], len(now) - diverged[0]], [diverged[1], len(ref) - diverged[1]]]
    pvalues.append(stats.fisher_exact(table).pvalue)
    return float(min(pvalues))


def pooled_paired_check(pairs: dict[str, tuple[pd.DataFrame, pd.DataFrame]], alpha: float):
    """All cells together: seed k of a cell starts from the same network and batches in
    both environments, so log(stable min now / reference) should centre on zero. A
    Wilcoxon signed-rank test over every finite pair catches a systematic change that
    per-cell tests with few seeds cannot."""
    ratios = []
    for now, ref in pairs.values():
        a, b = now["stable_min"].to_numpy(float), ref["stable_min"].to_numpy(float)
        finite = np.isfinite(a) & np.isfinite(b) & (a > 0) & (b > 0)
        ratios.append(np.log(a[finite]) - np.log(b[finite]))
    differences = np.concatenate(ratios) if ratios else np.empty(0)
    if np.count_nonzero(differences) < 10:
        return CellCheck("all cells", "statistical", True, "too few changed runs to test")
    p = float(stats.wilcoxon(differences).pvalue)
    factor = float(np.exp(np.median(differences)))
    detail = (
        f"paired Wilcoxon over {differences.size} runs: p = {p:.3g}, median ratio of "
        f"stable minima to the reference {factor:.3g}"
    )
    return CellCheck("all cells", "statistical", p >= alpha, detail)


def smallest_rank_pvalue(n: int, m: int) -> float:
    """The smallest two-sided p a Mann-Whitney test of samples of sizes n and m can give."""
    return float(min(1.0, 2.0 / special.comb(n + m, n)))


def statistical_checks(pairs: dict[str, tuple[pd.DataFrame, pd.DataFrame]], alpha: float):
    """Per cell: Holm-corrected distribution tests at level ``alpha`` and the median of the
    stable minima within the reference's (1 - alpha) interval for the median; then the
    pooled paired test over all cells. A cell too small for its tests to reach the
    corrected level says so."""
    ids = list(pairs)
    adjusted = holm([distribution_pvalue(*pairs[i]) for i in ids]) if ids else ()
    checks = []
    for cell_id, p in zip(ids, adjusted, strict=True):
        now, ref = pairs[cell_id]
        low, high = median_interval(ref["stable_min"].to_numpy(float), 1 - alpha)
        median = float(np.median(now["stable_min"].to_numpy(float)))
        inside = low <= median <= high
        passed = p >= alpha and inside
        detail = (
            f"distribution tests Holm p = {p:.3g}; median stable min {median:.3g} "
            f"{'in' if inside else 'outside'} reference interval [{low:.3g}, {high:.3g}]"
        )
        if smallest_rank_pvalue(len(now), len(ref)) > alpha / len(ids):
            detail += " (too few seeds for the per-cell tests to reach the corrected level)"
        checks.append(CellCheck(cell_id, "statistical", passed, detail))
    if pairs:
        checks.append(pooled_paired_check(pairs, alpha))
    return checks


def check_against(
    current: pd.DataFrame,
    reference: Reference,
    same_environment: bool,
    rtol: float = 1e-5,
    alpha: float = 1e-3,
) -> list[CellCheck]:
    """Check every reference cell; a cell missing on either side fails."""
    now_cells = dict(tuple(current.groupby("cell_id")))
    ref_cells = dict(tuple(reference.summaries.groupby("cell_id")))
    checks = []
    pairs = {}
    for cell_id in sorted(set(now_cells) | set(ref_cells)):
        if cell_id not in now_cells:
            checks.append(CellCheck(cell_id, "-", False, "in the reference, missing from results"))
            continue
        if cell_id not in ref_cells:
            checks.append(CellCheck(cell_id, "-", False, "in the results, not in the reference"))
            continue
        now = now_cells[cell_id].sort_values(list(KEY)).reset_index(drop=True)
        ref = ref_cells[cell_id].sort_values(list(KEY)).reset_index(drop=True)
        if now["seed"].tolist() != ref["seed"].tolist():
            checks.append(CellCheck(cell_id, "-", False, "seeds differ from the reference"))
        elif same_environment:
            checks.append(exact_check(cell_id, now, ref, rtol))
        else:
            pairs[cell_id] = (now, ref)
    checks.extend(statistical_checks(pairs, alpha))
    return sorted(checks, key=lambda c: c.cell_id)
