"""The bench tables: measured numbers as DataFrames, and as text for the terminal.

Speed table, one row per (method, seeds):

- ``<backend> seed-steps/s``: seeds x steps per wall second of the stacked step;
- ``<backend> x literal``: that rate over the literal one-seed implementation's steps/s,
  i.e. how many times faster the batched program trains S seeds than looping the literal
  step over them one after another;
- ``<backend> % of floor``: floor time / measured time per seed-step, where the floor is
  the step's matmul flops (``FlopCounterMode``) at this machine's large-matmul rate.
  Elementwise work is not counted, so this understates how busy the arithmetic units are.

Method table: literal steps/s, matmul flops per seed-step and their floor, and the memory
of the fused step at ``memory_seeds`` seeds (``lrtbench.bench.memory``): the process's peak
resident growth, the most bytes torch held at once, and the state's own size.
"""

from __future__ import annotations

import platform

import pandas as pd
import torch

from lrtbench.bench.measure import Measurements
from lrtbench.environment import cpu_model


def speed_table(measured: Measurements) -> pd.DataFrame:
    """Numeric speed table, one row per (method, seeds), columns grouped by quantity."""
    backends = measured.config.backends
    records: dict[tuple[str, int], dict[str, float]] = {}
    for row in measured.speed:
        record = records.setdefault((row.method, row.seeds), {})
        rate = row.seed_steps_per_second
        record[f"{row.backend} seed-steps/s"] = rate
        record[f"{row.backend} x literal"] = rate * measured.literal_seconds[row.method]
        record[f"{row.backend} % of floor"] = 100.0 * measured.floor_seconds(row.method) * rate
    columns = [
        f"{backend} {quantity}"
        for quantity in ("seed-steps/s", "x literal", "% of floor")
        for backend in backends
    ]
    frame = pd.DataFrame(
        [{"method": m, "seeds": s, **values} for (m, s), values in records.items()]
    )
    return frame[["method", "seeds", *columns]]


def method_table(measured: Measurements) -> pd.DataFrame:
    """Numeric per-method table: literal speed, counted flops and floor, memory."""
    seeds = measured.config.memory_seeds
    rows = []
    for name in measured.config.methods:
        row = {
            "method": name,
            "literal steps/s": 1.0 / measured.literal_seconds[name],
            "matmul flop/seed-step": measured.flops[name],
            "floor us/seed-step": 1e6 * measured.floor_seconds(name),
        }
        if name in measured.memory:
            probe = measured.memory[name]
            row[f"fused peak RSS MiB @ {seeds} seeds"] = probe.peak_mib
            row["live MiB"] = probe.live_mib
            row["state MiB"] = probe.state_mib
        rows.append(row)
    return pd.DataFrame(rows)


def format_value(column: str, value: object) -> str:
    """Thousands for rates and counts, one decimal for ratios and MiB, 2 digits for % and
    anything below 1."""
    if not isinstance(value, float):
        return str(value)
    if column.endswith(("/s", "flop/seed-step")):
        return f"{value:,.0f}"
    if column.endswith("% of floor") or column.startswith("floor") or abs(value) < 1:
        return f"{value:.2g}"
    return f"{value:,.1f}"


def markdown(frame: pd.DataFrame) -> str:
    """``frame`` as a markdown table with numbers formatted per column and right-aligned."""
    text = frame.astype(object).copy()
    for column in frame.columns:
        text[column] = [format_value(column, v) for v in frame[column].tolist()]
    return text.to_markdown(index=False, stralign="right", disable_numparse=True)


def render(measured: Measurements) -> str:
    """Both tables with the conditions they were measured under."""
    config = measured.config
    model = "-".join(str(s) for s in config.sizes)
    header = "\n".join(
        [
            f"{model} MLP, batch {config.batch}, lr {config.lr:g}, {config.loss} loss, float32, "
            f"{config.threads} torch thread(s)",
            f"torch {torch.__version__}, Python {platform.python_version()}, {cpu_model()}; "
            f"matmul rate {measured.matmul_flops_per_second / 1e9:.1f} GFLOP/s "
            f"({config.matmul_size}x{config.matmul_size} float32)",
            f"timing: {config.steps} steps after {config.warmup} warm-up steps, best of "
            f"{config.repeats}; literal: {config.literal_steps} steps at 1 seed, best of "
            f"{config.repeats}",
        ]
    )
    notes = (
        "x literal: seed-steps/s over the literal one-seed steps/s. % of floor: matmul "
        "flops only (FlopCounterMode counts mm/bmm/baddbmm, not elementwise ops) at the "
        "matmul rate, over the measured time."
    )
    parts = [header, "", markdown(speed_table(measured)), "", markdown(method_table(measured))]
    if measured.memory:
        parts.append(
            f"\npeak RSS MiB: rise of a fresh process's resident high-water mark over "
            f"{config.memory_steps} fused steps, from just before allocating the state "
            "(state, batches, temporaries and the C allocator's slack; varies run to run). "
            "live MiB: most bytes torch held at once (state, batches, temporaries)."
        )
    parts.append(notes)
    return "\n".join(parts)
