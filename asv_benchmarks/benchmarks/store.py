"""Writing one cell (``save_cell``) and loading a paper-sized results folder (``load_runs``).

``save_cell`` writes a temporary file, fsyncs it and renames it, so its time includes one
fsync of the disk the temporary folder is on.
"""

import shutil
import tempfile
from pathlib import Path

import numpy as np

from lrtbench.config import Cell
from lrtbench.engine import CellCurves
from lrtbench.store import load_runs, save_cell

from .synthetic import EVAL_EVERY, EVAL_STEPS, LRS, METHODS, SEEDS, STEPS, TASKS, curves

ENVIRONMENT = {"note": "synthetic results for the store benchmarks"}


def paper_cell(task: str, method: str, lr: float) -> Cell:
    return Cell(
        experiment="paper",
        task=task,
        method=method,
        lr=lr,
        meta_lr=None,
        per_example=False,
        seeds=tuple(range(SEEDS)),
        steps=STEPS,
        eval_every=EVAL_EVERY,
        batch_size=50,
        hidden=(10,),
        init="paper",
        dim=None,
        data_seed=0,
        dtype="float32",
        explode_factor=1000.0,
    )


def cell_curves(rng: np.random.Generator) -> CellCurves:
    (train, diverged), (val, _), (test, _) = (curves(SEEDS, rng) for _ in range(3))
    return CellCurves(
        seeds=list(range(SEEDS)),
        eval_steps=EVAL_STEPS,
        train_loss=train,
        val_loss=val,
        test_loss=test,
        diverged_step=diverged,
        train_seconds=200.0,
        eval_seconds=20.0,
        gradient_evaluations_per_step=1,
    )


class SaveCell:
    def setup(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="lrtbench-asv-"))
        self.cell = paper_cell("linear", "sgd", LRS[0])
        self.curves = cell_curves(np.random.default_rng(0))

    def teardown(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)

    def time_save_cell(self) -> None:
        save_cell(self.folder, self.cell, self.curves, ENVIRONMENT)


class LoadRuns:
    """A folder of 9 tasks x 3 methods x 2 lrs = 54 cells of 50 seeds x 81 evaluations."""

    timeout = 120

    def setup_cache(self) -> str:
        folder = Path("paper-results").resolve()
        rng = np.random.default_rng(0)
        for task in TASKS:
            for method in METHODS:
                for lr in LRS:
                    save_cell(folder, paper_cell(task, method, lr), cell_curves(rng), ENVIRONMENT)
        return str(folder)

    def time_load_runs(self, folder: str) -> None:
        load_runs(Path(folder))
