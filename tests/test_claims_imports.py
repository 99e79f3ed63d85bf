"""Testing claims must work where only the results and the plotting stack are installed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def claims_modules() -> list[str]:
    """Every module of lrtbench.claims, found on disk so that a new one cannot be missed."""
    folder = ROOT / "lrtbench" / "claims"
    names = sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")
    return ["lrtbench.claims", *(f"lrtbench.claims.{name}" for name in names)]


def test_claims_modules_do_not_import_torch() -> None:
    modules = [*claims_modules(), "lrtbench.report.survival_plots"]
    assert "lrtbench.claims.cli" in modules
    code = "\n".join(
        [
            *(f"import {name}" for name in modules),
            "import sys",
            "import lrtbench.claims as claims",
            "[getattr(claims, name) for name in claims.__all__]",
            "assert 'torch' not in sys.modules, 'torch was imported'",
            "assert 'lrtbench.store' not in sys.modules, 'lrtbench.store was imported'",
        ]
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


def test_every_lazy_export_is_listed() -> None:
    import lrtbench.claims as claims

    assert sorted(claims.__all__) == sorted(claims.EXPORTS)
