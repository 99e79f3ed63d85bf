"""Runs the pending cells of an experiment and stores each one as soon as it finishes.

Cells are independent, so they can run one after another in this process or side by side
in a pool of worker processes (each with one torch thread: at the paper's sizes a step is
dominated by per-operation overhead, so two single-threaded workers beat one with two
threads). Each worker writes its own cell file atomically; a killed run loses at most the
cells in flight, and the next run picks up where it stopped.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import torch

from lrtbench.config import Cell
from lrtbench.engine import TrainSpec, train_cell
from lrtbench.environment import fingerprint
from lrtbench.methods import make_method
from lrtbench.store import is_done, save_cell
from lrtbench.tasks import generate, load_task

DTYPES = {"float32": torch.float32, "float64": torch.float64}


@dataclass(frozen=True)
class CellOutcome:
    cell_id: str
    path: Path
    diverged: int
    seconds: float


def run_one(
    cell: Cell,
    results_dir: Path,
    device: str = "cpu",
    on_progress: Callable | None = None,
    backend: str = "fused",
) -> CellOutcome:
    """Train one cell on its task's data and store it."""
    card = load_task(cell.task, dim=cell.dim)
    data = generate(card, cell.data_seed)
    method = make_method(cell.method, card.loss, cell.lr, cell.meta_lr, cell.per_example)
    spec = TrainSpec(
        hidden=cell.hidden,
        seeds=cell.seeds,
        steps=cell.steps,
        eval_every=cell.eval_every,
        batch_size=cell.batch_size,
        init=cell.init,  # type: ignore[arg-type]
        dtype=DTYPES[cell.dtype],
        explode_factor=cell.explode_factor,
        device=device,
        backend=backend,
    )
    curves = train_cell(method, data, spec, on_progress)
    environment = fingerprint() | {"device": device, "backend": backend}
    path = save_cell(results_dir, cell, curves, environment)
    return CellOutcome(
        cell.cell_id, path, int(curves.diverged.sum()), curves.train_seconds + curves.eval_seconds
    )


def pending(cells: list[Cell], results_dir: Path) -> list[Cell]:
    """Cells without a stored result for exactly their config."""
    return [cell for cell in cells if not is_done(results_dir, cell)]


def single_threaded_worker() -> None:
    """Worker set-up: one torch thread, and Ctrl-C left to the parent, which stops handing
    out cells and lets the workers finish and store the ones they are training."""
    torch.set_num_threads(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_cells(
    cells: list[Cell],
    results_dir: Path,
    workers: int = 1,
    device: str = "cpu",
    on_progress: Callable[[int], None] | None = None,
    backend: str = "fused",
) -> list[CellOutcome]:
    """Run ``cells`` (already filtered to pending ones) and report progress in steps."""
    if workers <= 1:
        return [run_one(cell, results_dir, device, on_progress, backend) for cell in cells]
    # Even a single pending cell goes to a worker: cells record their thread count, and a
    # resumed run must train them the way the first run did.
    context = multiprocessing.get_context("spawn")
    outcomes = []
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=single_threaded_worker)
    try:
        futures = {
            pool.submit(run_one, cell, results_dir, device, None, backend): cell for cell in cells
        }
        for future in as_completed(futures):
            outcomes.append(future.result())
            if on_progress is not None:
                on_progress(futures[future].steps)
    except KeyboardInterrupt:
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)
    return outcomes
