"""Figures of time to target: Kaplan-Meier curves per task and a performance profile.

Both take the per-run measures of ``lrtbench.stats.measures.run_measures`` (columns
``time_steps``, ``event``, ``target``, ``steps`` next to the run's cell fields), computed
by the caller, so this module never decides what the target is. Time is in optimizer
steps, the one unit in which every method has the same budget. Figures use matplotlib's
object-oriented API (no pyplot) and are saved without a software version, so identical
measures give identical files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from lrtbench.report.curves import legend_handle, safe_name, save
from lrtbench.report.labels import labelled, ordered_labels
from lrtbench.report.style import LineStyle, line_styles
from lrtbench.report.tables import format_number
from lrtbench.stats.aggregate import performance_profile, speed_scores
from lrtbench.stats.survival import kaplan_meier

#: Fractions of the budget at which the performance profile is evaluated.
PROFILE_TAUS = np.linspace(0.0, 1.0, 101)


def draw_survival(ax: Axes, group: pd.DataFrame, style: LineStyle, label: str) -> str:
    """One label's Kaplan-Meier curve with its pointwise band; returns the legend text."""
    times = group["time_steps"].to_numpy(dtype=float)
    events = group["event"].to_numpy(dtype=bool)
    curve = kaplan_meier(times, events)
    budget = float(group["steps"].iloc[0])
    x = np.concatenate([[0.0], curve.times, [budget]])
    y, low, high = (
        np.concatenate([[1.0], values, values[-1:]])
        for values in (curve.survival, curve.low, curve.high)
    )
    ax.fill_between(x, low, high, step="post", color=style.colour, alpha=0.15, linewidth=0)
    ax.step(x, y, where="post", color=style.colour, linestyle=style.linestyle, linewidth=1.5)
    return f"{label} ({curve.n_events}/{curve.n_runs} reached)"


def plot_time_to_target(measures: pd.DataFrame, out_dir: Path) -> list[Path]:
    """``out_dir/km_<task>.png`` per task: one panel per lr, one curve per method.

    The curve is the fraction of runs not yet settled at the target after t steps; each
    panel's title states its target, which differs by lr.
    """
    runs = labelled(measures)
    styles = line_styles(runs)
    paths = []
    for task, task_runs in runs.groupby("task", sort=True):
        lrs = sorted(task_runs["lr"].unique())
        figure = Figure(figsize=(4.2 * len(lrs) + 1.8, 3.8), layout="constrained")
        axes = figure.subplots(1, len(lrs), squeeze=False).ravel()
        handles = []
        for ax, lr in zip(axes, lrs, strict=True):
            at_lr = task_runs[task_runs["lr"] == lr]
            for label in ordered_labels(at_lr):
                text = draw_survival(ax, at_lr[at_lr["label"] == label], styles[label], label)
                handles.append(legend_handle(styles[label], text))
            target = float(at_lr["target"].iloc[0])
            ax.set_title(f"lr={lr:g}: target test loss {format_number(target)}", fontsize=10)
            ax.set_xlabel("training step")
            ax.set_ylim(-0.02, 1.02)
            ax.grid(True, alpha=0.3)
        axes[0].set_ylabel("fraction not yet at target")
        n_seeds = task_runs["seed"].nunique()
        figure.suptitle(f"{task}: time to target, Kaplan-Meier with 95% band ({n_seeds} seeds)")
        figure.legend(handles=handles, loc="outside right center", fontsize=8)
        paths.append(save(figure, Path(out_dir) / f"km_{safe_name(str(task))}.png"))
    return paths


def plot_performance_profile(measures: pd.DataFrame, out_path: Path) -> Path:
    """Fraction of runs at the target within tau x budget, averaged over tasks, per label.

    Speed scores (time to target in steps / budget) go through
    ``lrtbench.stats.aggregate.performance_profile`` with its stratified bootstrap band. A
    censored run's speed score is 1, which ``score <= tau`` would count as reached at
    tau = 1; it is set to +inf here so that the curve ends at the fraction that converged.
    """
    runs = labelled(measures)
    styles = line_styles(runs)
    figure = Figure(figsize=(7.5, 4.4), layout="constrained")
    ax = figure.add_subplot()
    for label in ordered_labels(runs):
        group = runs[runs["label"] == label]
        never = group.assign(time_steps=group["time_steps"].where(group["event"], np.inf))
        scores = speed_scores(never, str(group["method"].iloc[0]))
        profile = performance_profile(scores, PROFILE_TAUS)
        style = styles[label]
        ax.fill_between(
            profile.taus, profile.low, profile.high, color=style.colour, alpha=0.15, linewidth=0
        )
        ax.plot(
            profile.taus,
            profile.fraction,
            color=style.colour,
            linestyle=style.linestyle,
            linewidth=1.5,
            label=label,
        )
    ax.set_xlabel("tau (fraction of the step budget)")
    ax.set_ylabel("fraction of runs at target by tau")
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(-0.02, 1.02)
    ax.grid(True, alpha=0.3)
    n_tasks = runs["task"].nunique()
    ax.set_title(f"Performance profile of time to target, mean over {n_tasks} tasks (95% band)")
    ax.legend(loc="center left", bbox_to_anchor=(1.02, 0.5), fontsize=8)
    return save(figure, Path(out_path))
