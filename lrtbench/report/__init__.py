"""Figures and tables of an experiment's results, for the paper.

Everything here works on the runs frame of ``lrtbench.store.load_runs`` and never imports
torch (nor ``lrtbench.store``, which does): making a report must work on a machine that
only has the results folder and the plotting stack. The caller loads the runs.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lrtbench.report.curves import plot_learning_curves, plot_overview
from lrtbench.report.labels import method_label
from lrtbench.report.paper import refresh_paper
from lrtbench.report.tables import summary_table, write_table

__all__ = [
    "method_label",
    "plot_learning_curves",
    "plot_overview",
    "summary_table",
    "write_report",
    "write_table",
]

SUMMARY_STEM = "summary"
OVERVIEW_NAME = "overview.png"
PAPER_NAME = "paper.md"
PAPER_TABLES = ("claims", "sensitivity")


def write_report(
    runs: pd.DataFrame,
    out_dir: Path,
    figures_dir: Path | None = None,
    tables_dir: Path | None = None,
) -> dict[str, list[Path]]:
    """Write every figure and the summary table; returns ``{"figures": [...], "tables": [...]}``.

    Defaults: figures in ``out_dir/figures/`` (``curves_<task>.png`` and ``overview.png``),
    tables in ``out_dir/tables/`` (``summary.md`` and ``summary.tex``). The output depends
    only on ``runs``: tables are byte-identical across reruns, and PNGs carry no software
    version. If ``out_dir`` holds ``paper.md``, its generated blocks are refreshed too.
    """
    out_dir = Path(out_dir)
    figures_dir = Path(figures_dir) if figures_dir is not None else out_dir / "figures"
    tables_dir = Path(tables_dir) if tables_dir is not None else out_dir / "tables"
    figures = plot_learning_curves(runs, figures_dir)
    figures.append(plot_overview(runs, figures_dir / OVERVIEW_NAME))
    tables = write_table(summary_table(runs), tables_dir, SUMMARY_STEM)
    written = {"figures": figures, "tables": list(tables)}
    paper = out_dir / PAPER_NAME
    if paper.exists():
        blocks = {"summary": tables[0].read_text()}
        for name in PAPER_TABLES:  # written by ``lrtbench claims`` into the same folder
            if (tables_dir / f"{name}.md").exists():
                blocks[name] = (tables_dir / f"{name}.md").read_text()
        written["paper"] = [refresh_paper(paper, runs, blocks)]
    return written
