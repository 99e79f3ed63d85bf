"""Colours and line styles, fixed per label across every panel of a report.

A reader compares panels by colour, so the colour must mean the method everywhere: the
baseline is grey/black, LRT on inputs blue, LRT on state orange. Learning rates are told
apart by line style; further variants of one method (a different meta learning rate,
per-example) by shade of the method's colour.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.colors import to_hex

from lrtbench.report.labels import label_key, ordered_labels, shown_meta_lr

#: Method -> (colour of a single variant, colour map for several variants).
METHOD_COLOURS = {
    "sgd": ("#333333", "Greys"),
    "lrt-input": ("#1f77b4", "Blues"),
    "lrt-state": ("#e6730a", "Oranges"),
}
#: Colours for methods outside ``METHOD_COLOURS``, taken in order of appearance.
OTHER_COLOURS = ("#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")
#: Line styles by rank of the learning rate, smallest learning rate first.
LINE_STYLES = ("-", "--", ":", "-.", (0, (5, 1, 1, 1, 1, 1)), (0, (8, 2)), (0, (1, 3)))


@dataclass(frozen=True)
class LineStyle:
    """How one label is drawn: colour for the method, dash pattern for the learning rate."""

    colour: str
    linestyle: str | tuple


def variant_colours(method: str, n_variants: int, other_index: int) -> list[str]:
    """``n_variants`` colours for one method: its base colour, or shades of its colour map."""
    if method not in METHOD_COLOURS:
        return [OTHER_COLOURS[other_index % len(OTHER_COLOURS)]] * n_variants
    base, cmap_name = METHOD_COLOURS[method]
    if n_variants == 1:
        return [base]
    cmap = colormaps[cmap_name]
    return [to_hex(cmap(x)) for x in np.linspace(0.85, 0.45, n_variants)]


def line_styles(runs: pd.DataFrame) -> dict[str, LineStyle]:
    """A style for every label of a ``labelled`` frame, the same whichever task it is drawn in."""
    first = runs.drop_duplicates("label").set_index("label").loc[ordered_labels(runs)]
    lrs = sorted(set(first["lr"]))
    variant_of = {
        label: (shown_meta_lr(row.lr, row.meta_lr), bool(row.per_example))
        for label, row in first.iterrows()
    }
    styles: dict[str, LineStyle] = {}
    other_methods = [m for m in dict.fromkeys(first["method"]) if m not in METHOD_COLOURS]
    for method, group in first.groupby("method", sort=False):
        variants = sorted(
            {variant_of[label] for label in group.index},
            key=lambda v: label_key(method, 0.0, *v),
        )
        other_index = other_methods.index(method) if method in other_methods else 0
        colours = dict(
            zip(variants, variant_colours(method, len(variants), other_index), strict=True)
        )
        for label, row in group.iterrows():
            linestyle = LINE_STYLES[lrs.index(row.lr) % len(LINE_STYLES)]
            styles[label] = LineStyle(colours[variant_of[label]], linestyle)
    return styles
