"""Report figures and tables from a synthetic results folder with known answers.

Every cell's test loss is ``scale * (seed + 1) * BASE``, so over the seeds 0..4 the median
run is seed 2 and the quartiles are seeds 1 and 3; one seed of one cell diverges. Expected
numbers are recomputed here with plain loops rather than with the library's helpers.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from lrtbench.config import Cell
from lrtbench.engine import CellCurves
from lrtbench.errors import LrtbenchError
from lrtbench.report import method_label, summary_table, write_report
from lrtbench.report.curves import draw_task
from lrtbench.report.labels import labelled
from lrtbench.report.quantiles import ranked_quantile, seed_band
from lrtbench.report.style import line_styles
from lrtbench.store import load_runs, save_cell

REPO_ROOT = Path(__file__).resolve().parents[1]
TASKS = ("quadratic", "sine_wave")
METHODS = ("sgd", "lrt-input", "lrt-state")
LRS = (3e-4, 3e-2)
SEEDS = (0, 1, 2, 3, 4)
STEPS, EVAL_EVERY = 50, 10
BASE = np.array([1.0, 0.4, 0.6, 0.3, 0.35, 0.25])  # not monotone: a bump at the third eval
DIVERGED_CELL = ("sine_wave", "lrt-state", 3e-2)
DIVERGED_SEED, DIVERGED_STEP = 4, 25  # NaN from the evaluation at step 30 on
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def make_cell(task: str, method: str, lr: float, **changes) -> Cell:
    fields = dict(
        experiment="synthetic",
        task=task,
        method=method,
        lr=lr,
        # lrt-input states its meta learning rate equal to lr: the label must still omit it.
        meta_lr=lr if method == "lrt-input" else None,
        per_example=False,
        seeds=SEEDS,
        steps=STEPS,
        eval_every=EVAL_EVERY,
        batch_size=50,
        hidden=(10,),
        init="paper",
        dim=None,
        data_seed=0,
        dtype="float32",
        explode_factor=1e3,
    )
    return Cell(**{**fields, **changes})


def scale_of(task: str, method: str, lr: float) -> float:
    """A different loss level for every cell, so rows cannot be confused."""
    return 1e-3 * (TASKS.index(task) + 1) * (METHODS.index(method) + 2) * (LRS.index(lr) + 5)


def planted_test_loss(task: str, method: str, lr: float) -> np.ndarray:
    seeds = np.array(SEEDS, dtype=float)[:, None]
    loss = scale_of(task, method, lr) * (seeds + 1) * BASE
    if (task, method, lr) == DIVERGED_CELL:
        loss[DIVERGED_SEED, DIVERGED_STEP // EVAL_EVERY + 1 :] = np.nan
    return loss


def save_synthetic_cell(results_dir: Path, cell: Cell, test_loss: np.ndarray) -> None:
    diverged = np.full(len(SEEDS), -1)
    if np.isnan(test_loss).any():
        diverged[np.isnan(test_loss).any(axis=1)] = DIVERGED_STEP
    curves = CellCurves(
        seeds=list(SEEDS),
        eval_steps=np.arange(STEPS // EVAL_EVERY + 1) * EVAL_EVERY,
        train_loss=test_loss * 0.9,
        val_loss=test_loss * 1.1,
        test_loss=test_loss,
        diverged_step=diverged,
        train_seconds=1.0,
        eval_seconds=0.1,
        gradient_evaluations_per_step=1,
    )
    save_cell(results_dir, cell, curves, environment={})


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> pd.DataFrame:
    results_dir = tmp_path_factory.mktemp("results")
    for task in TASKS:
        for method in METHODS:
            for lr in LRS:
                cell = make_cell(task, method, lr)
                save_synthetic_cell(results_dir, cell, planted_test_loss(task, method, lr))
    return load_runs(results_dir)


@pytest.fixture(scope="module")
def summary(runs) -> pd.DataFrame:
    return summary_table(runs)


@pytest.fixture(scope="module")
def report(runs, tmp_path_factory) -> dict[str, list[Path]]:
    return write_report(runs, tmp_path_factory.mktemp("report"))


def label_of(method: str, lr: float) -> str:
    return f"{method} lr={lr:g}"


def row_of(summary: pd.DataFrame, task: str, method: str, lr: float) -> pd.Series:
    rows = summary[(summary["task"] == task) & (summary["method"] == label_of(method, lr))]
    assert len(rows) == 1
    return rows.iloc[0]


def stable_minimum_by_hand(curve: np.ndarray) -> float:
    """min over t of max over s >= t, NaN counting as +inf: written out as two loops."""
    best = math.inf
    for t in range(len(curve)):
        worst = -math.inf
        for s in range(t, len(curve)):
            value = math.inf if math.isnan(curve[s]) else float(curve[s])
            worst = max(worst, value)
        best = min(best, worst)
    return best


def order_statistic(values: list[float], q: float) -> float:
    """The quantile when it falls exactly on an order statistic, as it does for 5 seeds."""
    position = q * (len(values) - 1)
    assert position == int(position)
    return sorted(values)[int(position)]


def all_cells():
    return [(task, method, lr) for task in TASKS for method in METHODS for lr in LRS]


def test_summary_has_one_row_per_task_and_label_in_method_order(summary):
    assert len(summary) == len(TASKS) * len(METHODS) * len(LRS)
    for task in TASKS:
        labels = summary.loc[summary["task"] == task, "method"].tolist()
        assert labels == [label_of(method, lr) for method in METHODS for lr in LRS]
    assert (summary["seeds"] == len(SEEDS)).all()
    assert not any("meta=" in label for label in summary["method"])


@pytest.mark.parametrize("task, method, lr", all_cells())
def test_stable_minimum_median_and_quartiles_match_hand_computation(summary, task, method, lr):
    loss = planted_test_loss(task, method, lr)
    minima = [stable_minimum_by_hand(curve) for curve in loss]
    row = row_of(summary, task, method, lr)
    assert row["lr"] == lr
    assert row["stable_min_median"] == pytest.approx(order_statistic(minima, 0.5), rel=1e-12)
    assert row["stable_min_q25"] == pytest.approx(order_statistic(minima, 0.25), rel=1e-12)
    assert row["stable_min_q75"] == pytest.approx(order_statistic(minima, 0.75), rel=1e-12)
    # Closed form: the run of seed s settles at scale * (s + 1) * BASE[-1].
    settled = scale_of(task, method, lr) * BASE[-1]
    assert row["stable_min_median"] == pytest.approx(3 * settled, rel=1e-12)


def test_diverged_seed_counts_as_worst_in_quartiles(summary):
    row = row_of(summary, *DIVERGED_CELL)
    assert row["stable_min_q75"] == pytest.approx(4 * scale_of(*DIVERGED_CELL) * BASE[-1])
    assert stable_minimum_by_hand(planted_test_loss(*DIVERGED_CELL)[DIVERGED_SEED]) == math.inf


def test_diverged_fraction_is_the_planted_fraction(summary):
    for task, method, lr in all_cells():
        expected = 1 / len(SEEDS) if (task, method, lr) == DIVERGED_CELL else 0.0
        assert row_of(summary, task, method, lr)["diverged_fraction"] == pytest.approx(expected)


def test_best_test_median_leaves_out_diverged_seeds(summary):
    for task, method, lr in all_cells():
        loss = planted_test_loss(task, method, lr)
        lowest = []
        for run in loss:
            if any(math.isnan(v) for v in run):
                continue
            best = run[0]
            for value in run[1:]:
                best = min(best, value)
            lowest.append(best)
        lowest.sort()
        middle = len(lowest) // 2
        expected = lowest[middle] if len(lowest) % 2 else (lowest[middle - 1] + lowest[middle]) / 2
        assert row_of(summary, task, method, lr)["best_test_median"] == pytest.approx(expected)
    row = row_of(summary, *DIVERGED_CELL)
    assert row["best_test_median"] == pytest.approx(2.5 * scale_of(*DIVERGED_CELL) * BASE[-1])


def test_ranked_quantile_treats_infinity_as_the_largest_value():
    assert ranked_quantile(np.array([1.0, 2.0, math.inf]), 0.5) == 2.0
    assert ranked_quantile(np.array([1.0, 2.0, math.inf]), 0.75) == math.inf
    assert ranked_quantile(np.array([1.0, 2.0, 4.0, 5.0]), 0.5) == 3.0
    assert math.isnan(ranked_quantile(np.array([math.nan, math.nan]), 0.5))


def test_band_is_taken_over_seeds_still_alive():
    loss = planted_test_loss(*DIVERGED_CELL)
    low, median, high = seed_band(loss, (0.1, 0.5, 0.9))
    scale = scale_of(*DIVERGED_CELL)
    # All five seeds alive: multipliers 1..5; numpy's linear quantiles give 1.4, 3 and 4.6.
    np.testing.assert_allclose(median[0], 3 * scale * BASE[0])
    np.testing.assert_allclose([low[0], high[0]], [1.4 * scale * BASE[0], 4.6 * scale * BASE[0]])
    # After seed 4 diverged only multipliers 1..4 remain: median 2.5, band 1.3 .. 3.7.
    np.testing.assert_allclose(median[-1], 2.5 * scale * BASE[-1])
    np.testing.assert_allclose(
        [low[-1], high[-1]], [1.3 * scale * BASE[-1], 3.7 * scale * BASE[-1]]
    )
    assert np.isnan(seed_band(np.full((3, 2), np.nan), (0.5,))).all()


def test_legend_notes_diverged_seeds(runs):
    frame = labelled(runs)
    task_runs = frame[frame["task"] == DIVERGED_CELL[0]]
    handles = draw_task(Figure().add_subplot(), task_runs, line_styles(frame))
    notes = [h.get_label() for h in handles if "diverged" in h.get_label()]
    assert notes == [f"{label_of(*DIVERGED_CELL[1:])} (1/5 diverged)"]


def test_colours_follow_method_and_line_styles_follow_lr(runs):
    styles = line_styles(labelled(runs))
    for method in METHODS:
        assert styles[label_of(method, LRS[0])].colour == styles[label_of(method, LRS[1])].colour
        assert (
            styles[label_of(method, LRS[0])].linestyle != styles[label_of(method, LRS[1])].linestyle
        )
    assert len({styles[label_of(method, LRS[0])].colour for method in METHODS}) == len(METHODS)


@pytest.mark.parametrize(
    "method, meta_lr, per_example",
    [
        ("sgd", None, False),
        ("lrt-state", 0.1, False),
        ("lrt-input", 3e-4, False),  # equal to lr: the default, so not shown
        ("lrt-input", 0.01, True),
        ("lrt-state", None, True),
    ],
)
def test_method_label_agrees_with_cell_label(method, meta_lr, per_example):
    cell = make_cell("quadratic", method, 3e-4, meta_lr=meta_lr, per_example=per_example)
    assert method_label(method, 3e-4, meta_lr, per_example) == cell.label
    if meta_lr is None:  # a frame holding None and floats stores the missing value as NaN
        assert method_label(method, 3e-4, math.nan, per_example) == cell.label


def test_runs_from_different_cells_under_one_label_are_rejected(runs):
    other = runs[runs["task"] == TASKS[0]].copy()
    other["cell_id"] = other["cell_id"] + "-other-batch-size"
    with pytest.raises(LrtbenchError, match=r"different cells.*--experiment"):
        summary_table(pd.concat([runs, other], ignore_index=True))


def test_tables_name_every_task_and_method_with_formatted_numbers(report, summary):
    markdown_path, latex_path = report["tables"]
    assert (markdown_path.name, latex_path.name) == ("summary.md", "summary.tex")
    markdown, latex = markdown_path.read_text(), latex_path.read_text()
    for task in TASKS:
        assert task in markdown
        assert task.replace("_", r"\_") in latex
    for label in summary["method"]:
        assert label in markdown
        assert label in latex
    for _, row in summary.iterrows():
        stable = (
            f"{row['stable_min_median']:.2e} "
            f"[{row['stable_min_q25']:.2e}, {row['stable_min_q75']:.2e}]"
        )
        assert stable in markdown
        assert stable in latex
        assert f"{row['best_test_median']:.2e}" in markdown
    assert " 20% |" in markdown and " 20\\% &" in latex
    assert "\\toprule" in latex and "\\bottomrule" in latex


def test_figures_are_png_files(report):
    names = sorted(path.name for path in report["figures"])
    assert names == sorted([*(f"curves_{task}.png" for task in TASKS), "overview.png"])
    for path in report["figures"]:
        assert path.parent.name == "figures"
        data = path.read_bytes()
        assert data.startswith(PNG_SIGNATURE) and len(data) > 1000


def test_write_report_is_deterministic_and_honours_folders(runs, report, tmp_path):
    again = write_report(
        runs, tmp_path, figures_dir=tmp_path / "figs", tables_dir=tmp_path / "tabs"
    )
    assert all(path.parent == tmp_path / "tabs" for path in again["tables"])
    assert all(path.parent == tmp_path / "figs" for path in again["figures"])
    for first, second in zip(
        report["tables"] + report["figures"], again["tables"] + again["figures"], strict=True
    ):
        assert first.name == second.name
        assert first.read_bytes() == second.read_bytes(), first.name
