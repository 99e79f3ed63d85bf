"""Results on disk: one JSON file per cell, written atomically, schema-versioned.

JSON (never pickle) keeps results safe to load and readable by other tools. A file is
written to a temporary name and renamed into place, so a killed run leaves either a whole
cell or none; a re-run skips cells whose file already exists with the same cell config.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd

from lrtbench.config import Cell
from lrtbench.engine import CellCurves
from lrtbench.errors import LrtbenchError

SCHEMA_VERSION = 1
CELLS_DIR = "cells"


def finite_or_none(values: np.ndarray) -> list:
    """Nested lists with NaN and infinities as null: strict JSON has no NaN."""
    return [
        finite_or_none(row) if np.ndim(row) else (float(row) if math.isfinite(row) else None)
        for row in values
    ]


def none_to_nan(values: list) -> np.ndarray:
    return np.array(values, dtype=float)


def cell_path(results_dir: Path, cell: Cell) -> Path:
    return results_dir / CELLS_DIR / f"{cell.cell_id}.json"


def write_json_atomically(path: Path, payload: dict) -> None:
    """Write to a temporary file in the same folder, fsync, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o644)  # mkstemp makes files private; results are meant to be shared
        with os.fdopen(fd, "w") as handle:
            json.dump(payload, handle, allow_nan=False, separators=(",", ":"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_cell(results_dir: Path, cell: Cell, curves: CellCurves, environment: dict) -> Path:
    """Store one finished cell; returns its path."""
    payload = {
        "schema_version": SCHEMA_VERSION,
        "cell_id": cell.cell_id,
        "cell": cell.to_dict(),
        "environment": environment,
        "seeds": curves.seeds,
        "eval_steps": curves.eval_steps.tolist(),
        "train_loss": finite_or_none(curves.train_loss),
        "val_loss": finite_or_none(curves.val_loss),
        "test_loss": finite_or_none(curves.test_loss),
        "diverged_step": curves.diverged_step.tolist(),
        "train_seconds": curves.train_seconds,
        "eval_seconds": curves.eval_seconds,
        "gradient_evaluations_per_step": curves.gradient_evaluations_per_step,
    }
    path = cell_path(results_dir, cell)
    write_json_atomically(path, payload)
    return path


def read_cell_file(path: Path) -> dict:
    """Load and check one cell file; corrupt or foreign files give a one-line error."""
    try:
        payload = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise LrtbenchError(f"{path}: corrupt result file ({exc})".replace("\n", " ")) from None
    if not isinstance(payload, dict) or "schema_version" not in payload:
        raise LrtbenchError(f"{path}: not an lrtbench result file (no schema_version)")
    if type(payload["schema_version"]) is not int or payload["schema_version"] != SCHEMA_VERSION:
        raise LrtbenchError(
            f"{path}: result schema version {payload['schema_version']!r} is not the "
            f"supported version {SCHEMA_VERSION}; re-run the experiment to regenerate it"
        )
    missing = [key for key in ("cell", "seeds", "eval_steps", "test_loss") if key not in payload]
    if missing:
        raise LrtbenchError(f"{path}: corrupt result file (missing {', '.join(missing)})")
    return payload


def is_done(results_dir: Path, cell: Cell) -> bool:
    """True when the cell's file exists and holds exactly this cell's config."""
    path = cell_path(results_dir, cell)
    if not path.exists():
        return False
    try:
        return read_cell_file(path)["cell"] == json.loads(json.dumps(cell.to_dict()))
    except LrtbenchError:
        return False


def cell_files(results_dir: Path, only: Collection[str] | None = None) -> list[Path]:
    """The folder's cell files; with ``only`` (cell ids), exactly those, all required.

    A results folder can hold cells of earlier versions of an experiment file; ``only``
    keeps an analysis to the cells of the current one.
    """
    folder = results_dir / CELLS_DIR
    if not folder.is_dir():
        raise LrtbenchError(f"{results_dir}: no results here (expected a '{CELLS_DIR}' folder)")
    paths = sorted(folder.glob("*.json"))
    if only is None:
        return paths
    missing = set(only) - {path.stem for path in paths}
    if missing:
        raise LrtbenchError(
            f"{results_dir}: {len(missing)} cells of the experiment have no results yet "
            f"(e.g. {sorted(missing)[0]}); run it first"
        )
    return [path for path in paths if path.stem in set(only)]


def load_runs(results_dir: Path, only: Collection[str] | None = None) -> pd.DataFrame:
    """One row per run (cell x seed): the cell's fields, the seed and its curves as arrays.

    Columns: cell_id, task, method, lr, meta_lr, per_example, ..., seed, eval_steps,
    train_loss, val_loss, test_loss (numpy arrays, NaN after divergence), diverged_step,
    train_seconds (the cell's, shared by its seeds), gradient_evaluations_per_step.
    ``only`` restricts the frame to those cell ids (see ``cell_files``).
    """
    rows: list[dict] = []
    for path in cell_files(results_dir, only):
        try:
            rows.extend(runs_of_cell(read_cell_file(path), path))
        except (KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
            message = f"{path}: corrupt result file ({type(exc).__name__}: {exc})"
            raise LrtbenchError(message.replace("\n", " ")) from None
    if not rows:
        raise LrtbenchError(f"{results_dir}: no result files found")
    runs = pd.DataFrame(rows)
    duplicated = runs.duplicated(["cell_id", "seed"])
    if duplicated.any():
        first = runs[duplicated].iloc[0]
        raise LrtbenchError(
            f"{results_dir}: run {first['cell_id']} seed {first['seed']} is stored twice "
            "(a copied cell file?)"
        )
    return runs


def runs_of_cell(payload: dict, path: Path) -> list[dict]:
    """The rows of one cell file; its name must be its cell id, its arrays one per seed."""
    if payload["cell_id"] != path.stem:
        raise ValueError(f"holds cell {payload['cell_id']!r}, not the cell its name says")
    n_seeds, n_evals = len(payload["seeds"]), len(payload["eval_steps"])
    rows = []
    cell = {k: v for k, v in payload["cell"].items() if k != "seeds"}
    curves = {k: none_to_nan(payload[k]) for k in ("train_loss", "val_loss", "test_loss")}
    if any(values.shape != (n_seeds, n_evals) for values in curves.values()):
        raise ValueError(f"curves are not {n_seeds} seeds x {n_evals} evaluations")
    if len(payload["diverged_step"]) != n_seeds:
        raise ValueError(f"diverged_step does not have {n_seeds} entries")
    steps = np.array(payload["eval_steps"], dtype=np.int64)
    for i, seed in enumerate(payload["seeds"]):
        rows.append(
            {
                "cell_id": payload["cell_id"],
                **cell,
                "hidden": tuple(cell["hidden"]),
                "seed": seed,
                "eval_steps": steps,
                **{name: values[i] for name, values in curves.items()},
                "diverged_step": int(payload["diverged_step"][i]),
                "train_seconds": float(payload["train_seconds"]),
                "gradient_evaluations_per_step": int(payload["gradient_evaluations_per_step"]),
            }
        )
    return rows


def load_curves(results_dir: Path) -> pd.DataFrame:
    """Long format, one row per (run, evaluation step): for plotting and ad-hoc analysis."""
    runs = load_runs(results_dir)
    curve_columns = ["eval_steps", "train_loss", "val_loss", "test_loss"]
    long = runs.explode(curve_columns, ignore_index=True)
    long = long.rename(columns={"eval_steps": "step"})
    return long.astype(
        {"step": "int64", "train_loss": float, "val_loss": float, "test_loss": float}
    )
