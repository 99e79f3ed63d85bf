"""Reference results and the regression check: pass on an honest rerun, fail on a change."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lrtbench.config import load_cells
from lrtbench.errors import LrtbenchError
from lrtbench.reference import (
    environments,
    load_reference,
    same_environment,
    summarise_runs,
    write_reference,
)
from lrtbench.regression import check_against, median_interval
from lrtbench.runner import run_cells
from lrtbench.store import load_runs

EXPERIMENT = """
name = "regression"
tasks = ["product", "xor"]
methods = ["sgd", "lrt-input"]
lr = [0.1]
seeds = 20
steps = 60
eval_every = 20
batch_size = 25
"""


@pytest.fixture(scope="module")
def reference_and_rerun(tmp_path_factory):
    """The same tiny experiment run twice into two folders, and a reference of the first."""
    root = tmp_path_factory.mktemp("regression")
    experiment = root / "experiment.toml"
    experiment.write_text(EXPERIMENT)
    _, cells = load_cells(experiment)
    for folder in ("first", "second"):
        run_cells(cells, root / folder)
    reference = write_reference(
        root / "reference.json",
        "regression",
        summarise_runs(load_runs(root / "first")),
        environments(root / "first"),
    )
    return root, load_reference(reference)


def perturb(results: Path, factor: float) -> str:
    """Scale the test losses of one cell's runs; returns that cell's id."""
    path = sorted((results / "cells").glob("product__lrt-input*.json"))[0]
    payload = json.loads(path.read_text())
    payload["test_loss"] = [[v * factor for v in row] for row in payload["test_loss"]]
    path.write_text(json.dumps(payload))
    return path.stem


def copy_results(source: Path, target: Path) -> Path:
    (target / "cells").mkdir(parents=True)
    for path in (source / "cells").glob("*.json"):
        (target / "cells" / path.name).write_text(path.read_text())
    return target


def test_honest_rerun_passes_in_the_same_environment(reference_and_rerun):
    root, reference = reference_and_rerun
    current = summarise_runs(load_runs(root / "second"))
    assert same_environment(environments(root / "second"), reference.environments)
    checks = check_against(current, reference, same_environment=True)
    assert len(checks) == 4 and all(c.passed and c.mode == "exact" for c in checks)


def test_a_planted_change_fails_in_the_same_environment(reference_and_rerun, tmp_path):
    root, reference = reference_and_rerun
    results = copy_results(root / "second", tmp_path / "changed")
    changed = perturb(results, 1.001)
    checks = check_against(summarise_runs(load_runs(results)), reference, same_environment=True)
    failed = [c.cell_id for c in checks if not c.passed]
    assert failed == [changed]


def test_statistical_mode_passes_honest_and_catches_a_shift(reference_and_rerun, tmp_path):
    root, reference = reference_and_rerun
    honest = check_against(summarise_runs(load_runs(root / "second")), reference, False)
    assert all(c.passed and c.mode == "statistical" for c in honest)
    results = copy_results(root / "second", tmp_path / "shifted")
    changed = perturb(results, 3.0)
    checks = check_against(summarise_runs(load_runs(results)), reference, False)
    # The changed cell fails on its own; the pooled paired test may also notice it.
    assert {c.cell_id for c in checks if not c.passed} - {"all cells"} == {changed}


def test_a_missing_cell_fails(reference_and_rerun, tmp_path):
    root, reference = reference_and_rerun
    results = copy_results(root / "second", tmp_path / "partial")
    victim = sorted((results / "cells").glob("*.json"))[0]
    victim.unlink()
    checks = check_against(summarise_runs(load_runs(results)), reference, True)
    missing = [c for c in checks if not c.passed]
    assert [c.cell_id for c in missing] == [victim.stem]
    assert "missing from results" in missing[0].detail


def test_median_interval_matches_the_textbook_order_statistics():
    # n = 20 at 95 %: the interval is (x(6), x(15)) (Conover, Practical Nonparametric
    # Statistics, table of binomial order statistics for the median).
    values = np.arange(1.0, 21.0)
    assert median_interval(values, 0.95) == (6.0, 15.0)
    assert median_interval(np.arange(1.0, 6.0), 0.999) == (-np.inf, np.inf)


def test_reference_file_problems_are_one_line_errors(tmp_path, reference_and_rerun):
    root, _ = reference_and_rerun
    good = json.loads((root / "reference.json").read_text())
    cases = {
        "corrupt.json": "{not json",
        "foreign.json": json.dumps({"hello": 1}),
        "future.json": json.dumps({**good, "schema_version": 99}),
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text)
        with pytest.raises(LrtbenchError) as caught:
            load_reference(tmp_path / name)
        assert name in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(LrtbenchError, match="schema version 99"):
        load_reference(tmp_path / "future.json")


def test_check_command_exit_codes(reference_and_rerun, tmp_path):
    root, _ = reference_and_rerun
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}

    def check(results: Path) -> subprocess.CompletedProcess:
        command = [sys.executable, "-m", "lrtbench", "check", str(results)]
        command += ["--against", str(root / "reference.json")]
        return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)

    honest = check(root / "second")
    assert honest.returncode == 0, honest.stdout + honest.stderr
    assert "4 passed, 0 failed" in honest.stdout
    results = copy_results(root / "second", tmp_path / "changed")
    perturb(results, 1.5)
    changed = check(results)
    assert changed.returncode == 1 and "FAIL" in changed.stdout


def test_statistical_mode_catches_a_global_shift_that_small_cells_cannot(
    reference_and_rerun, tmp_path
):
    """Every loss x1.2 in every cell: per-cell tests on few seeds may miss it, the pooled
    paired test over all runs must not."""
    root, reference = reference_and_rerun
    results = copy_results(root / "second", tmp_path / "global")
    for path in (results / "cells").glob("*.json"):
        payload = json.loads(path.read_text())
        payload["test_loss"] = [[v * 1.2 for v in row] for row in payload["test_loss"]]
        path.write_text(json.dumps(payload))
    checks = check_against(summarise_runs(load_runs(results)), reference, False)
    pooled = [c for c in checks if c.cell_id == "all cells"]
    assert len(pooled) == 1 and not pooled[0].passed
    assert "median ratio of stable minima to the reference 1.2" in pooled[0].detail
