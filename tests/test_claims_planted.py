"""Planted effects on simulated runs: the ledger must find them, and the plumbing around it
(targets, censoring, degenerate data, files, command line) must hold."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from lrtbench.claims import (
    ClaimsDataError,
    Ledger,
    add_claims_parser,
    evaluate_ledger,
    load_ledger,
    parse_ledger,
    write_claims_report,
)
from lrtbench.claims.data import Setting, measure_runs
from lrtbench.claims.results import ALL_TASKS
from lrtbench.claims.simulate import MethodModel, simulate_runs

ROOT = Path(__file__).resolve().parents[1]
SEEDS = 24

#: Four times SGD's rate in steps, so LRT stays faster even at twice the gradient
#: evaluations and 2.5 times the seconds per step; SGD diverges in half of its runs.
FAST = MethodModel("lrt-input", rate=0.03, gradient_evaluations_per_step=2, seconds_per_step=2.5e-3)
SLOW = MethodModel("sgd", rate=0.0075, diverge=0.5)


def small_ledger(**overrides: object) -> Ledger:
    """The paper ledger's lrt-input claims, with Monte Carlo sizes small enough for tests."""
    paper = load_ledger(ROOT / "paper" / "claims.toml")
    claims = tuple(c for c in paper.claims if c.treatment == "lrt-input")
    settings = {
        "claims": claims,
        "sensitivity_tolerances": (0.05, 0.10),
        "sensitivity_budget_fractions": (1.0, 0.5),
        "permutations": 1000,
        "resamples": 200,
    }
    return replace(paper, **{**settings, **overrides})


def swapped(model: MethodModel, name: str) -> MethodModel:
    return replace(model, name=name)


@pytest.fixture(scope="module")
def planted_runs() -> pd.DataFrame:
    return simulate_runs([FAST, SLOW], seeds=SEEDS, rng=1)


@pytest.fixture(scope="module")
def planted(planted_runs: pd.DataFrame):
    return evaluate_ledger(planted_runs, small_ledger())


def test_planted_effects_are_supported(planted) -> None:
    verdicts = {d.comparison.key: d.verdict for d in planted.decisions}
    assert len(verdicts) == 3 + 1 + 1 + 1 + 3 + 1
    assert set(verdicts.values()) == {"supported"}, verdicts
    for setting in planted.sensitivity:
        assert setting.count("supported") == len(verdicts), setting.setting


def test_reversed_effects_are_contradicted() -> None:
    runs = simulate_runs([swapped(FAST, "sgd"), swapped(SLOW, "lrt-input")], seeds=SEEDS, rng=1)
    result = evaluate_ledger(runs, small_ledger())
    assert {d.verdict for d in result.decisions} == {"contradicted"}


def test_censored_runs_stay_in_every_test(planted, planted_runs: pd.DataFrame) -> None:
    assert (planted_runs["diverged_step"] >= 0).any()
    for decision in planted.decisions:
        c = decision.comparison
        per_task = 1 if c.task != ALL_TASKS else c.n_tasks
        assert c.n_treatment == c.n_control == SEEDS * per_task
    censored = planted.measures[~planted.measures["event"]]
    assert (censored["method"] == "sgd").any()


def test_target_is_shared_by_methods_and_ignores_their_order(planted_runs: pd.DataFrame) -> None:
    ledger = small_ledger()
    measures = measure_runs(planted_runs, ledger, Setting(0.1))
    assert (measures.groupby(["task", "lr"])["target"].nunique() == 1).all()
    shuffled = planted_runs.sample(frac=1.0, random_state=3).reset_index(drop=True)
    flipped = replace(ledger, claims=tuple(reversed(ledger.claims)))
    again = measure_runs(shuffled, flipped, Setting(0.1))
    key = ["lr", "task", "method", "seed"]
    pd.testing.assert_series_equal(
        measures.sort_values(key)["target"].reset_index(drop=True),
        again.sort_values(key)["target"].reset_index(drop=True),
    )


def test_undecidable_data_are_inconclusive_with_a_note() -> None:
    flat = simulate_runs(
        [replace(FAST, rate=0.0, spread=0.0), replace(SLOW, rate=0.0, spread=0.0, diverge=0.0)],
        tasks=("flat",),
        seeds=8,
        noise=0.0,
    )
    result = evaluate_ledger(flat, small_ledger(sensitivity_tolerances=(0.1,)))
    for decision in result.decisions:
        assert decision.verdict == "inconclusive"
        assert decision.comparison.pvalue == 1.0
        assert decision.comparison.note
    speed = result.decisions[0].comparison
    assert speed.note == "every run of both methods was at the target from the start"


def test_every_run_censored_is_inconclusive() -> None:
    broken = simulate_runs(
        [replace(FAST, diverge=1.0), replace(SLOW, diverge=1.0)], tasks=("broken",), seeds=8
    )
    ledger = small_ledger(sensitivity_tolerances=(0.1,), sensitivity_budget_fractions=(1.0,))
    result = evaluate_ledger(broken, ledger)
    assert {d.verdict for d in result.decisions} == {"inconclusive"}
    assert result.decisions[0].comparison.note == "no run of either method reached the target"


def test_runs_missing_a_method_are_refused(planted_runs: pd.DataFrame) -> None:
    partial = planted_runs[~((planted_runs["task"] == "beta") & (planted_runs["method"] == "sgd"))]
    with pytest.raises(ClaimsDataError, match=r"task 'beta', lr 0\.1: no runs of sgd"):
        evaluate_ledger(partial, small_ledger())


def test_report_files_are_written_and_deterministic(planted, tmp_path: Path) -> None:
    first = write_claims_report(planted, tmp_path / "a")
    second = write_claims_report(planted, tmp_path / "b")
    names = sorted(str(p.relative_to(tmp_path / "a")) for p in first)
    assert names == [
        "figures/km_alpha.png",
        "figures/km_beta.png",
        "figures/km_gamma.png",
        "figures/performance_profile.png",
        "tables/claims.md",
        "tables/claims.tex",
        "tables/sensitivity.md",
        "tables/sensitivity.tex",
    ]
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name
    sensitivity = (tmp_path / "a" / "tables" / "sensitivity.md").read_text()
    assert "| count" in sensitivity and "tol 0.05, 50% budget" in sensitivity


def test_command_prints_every_test_and_writes_files(
    planted_runs: pd.DataFrame,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The handler imports lrtbench.store; a stand-in keeps this test free of torch.
    monkeypatch.setitem(
        sys.modules,
        "lrtbench.store",
        SimpleNamespace(load_runs=lambda path, only=None: planted_runs),
    )
    raw = {
        "alpha": 0.05,
        "tolerance": 0.1,
        "sensitivity_tolerances": [0.1],
        "sensitivity_budget_fractions": [1.0],
        "permutations": 200,
        "resamples": 100,
        "claim": [
            {
                "id": "fast",
                "statement": "LRT is faster.",
                "treatment": "lrt-input",
                "control": "sgd",
                "measure": "time_to_target",
                "unit": "steps",
                "direction": "treatment_better",
                "scope": "per_task",
            }
        ],
    }
    ledger = parse_ledger(raw, "test ledger")
    monkeypatch.setattr("lrtbench.claims.ledger.load_ledger", lambda path: ledger)
    parser = argparse.ArgumentParser()
    add_claims_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["claims", "somewhere", "--out", str(tmp_path)])
    assert args.handler(args) == 0
    lines = capsys.readouterr().out.splitlines()
    for task in ("alpha", "beta", "gamma"):
        row = next(line for line in lines if line.startswith("fast ") and f" {task} " in line)
        assert row.rstrip().endswith("supported")
    out = "\n".join(lines)
    assert "detectable hazard ratio" in out
    assert (tmp_path / "tables" / "claims.md").exists()


def test_verdict_lookup(planted) -> None:
    assert planted.verdict_of("input-reliable-all", ALL_TASKS, 0.1) == "supported"
    with pytest.raises(KeyError):
        planted.verdict_of("nope", ALL_TASKS, 0.1)
    assert np.isfinite([d.holm_pvalue for d in planted.decisions]).all()
