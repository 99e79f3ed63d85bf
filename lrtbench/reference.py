"""Reference results: compact per-run summaries of a profile, with the environment they
came from, small enough to commit and compare every change against.

A summary keeps what the paper's numbers are made of (stable minimum, lowest and final
test loss, mean log test loss over the curve, divergence step) for every (cell, seed).
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lrtbench.errors import LrtbenchError
from lrtbench.stats.convergence import stable_minimum

REFERENCE_SCHEMA_VERSION = 1
MEASURES = ("stable_min", "lowest", "final", "mean_log")
KEY = ("cell_id", "seed")
CELL_FIELDS = ("task", "method", "lr", "meta_lr", "per_example", "steps")
#: Fingerprint entries that must agree for two result sets to count as the same environment.
SAME_ENVIRONMENT_KEYS = (
    "packages",
    "python",
    "machine",
    "processor",
    "torch_threads",
    "device",
    "backend",
)


def summarise_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per run: its identity and the measures of its test-loss curve.

    Diverged runs have NaN in their curve from the divergence on: their stable minimum
    and final loss are +inf, and their lowest loss and mean log loss cover the part before.
    """
    rows = []
    for run in runs.itertuples(index=False):
        curve = np.asarray(run.test_loss, dtype=float)
        finite = curve[np.isfinite(curve)]
        rows.append(
            {
                **{name: getattr(run, name) for name in (*KEY, *CELL_FIELDS)},
                "stable_min": float(stable_minimum(curve)),
                "lowest": float(finite.min()) if finite.size else math.inf,
                "final": float(curve[-1]) if np.isfinite(curve[-1]) else math.inf,
                "mean_log": float(np.log(finite).mean()) if finite.size else math.inf,
                "diverged_step": int(run.diverged_step),
            }
        )
    return pd.DataFrame(rows)


def environments(results_dir: Path, only: Collection[str] | None = None) -> list[dict]:
    """The distinct environment fingerprints recorded in a results folder's cells."""
    from lrtbench.store import cell_files, read_cell_file

    seen: list[dict] = []
    for path in cell_files(results_dir, only):
        environment = read_cell_file(path).get("environment", {})
        if environment not in seen:
            seen.append(environment)
    return seen


def encode(value: float) -> float | str | None:
    """JSON has no infinity: +inf is stored as the string "inf"."""
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return value


def decode(value: float | str | None) -> float | str | None:
    """Inverse of ``encode``; other strings (cell ids, task names) pass through."""
    if value in ("inf", "-inf"):
        return float(value)
    return value


@dataclass(frozen=True)
class Reference:
    """A stored set of run summaries and the environments they were computed in."""

    profile: str
    environments: list[dict]
    summaries: pd.DataFrame


def write_reference(path: Path, profile: str, summaries: pd.DataFrame, envs: list[dict]) -> Path:
    """Write summaries as JSON records (never pickle), sorted so reruns diff cleanly."""
    ordered = summaries.sort_values(list(KEY)).reset_index(drop=True)
    records = [
        {column: encode(value) for column, value in record.items()}
        for record in ordered.to_dict(orient="records")
    ]
    payload = {
        "schema_version": REFERENCE_SCHEMA_VERSION,
        "profile": profile,
        "environments": envs,
        "runs": records,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=1, sort_keys=True) + "\n")
    return path


def load_reference(path: Path) -> Reference:
    """Read a reference file; a missing, corrupt or foreign file is a one-line error."""
    try:
        payload = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        message = f"{path}: cannot read reference results ({exc})".replace("\n", " ")
        raise LrtbenchError(message) from None
    if not isinstance(payload, dict) or "schema_version" not in payload:
        raise LrtbenchError(f"{path}: not an lrtbench reference file (no schema_version)")
    if payload["schema_version"] != REFERENCE_SCHEMA_VERSION:
        raise LrtbenchError(
            f"{path}: reference schema version {payload['schema_version']!r} is not the "
            f"supported version {REFERENCE_SCHEMA_VERSION}; regenerate it with "
            "'lrtbench reference'"
        )
    try:
        runs = [{k: decode(v) for k, v in record.items()} for record in payload["runs"]]
        summaries = pd.DataFrame(runs)
        missing = [c for c in (*KEY, *MEASURES, "diverged_step") if c not in summaries.columns]
    except (KeyError, TypeError, AttributeError) as exc:
        raise LrtbenchError(f"{path}: corrupt reference results ({exc})") from None
    if missing or summaries.empty:
        raise LrtbenchError(f"{path}: corrupt reference results (missing {', '.join(missing)})")
    return Reference(str(payload.get("profile", "")), payload.get("environments", []), summaries)


def same_environment(first: list[dict], second: list[dict]) -> bool:
    """True when every cell of both sets ran with the same libraries, CPU, threads and device."""

    def essentials(envs: list[dict]) -> list[dict]:
        return [{k: env.get(k) for k in SAME_ENVIRONMENT_KEYS} for env in envs]

    return bool(first) and essentials(first) == essentials(second)
