"""Statistics, claims and reports read stored results only: they must never import torch,
so that analysing results works where only the results and the plotting stack exist."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TORCH_FREE_PACKAGES = ("stats", "claims", "report")


def modules_of(package: str) -> list[str]:
    """Every module of lrtbench.<package>, found on disk so that a new one cannot be missed."""
    names = sorted(p.stem for p in (ROOT / "lrtbench" / package).glob("*.py"))
    return [f"lrtbench.{package}", *(f"lrtbench.{package}.{n}" for n in names if n != "__init__")]


@pytest.mark.parametrize("package", TORCH_FREE_PACKAGES)
def test_package_does_not_import_torch(package):
    modules = modules_of(package)
    assert len(modules) > 2
    code = [f"import {name}" for name in modules]
    if package == "claims":  # its public names load lazily: touch them all
        code += ["import lrtbench.claims as c", "[getattr(c, n) for n in c.__all__]"]
    code += [
        "import sys",
        "assert 'torch' not in sys.modules, 'torch was imported'",
        "assert 'lrtbench.store' not in sys.modules, 'lrtbench.store was imported'",
    ]
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    result = subprocess.run(
        [sys.executable, "-c", "\n".join(code)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": path},
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_lazy_claims_export_is_listed():
    import lrtbench.claims as claims

    assert sorted(claims.__all__) == sorted(claims.EXPORTS)
