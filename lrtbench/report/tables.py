"""The summary table: one row per task and method combination, as numbers and as text.

``summary_table`` keeps numbers as numbers so they can be tested and reused;
``write_table`` renders the same frame to Markdown and LaTeX with a fixed number format,
so the written files depend only on the data and are byte-identical across reruns.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from lrtbench.report.curves import stacked_curves
from lrtbench.report.labels import labelled, ordered_labels
from lrtbench.report.quantiles import ranked_quantile
from lrtbench.stats.convergence import stable_minimum

SUMMARY_COLUMNS = [
    "task",
    "method",
    "lr",
    "seeds",
    "stable_min_median",
    "stable_min_q25",
    "stable_min_q75",
    "diverged_fraction",
    "best_test_median",
]

#: Written column headers, in order, for the columns of ``display_frame``.
HEADERS = {
    "task": "Task",
    "method": "Method",
    "seeds": "Seeds",
    "stable_min": "Stable min. test loss, median [IQR]",
    "diverged": "Diverged",
    "best": "Lowest test loss reached, median (converged seeds)",
}


def summarise(group: pd.DataFrame) -> dict:
    """Numbers of one (task, label) group of runs.

    Stable minima of diverged runs are +inf and take part in the median and quartiles as
    the worst values. For a run that did not diverge the stable minimum is the level it ends
    at, so the table also gives the lowest test loss each run touched: a gap between the two
    is instability. That column leaves diverged runs out and is NaN when every seed diverged.
    """
    _, curves = stacked_curves(group)
    minima = stable_minimum(curves)
    lowest = curves[group["diverged_step"].to_numpy() < 0].min(axis=1)
    return {
        "seeds": len(group),
        "stable_min_median": ranked_quantile(minima, 0.5),
        "stable_min_q25": ranked_quantile(minima, 0.25),
        "stable_min_q75": ranked_quantile(minima, 0.75),
        "diverged_fraction": float(np.mean(group["diverged_step"].to_numpy() >= 0)),
        "best_test_median": float(np.median(lowest)) if lowest.size else math.nan,
    }


def summary_table(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per (task, method label), tasks sorted, methods in display order.

    ``runs`` is the frame of ``lrtbench.store.load_runs``. Columns: ``SUMMARY_COLUMNS``.
    """
    runs = labelled(runs)
    rows = []
    for task, task_runs in runs.groupby("task", sort=True):
        for label in ordered_labels(task_runs):
            group = task_runs[task_runs["label"] == label]
            lr = float(group["lr"].iloc[0])
            rows.append({"task": task, "method": label, "lr": lr, **summarise(group)})
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def format_number(value: float) -> str:
    """Three significant digits in exponent form (``1.23e-03``); inf and NaN spelled out."""
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.2e}"


def format_fraction(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.0%}"


def display_frame(summary: pd.DataFrame) -> pd.DataFrame:
    """The summary as strings, median and interquartile range in one column."""
    stable = [
        f"{format_number(m)} [{format_number(lo)}, {format_number(hi)}]"
        for m, lo, hi in zip(
            summary["stable_min_median"],
            summary["stable_min_q25"],
            summary["stable_min_q75"],
            strict=True,
        )
    ]
    frame = pd.DataFrame(
        {
            "task": summary["task"].astype(str),
            "method": summary["method"].astype(str),
            "seeds": summary["seeds"].astype(int).astype(str),
            "stable_min": stable,
            "diverged": summary["diverged_fraction"].map(format_fraction),
            "best": summary["best_test_median"].map(format_number),
        }
    )
    return frame.rename(columns=HEADERS)


def to_markdown(display: pd.DataFrame) -> str:
    """A pipe table; task and method left-aligned, numbers right-aligned."""
    colalign = ("left", "left") + ("right",) * (display.shape[1] - 2)
    # disable_numparse keeps tabulate from re-formatting the already formatted numbers.
    return display.to_markdown(index=False, disable_numparse=True, colalign=colalign) + "\n"


def to_latex(display: pd.DataFrame) -> str:
    """A booktabs ``tabular``; cell text and headers are escaped (task names contain ``_``)."""
    styler = display.style.hide(axis="index").format(escape="latex")
    styler = styler.format_index(escape="latex", axis=1)
    column_format = "ll" + "r" * (display.shape[1] - 2)
    return styler.to_latex(hrules=True, column_format=column_format)


def write_table(df: pd.DataFrame, out_dir: Path, stem: str) -> tuple[Path, Path]:
    """Write ``summary_table``'s frame as ``out_dir/<stem>.md`` and ``out_dir/<stem>.tex``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    display = display_frame(df)
    markdown_path = out_dir / f"{stem}.md"
    latex_path = out_dir / f"{stem}.tex"
    markdown_path.write_text(to_markdown(display))
    latex_path.write_text(to_latex(display))
    return markdown_path, latex_path
