"""Under the null (both methods drawn from one distribution) a test must rarely decide.

Each simulation is small: one task, one lr, two methods. The per-task tests are run on
their own, without the rest of the ledger, so the rate checked is that of one test at
level alpha, the building block that Holm's correction then combines.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from lrtbench.claims import Ledger, load_ledger
from lrtbench.claims.data import MeasuredRuns, Setting, measure_runs
from lrtbench.claims.evaluate import compare, verdict
from lrtbench.claims.resampling import Options, sign_flip_test
from lrtbench.claims.simulate import MethodModel, simulate_runs

ROOT = Path(__file__).resolve().parents[1]
SIMULATIONS = 200
ALPHA = 0.05
#: Upper bound on the false decision rate: nominal 0.05 plus Monte Carlo slack (200 runs).
LIMIT = 0.09

SAME = MethodModel("sgd", rate=0.008, spread=0.4, diverge=0.3)


@pytest.fixture(scope="module")
def ledger() -> Ledger:
    paper = load_ledger(ROOT / "paper" / "claims.toml")
    return replace(paper, claims=tuple(c for c in paper.claims if c.treatment == "lrt-input"))


def decided(
    ledger: Ledger, claim_id: str, tasks: tuple[str, ...], seeds: int, simulations: int
) -> float:
    """Fraction of null simulations in which the claim's test is significant at ALPHA."""
    claim = next(c for c in ledger.claims if c.id == claim_id)
    options = Options(ALPHA, resamples=100, permutations=500, seed=0, intervals=False)
    rng = np.random.default_rng(12345)
    models = [replace(SAME, name="lrt-input"), SAME]
    hits = 0
    for _ in range(simulations):
        runs = simulate_runs(models, tasks=tasks, seeds=seeds, steps=600, rng=rng)
        measures = MeasuredRuns(measure_runs(runs, ledger, Setting(0.1)))
        task = "all tasks" if claim.scope == "aggregate" else tasks[0]
        c = compare(claim, task, 0.1, measures, options)
        hits += verdict(c.sign, claim.claimed_sign, c.pvalue, ALPHA) != "inconclusive"
    return hits / simulations


def test_logrank_speed_test_keeps_its_level(ledger: Ledger) -> None:
    assert decided(ledger, "input-faster-steps", ("alpha",), 20, SIMULATIONS) <= LIMIT


def test_boschloo_reliability_test_keeps_its_level(ledger: Ledger) -> None:
    assert decided(ledger, "input-reliable", ("alpha",), 20, SIMULATIONS) <= LIMIT


def test_permutation_aggregate_test_keeps_its_level(ledger: Ledger) -> None:
    # Fewer simulations: two tasks each, and the permutation test is exact by construction.
    assert decided(ledger, "input-faster-steps-all", ("alpha", "beta"), 8, 100) <= LIMIT


def test_sign_flip_p_values() -> None:
    rng = np.random.default_rng(0)
    assert sign_flip_test({"a": np.zeros(5)}, 99, rng) == (0.0, 1.0)
    statistic, p = sign_flip_test({"a": np.ones(12), "b": np.ones(12)}, 999, rng)
    assert statistic == 1.0
    assert p == pytest.approx(1 / 1000, abs=2e-3)  # only a rare all-positive flip ties
