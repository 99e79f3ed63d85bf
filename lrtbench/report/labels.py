"""Names and order of the method + hyperparameter combinations shown in figures and tables.

Figures and tables must agree on what a "method" is, so both take their labels and their
ordering from here. The label rule mirrors ``lrtbench.config.Cell.label`` (a test checks they
agree); it is restated rather than imported because ``lrtbench.config`` pulls in torch.
"""

from __future__ import annotations

import math

import pandas as pd

from lrtbench.errors import LrtbenchError

#: Baseline first, then the LRT variants; methods not listed sort after these by name.
METHOD_ORDER = ("sgd", "lrt-input", "lrt-state")


def normalised_meta_lr(meta_lr: object) -> float | None:
    """The meta learning rate as a float, or None when unset (stored as None or NaN)."""
    if meta_lr is None:
        return None
    value = float(meta_lr)  # type: ignore[arg-type]
    return None if math.isnan(value) else value


def shown_meta_lr(lr: float, meta_lr: float | None) -> float | None:
    """The meta learning rate when it differs from its default (equal to ``lr``), else None."""
    meta = normalised_meta_lr(meta_lr)
    return None if meta is None or meta == lr else meta


def method_label(method: str, lr: float, meta_lr: float | None, per_example: bool) -> str:
    """``"lrt-input lr=0.03"``; ``meta=`` and ``per-example`` appear only when not default."""
    meta = shown_meta_lr(lr, meta_lr)
    meta_part = "" if meta is None else f" meta={meta:g}"
    extra = " per-example" if per_example else ""
    return f"{method} lr={lr:g}{meta_part}{extra}"


def method_rank(method: str) -> tuple[int, str]:
    """Sort key placing the known methods in ``METHOD_ORDER`` and any others after them."""
    if method in METHOD_ORDER:
        return METHOD_ORDER.index(method), ""
    return len(METHOD_ORDER), method


def label_key(method: str, lr: float, meta_lr: float | None, per_example: bool) -> tuple:
    """Sort key of a combination: method, then learning rate, meta learning rate, option."""
    meta = shown_meta_lr(lr, meta_lr)
    return (*method_rank(method), float(lr), -1.0 if meta is None else meta, bool(per_example))


def labelled(runs: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``runs`` with a ``label`` column, sorted by task, method order and seed.

    Raises ValueError when one (task, label) pair covers several cells (for example two
    batch sizes): pooling their seeds would silently mix different experiments.
    """
    if runs.empty:
        raise LrtbenchError("no runs to report")
    out = runs.copy()
    combos = list(zip(out["method"], out["lr"], out["meta_lr"], out["per_example"], strict=True))
    out["label"] = [method_label(*combo) for combo in combos]
    keys = pd.Series([label_key(*combo) for combo in combos], index=out.index)
    order = sorted(out.index, key=lambda i: (str(out.at[i, "task"]), keys[i], out.at[i, "seed"]))
    out = out.loc[order].reset_index(drop=True)
    cells_per_label = out.groupby(["task", "label"], sort=False)["cell_id"].nunique()
    mixed = cells_per_label[cells_per_label > 1]
    if not mixed.empty:
        task, label = mixed.index[0]
        raise LrtbenchError(
            f"task {task!r}, {label!r}: runs come from {mixed.iloc[0]} different cells; "
            "pass --experiment FILE to keep to one experiment's cells"
        )
    return out


def ordered_labels(runs: pd.DataFrame) -> list[str]:
    """Distinct labels of a ``labelled`` frame in display order (method, lr, meta, option)."""
    first = runs.drop_duplicates("label")
    columns = ("method", "lr", "meta_lr", "per_example")
    keys = {
        label: label_key(*combo)
        for label, *combo in zip(first["label"], *(first[c] for c in columns), strict=True)
    }
    return sorted(keys, key=keys.__getitem__)
