"""The paper's claims as executable tests, decided by the stored results.

A ledger (``paper/claims.toml``) states each claim before the data are analysed;
``evaluate_ledger`` expands it into tests at matched learning rates, corrects for testing
them all (Holm) and returns a verdict per test: supported, contradicted or inconclusive.
Like ``lrtbench.report`` this package never imports torch: the caller loads the runs.

Names are loaded on first use (PEP 562), so that the command line can register the
``claims`` command without paying for scipy, pandas and matplotlib on every invocation.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from lrtbench.claims.cli import add_claims_parser
    from lrtbench.claims.data import ClaimsDataError, Setting, Target
    from lrtbench.claims.evaluate import evaluate_ledger
    from lrtbench.claims.ledger import Claim, Ledger, LedgerError, load_ledger, parse_ledger
    from lrtbench.claims.report import write_claims_report
    from lrtbench.claims.results import ClaimsResult, Comparison, Decision, SettingVerdicts

#: Public name -> the module defining it.
EXPORTS = {
    "add_claims_parser": "lrtbench.claims.cli",
    "ClaimsDataError": "lrtbench.claims.data",
    "Setting": "lrtbench.claims.data",
    "Target": "lrtbench.claims.data",
    "evaluate_ledger": "lrtbench.claims.evaluate",
    "Claim": "lrtbench.claims.ledger",
    "Ledger": "lrtbench.claims.ledger",
    "LedgerError": "lrtbench.claims.ledger",
    "load_ledger": "lrtbench.claims.ledger",
    "parse_ledger": "lrtbench.claims.ledger",
    "write_claims_report": "lrtbench.claims.report",
    "ClaimsResult": "lrtbench.claims.results",
    "Comparison": "lrtbench.claims.results",
    "Decision": "lrtbench.claims.results",
    "SettingVerdicts": "lrtbench.claims.results",
}

__all__ = [
    "Claim",
    "ClaimsDataError",
    "ClaimsResult",
    "Comparison",
    "Decision",
    "Ledger",
    "LedgerError",
    "Setting",
    "SettingVerdicts",
    "Target",
    "add_claims_parser",
    "evaluate_ledger",
    "load_ledger",
    "parse_ledger",
    "write_claims_report",
]


def __getattr__(name: str) -> Any:
    if name not in EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(EXPORTS[name]), name)
