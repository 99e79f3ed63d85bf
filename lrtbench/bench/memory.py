"""Peak memory of training many seeds with the fused step, measured in a fresh process.

``getrusage(RUSAGE_SELF).ru_maxrss`` is the high-water mark of the process's resident memory
and cannot be reset, so every measurement gets a process of its own. There, after the
imports and a one-seed warm-up step (which loads torch's kernels and thread pool), the mark
is read as the baseline; then the stacked state and the batches are allocated and the steps
run, and the reported peak is how far the mark rose. It counts the state, the batches,
every temporary of the step and the allocator's slack; not the interpreter, torch or the
libraries. The state's own size is reported next to it, from the tensors' byte counts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import lrtbench

MIB = 2**20


@dataclass(frozen=True)
class MemoryProbe:
    """Peak resident memory growth and state size of ``seeds`` seeds, in MiB."""

    method: str
    seeds: int
    steps: int
    peak_mib: float
    state_mib: float


def max_rss_bytes() -> int:
    """The process's resident high-water mark in bytes (Linux reports KiB, macOS bytes)."""
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def probe(name: str, n_seeds: int, steps: int, threads: int) -> dict[str, float]:
    """Run in the measuring process: baseline, allocate, step, read the high-water mark."""
    import gc

    import torch
    from torch.utils._pytree import tree_leaves

    from lrtbench.bench.measure import BenchConfig, random_batches, run_steps, tiled_state
    from lrtbench.engine import raw_step

    torch.set_num_threads(threads)
    config = BenchConfig()
    method = config.method(name)
    x, y = random_batches(1, config)
    run_steps(raw_step(method, "fused", 1, x), tiled_state(method, 1, config), x, y, 1)
    del x, y
    gc.collect()
    baseline = max_rss_bytes()

    state = tiled_state(method, n_seeds, config)
    state_bytes = sum(t.numel() * t.element_size() for t in tree_leaves(state))
    x, y = random_batches(n_seeds, config)
    run_steps(raw_step(method, "fused", n_seeds, x), state, x, y, steps)
    return {
        "peak_mib": (max_rss_bytes() - baseline) / MIB,
        "state_mib": state_bytes / MIB,
    }


def peak_memory(name: str, n_seeds: int = 4096, steps: int = 10, threads: int = 1) -> MemoryProbe:
    """Measure ``probe`` in a fresh Python process running this same ``lrtbench``."""
    root = str(Path(lrtbench.__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    command = [sys.executable, "-m", "lrtbench.bench.memory", name, str(n_seeds), str(steps)]
    result = subprocess.run(
        [*command, "--threads", str(threads)],
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise RuntimeError(f"memory probe of {name} failed: {result.stderr.strip()[-2000:]}")
    values = json.loads(result.stdout.strip().splitlines()[-1])
    return MemoryProbe(name, n_seeds, steps, values["peak_mib"], values["state_mib"])


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="peak memory of fused steps (prints JSON)")
    parser.add_argument("method")
    parser.add_argument("seeds", type=int)
    parser.add_argument("steps", type=int)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    print(json.dumps(probe(args.method, args.seeds, args.steps, args.threads)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
