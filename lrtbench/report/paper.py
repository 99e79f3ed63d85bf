"""Keeps the generated parts of ``paper/paper.md`` current.

The paper's prose is written by hand; its numbers are not. Each generated part sits
between ``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->`` markers
and is replaced on every report, so the text a reader sees always matches the results.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from lrtbench.errors import LrtbenchError


def replace_block(text: str, name: str, content: str) -> str:
    """``text`` with the body of the generated block ``name`` set to ``content``."""
    begin, end = (re.escape(f"<!-- {edge} GENERATED: {name} -->") for edge in ("BEGIN", "END"))
    pattern = re.compile(rf"({begin}\n).*?({end})", re.DOTALL)
    if not pattern.search(text):
        raise LrtbenchError(f"no generated block {name!r} in the paper")
    return pattern.sub(lambda m: m.group(1) + content.rstrip("\n") + "\n" + m.group(2), text)


def setup_paragraph(runs: pd.DataFrame) -> str:
    """The experiment's size and budget, read from the results themselves."""
    cells = runs.drop_duplicates("cell_id")
    seeds = runs.groupby("cell_id")["seed"].nunique()
    lrs = ", ".join(f"{lr:g}" for lr in sorted(cells["lr"].unique()))
    train_minutes = cells["train_seconds"].sum() / 60
    return (
        f"{cells['task'].nunique()} tasks x {cells['method'].nunique()} methods x "
        f"learning rates {{{lrs}}}: {len(cells)} cells, {seeds.min()}"
        f"{'' if seeds.min() == seeds.max() else f'-{seeds.max()}'} seeds each "
        f"({len(runs)} runs), {int(cells['steps'].max())} steps of batch "
        f"{int(cells['batch_size'].iloc[0])}, test loss every {int(cells['eval_every'].iloc[0])} "
        f"steps. Training took {train_minutes:.1f} CPU-process minutes in all."
    )


def refresh_paper(paper: Path, runs: pd.DataFrame, tables: dict[str, str]) -> Path:
    """Rewrite the generated blocks of ``paper`` in place: ``setup`` from the runs and one
    block per entry of ``tables`` (block name -> Markdown)."""
    text = replace_block(paper.read_text(), "setup", setup_paragraph(runs))
    for name, markdown in tables.items():
        text = replace_block(text, name, markdown)
    paper.write_text(text)
    return paper
