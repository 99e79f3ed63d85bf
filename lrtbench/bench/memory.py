"""Peak memory of training many seeds with the fused step, measured in a fresh process.

Two numbers, because the operating system and torch see memory differently:

- ``peak_mib``, what the process takes: how far its resident high-water mark rose from just
  before the stacked state was allocated to after the steps. The mark cannot be lowered, so
  every measurement gets a process of its own, warmed up by a one-seed step (which loads
  torch's kernels and thread pool) before the baseline is read. It counts the state, the
  batches, the step's temporaries and the C allocator's slack (freed memory it keeps, which
  varies from run to run); not the interpreter, torch or the libraries. On Linux the mark
  is ``VmHWM`` from ``/proc/self/status``, which starts afresh with the process:
  ``getrusage().ru_maxrss`` is carried over from the parent across fork and exec, so in a
  child of a large process it would not move at all.
- ``live_mib``, what torch holds at once: the state and batches plus the peak of the bytes
  torch allocated and not yet freed during two more steps, from the profiler's allocation
  records. It is reproducible and what a leaner allocator could get the peak down to.

``state_mib`` is the state's own size, from the tensors' byte counts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import lrtbench

MIB = 2**20


@dataclass(frozen=True)
class MemoryProbe:
    """Memory of ``seeds`` seeds over ``steps`` fused steps, in MiB (see the module doc)."""

    method: str
    seeds: int
    steps: int
    peak_mib: float
    live_mib: float
    state_mib: float


def max_rss_bytes() -> int:
    """This process's resident high-water mark in bytes: ``VmHWM`` where /proc has it, else
    ``ru_maxrss`` (KiB on Linux and BSD, bytes on macOS)."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def allocation_peak_bytes(run: Callable[[], object]) -> float:
    """Peak of the bytes torch allocated and had not freed while ``run`` ran, from the
    profiler's allocation records; NaN where this torch does not expose them."""
    from torch.profiler import ProfilerActivity, profile

    with profile(activities=[ProfilerActivity.CPU], profile_memory=True) as profiled:
        run()
    try:
        events = profiled.profiler.kineto_results.events()
        changes = sorted((e.start_ns(), e.nbytes()) for e in events if e.name() == "[memory]")
    except AttributeError:
        return float("nan")
    held = peak = 0
    for _, change in changes:
        held += change
        peak = max(peak, held)
    return float(peak)


def probe(name: str, n_seeds: int, steps: int, threads: int) -> dict[str, float]:
    """Run in the measuring process: baseline, allocate, step, read the high-water mark;
    then two profiled steps for the bytes torch holds at once. The model, batch and lr are
    the paper's (``BenchConfig`` defaults); the seeds are copies of the first 64."""
    import gc

    import torch
    from torch.utils._pytree import tree_leaves

    from lrtbench.bench.measure import BenchConfig, random_batches, run_steps, tiled_state
    from lrtbench.engine import raw_step

    def size(*tensors: object) -> int:
        return sum(t.numel() * t.element_size() for t in tree_leaves(tensors))

    torch.set_num_threads(threads)
    config = BenchConfig()
    method = config.method(name)
    x, y = random_batches(1, config)
    run_steps(raw_step(method, "fused", 1, x), tiled_state(method, 1, config), x, y, 1)
    del x, y
    gc.collect()
    baseline = max_rss_bytes()

    state = tiled_state(method, n_seeds, config)
    x, y = random_batches(n_seeds, config)
    step = raw_step(method, "fused", n_seeds, x)
    state = run_steps(step, state, x, y, steps)
    peak = max_rss_bytes() - baseline

    held_before = size(state, x, y)
    during = allocation_peak_bytes(lambda: run_steps(step, state, x, y, 2))
    return {
        "peak_mib": peak / MIB,
        "live_mib": (held_before + during) / MIB,
        "state_mib": size(state) / MIB,
    }


def memory_probes(
    names: Sequence[str], n_seeds: int = 4096, steps: int = 20, threads: int = 1
) -> dict[str, MemoryProbe]:
    """``probe`` of each method in ``names``, each in a fresh Python process running this
    same ``lrtbench``. The processes run side by side: each measures only itself."""
    root = str(Path(lrtbench.__file__).resolve().parents[1])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH", "")) if p)
    arguments = [str(n_seeds), str(steps), "--threads", str(threads)]
    running = {
        name: subprocess.Popen(
            [sys.executable, "-m", "lrtbench.bench.memory", name, *arguments],
            env={**os.environ, "PYTHONPATH": path},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in names
    }
    probes = {}
    for name, process in running.items():
        out, err = process.communicate()
        if process.returncode:
            raise RuntimeError(f"memory probe of {name} failed: {err.strip()[-2000:]}")
        values = json.loads(out.strip().splitlines()[-1])
        probes[name] = MemoryProbe(name, n_seeds, steps, **values)
    return probes


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
