"""Learning-curve figures: median test loss over seeds with a 10-90 % band, per task.

Figures are built with matplotlib's object-oriented ``Figure`` API and never touch pyplot,
so making a report changes no global plotting state and needs no display.

A seed that diverged has NaN test loss from then on. The band and median at a step are
taken over the seeds still alive at that step (NaN-aware quantiles), so after some seeds
diverge the curve describes the survivors only; the legend therefore states how many seeds
of each combination diverged, so the curve is not mistaken for the whole population.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from lrtbench.errors import LrtbenchError
from lrtbench.report.labels import labelled, ordered_labels
from lrtbench.report.quantiles import seed_band
from lrtbench.report.style import LineStyle, line_styles

BAND = (0.1, 0.5, 0.9)
#: PNG metadata that omits the matplotlib version, so identical data give identical files.
PNG_METADATA = {"Software": None}
DPI = 150


def safe_name(task: str) -> str:
    """A file-name-safe form of a task name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", task)


def stacked_curves(group: pd.DataFrame, column: str = "test_loss") -> tuple[np.ndarray, np.ndarray]:
    """Evaluation steps and a (seeds, evals) array of one label's runs on one task."""
    steps = group["eval_steps"].iloc[0]
    if any(not np.array_equal(steps, other) for other in group["eval_steps"]):
        raise LrtbenchError(f"{group['label'].iloc[0]!r}: seeds were evaluated at different steps")
    return np.asarray(steps), np.vstack(group[column].to_list()).astype(float)


def legend_handle(style: LineStyle, label: str) -> Line2D:
    return Line2D([], [], color=style.colour, linestyle=style.linestyle, label=label)


def draw_task(ax: Axes, task_runs: pd.DataFrame, styles: dict[str, LineStyle]) -> list[Line2D]:
    """Draw one task's curves on ``ax``; returns legend handles noting diverged seeds."""
    handles = []
    for label in ordered_labels(task_runs):
        group = task_runs[task_runs["label"] == label]
        steps, curves = stacked_curves(group)
        low, median, high = seed_band(curves, BAND)
        style = styles[label]
        ax.fill_between(steps, low, high, color=style.colour, alpha=0.15, linewidth=0)
        ax.plot(steps, median, color=style.colour, linestyle=style.linestyle, linewidth=1.5)
        diverged = int((group["diverged_step"] >= 0).sum())
        note = f" ({diverged}/{len(group)} diverged)" if diverged else ""
        handles.append(legend_handle(style, label + note))
    ax.set_yscale("log")
    ax.set_xlabel("training step")
    ax.set_ylabel("test loss")
    ax.grid(True, which="major", alpha=0.3)
    n_seeds = task_runs["seed"].nunique()
    task = task_runs["task"].iloc[0]
    ax.set_title(f"{task} ({n_seeds} seed{'s' if n_seeds != 1 else ''})")
    return handles


def save(figure: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=DPI, metadata=PNG_METADATA)
    return path


def tasks_of(runs: pd.DataFrame) -> Iterable[tuple[str, pd.DataFrame]]:
    """(task, its runs) in sorted task order."""
    return runs.groupby("task", sort=True)


def plot_learning_curves(runs: pd.DataFrame, out_dir: Path) -> list[Path]:
    """One figure per task, ``out_dir/curves_<task>.png``; returns the paths written.

    ``runs`` is the frame of ``lrtbench.store.load_runs``.
    """
    runs = labelled(runs)
    styles = line_styles(runs)
    paths = []
    for task, task_runs in tasks_of(runs):
        figure = Figure(figsize=(7.5, 4.2), layout="constrained")
        ax = figure.add_subplot()
        handles = draw_task(ax, task_runs, styles)
        ax.legend(handles=handles, loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8)
        paths.append(save(figure, Path(out_dir) / f"curves_{safe_name(task)}.png"))
    return paths


def plot_overview(runs: pd.DataFrame, out_path: Path) -> Path:
    """All tasks as a grid of small panels in one figure, with one shared legend below.

    Diverged-seed counts differ per task, so they appear in the per-task figures only.
    """
    runs = labelled(runs)
    styles = line_styles(runs)
    tasks = list(tasks_of(runs))
    n_cols = min(3, len(tasks))
    n_rows = math.ceil(len(tasks) / n_cols)
    figure = Figure(figsize=(3.4 * n_cols, 2.7 * n_rows + 0.8), layout="constrained")
    axes = figure.subplots(n_rows, n_cols, squeeze=False).ravel()
    for ax, (_, task_runs) in zip(axes, tasks, strict=False):
        draw_task(ax, task_runs, styles)
        ax.title.set_fontsize(10)
        ax.tick_params(labelsize=8)
        ax.xaxis.label.set_fontsize(8)
        ax.yaxis.label.set_fontsize(8)
    for ax in axes[len(tasks) :]:
        ax.set_visible(False)
    handles = [legend_handle(styles[label], label) for label in ordered_labels(runs)]
    figure.legend(
        handles=handles, loc="outside lower center", ncols=min(len(handles), 3), fontsize=8
    )
    return save(figure, Path(out_path))
