"""The command line as a user meets it: one-line errors, runs that resume, reports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lrtbench.store import load_runs

TINY = """
name = "tiny"
tasks = ["product", "xor"]
methods = ["sgd", "lrt-input", "lrt-state"]
lr = [0.05]
seeds = 3
steps = 20
eval_every = 10
batch_size = 20
"""


def lrtbench(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    return subprocess.run(
        [sys.executable, "-m", "lrtbench", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        (('"product", "xor"', '"product", "nope"'), ["tiny.toml", "tasks[1]", "unknown task"]),
        (('"sgd", "lrt-input"', '"sgd", "rmsprop"'), ["tiny.toml", "methods", "rmsprop"]),
        (("seeds = 3", "seeds = 0"), ["tiny.toml", "seeds"]),
        (("steps = 20", "steps = -20"), ["tiny.toml", "steps"]),
        (("seeds = 3", "sedes = 3"), ["tiny.toml", "sedes: unknown key"]),
        (("seeds = 3", "seeds = 3.5"), ["tiny.toml", "seeds"]),
        (("seeds = 3", "seeds = = 3"), ["tiny.toml", "malformed TOML"]),
        (("batch_size = 20", "batch_size = 5000"), ["tiny.toml", "batch_size", "exceeds"]),
    ],
)
def test_bad_experiment_is_one_line_exit_2(tmp_path, change, fragments):
    (tmp_path / "tiny.toml").write_text(TINY.replace(*change))
    assert_one_line_error(lrtbench("run", "tiny.toml", cwd=tmp_path), *fragments)


def test_unknown_dataset_and_missing_results_are_one_line_errors(tmp_path):
    assert_one_line_error(lrtbench("datasets", "show", "nope", cwd=tmp_path), "unknown task")
    assert_one_line_error(lrtbench("report", "nowhere", "--out", "out", cwd=tmp_path), "nowhere")


def test_run_report_and_resume(tmp_path):
    (tmp_path / "tiny.toml").write_text(TINY)
    first = lrtbench("run", "tiny.toml", "--quiet", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    runs = load_runs(tmp_path / "results" / "tiny")
    assert len(runs) == 2 * 3 * 3
    again = lrtbench("run", "tiny.toml", "--quiet", cwd=tmp_path)
    assert "6 already done" in again.stderr and "ran 0 cells" in again.stderr
    report = lrtbench("report", "results/tiny", "--out", "out", cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    table = (tmp_path / "out" / "tables" / "summary.md").read_text()
    assert "product" in table and "lrt-state" in table


def test_corrupt_result_file_is_a_one_line_error(tmp_path):
    (tmp_path / "tiny.toml").write_text(TINY)
    assert lrtbench("run", "tiny.toml", "--quiet", cwd=tmp_path).returncode == 0
    victim = next((tmp_path / "results" / "tiny" / "cells").glob("*.json"))
    victim.write_text(victim.read_text()[:100])
    assert_one_line_error(
        lrtbench("report", "results/tiny", "--out", "out", cwd=tmp_path),
        victim.name,
        "corrupt result file",
    )
    # A corrupt cell counts as not done: the next run redoes it and the report works again.
    assert "ran 1 cells" in lrtbench("run", "tiny.toml", "--quiet", cwd=tmp_path).stderr
    assert lrtbench("report", "results/tiny", "--out", "out", cwd=tmp_path).returncode == 0


def test_a_killed_run_keeps_finished_cells_and_resumes(tmp_path):
    slow = TINY.replace("steps = 20", "steps = 400").replace("eval_every = 10", "eval_every = 100")
    (tmp_path / "tiny.toml").write_text(slow)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    process = subprocess.Popen(
        [sys.executable, "-m", "lrtbench", "run", "tiny.toml", "--quiet"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    cells = tmp_path / "results" / "tiny" / "cells"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(cells.glob("*.json")):
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    stored = len(list(cells.glob("*.json")))
    assert 1 <= stored < 6
    load_runs(tmp_path / "results" / "tiny")  # what was stored is whole
    resumed = lrtbench("run", "tiny.toml", "--quiet", cwd=tmp_path)
    assert f"{stored} already done" in resumed.stderr
    assert len(list(cells.glob("*.json"))) == 6


def test_reproduce_runs_claims_reference_and_report(tmp_path):
    """The whole pipeline on a tiny profile, in a folder laid out like the repository."""
    repository = Path(__file__).parents[1]
    (tmp_path / "paper" / "experiments").mkdir(parents=True)
    (tmp_path / "paper" / "experiments" / "tiny.toml").write_text(TINY)
    claims = (repository / "paper" / "claims.toml").read_text()
    (tmp_path / "paper" / "claims.toml").write_text(
        claims.replace("permutations = 10000", "permutations = 200")
    )
    result = lrtbench("reproduce", "--profile", "tiny", "--quiet", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    report = tmp_path / "results" / "tiny" / "report"
    for name in ("summary.md", "claims.md", "sensitivity.md"):
        assert (report / "tables" / name).stat().st_size > 0
    assert (report / "figures" / "performance_profile.png").exists()
    reference = json.loads((tmp_path / "paper" / "reference" / "tiny.json").read_text())
    assert len(reference["runs"]) == 2 * 3 * 3
    again = lrtbench(
        "check", "results/tiny", "--against", "paper/reference/tiny.json", cwd=tmp_path
    )
    assert again.returncode == 0 and "6 passed, 0 failed" in again.stdout


def test_bad_execution_options_are_refused(tmp_path):
    (tmp_path / "tiny.toml").write_text(TINY)
    workers = lrtbench("run", "tiny.toml", "--workers", "0", cwd=tmp_path)
    assert workers.returncode == 2 and "--workers: must be at least 1" in workers.stderr
    assert "Traceback" not in workers.stderr
    import torch

    if not torch.cuda.is_available():
        cuda = lrtbench("run", "tiny.toml", "--device", "cuda", cwd=tmp_path)
        assert_one_line_error(cuda, "torch sees no CUDA device")
    assert not (tmp_path / "results").exists()
