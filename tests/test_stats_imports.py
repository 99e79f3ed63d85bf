"""The statistics package must load without torch: reports run on machines without it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def stats_modules() -> list[str]:
    """Every module of lrtbench.stats, found on disk so that a new one cannot be missed."""
    folder = ROOT / "lrtbench" / "stats"
    names = sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")
    return ["lrtbench.stats", *(f"lrtbench.stats.{name}" for name in names)]


def test_stats_modules_do_not_import_torch() -> None:
    modules = stats_modules()
    assert "lrtbench.stats.survival" in modules
    code = "\n".join(
        [*(f"import {name}" for name in modules), "import sys", "assert 'torch' not in sys.modules"]
    )
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": path},
        check=False,
    )
    assert result.returncode == 0, result.stderr
