"""The paper's claims as executable tests, decided by the stored results.

A ledger (``paper/claims.toml``) states each claim before the data are analysed;
``evaluate_ledger`` expands it into tests at matched learning rates, corrects for testing
them all (Holm) and returns a verdict per test: supported, contradicted or inconclusive.
Like ``lrtbench.report`` this package never imports torch: the caller loads the runs.
"""

from __future__ import annotations

from lrtbench.claims.cli import add_claims_parser
from lrtbench.claims.data import ClaimsDataError, Setting, Target
from lrtbench.claims.evaluate import evaluate_ledger
from lrtbench.claims.ledger import Claim, Ledger, LedgerError, load_ledger, parse_ledger
from lrtbench.claims.report import write_claims_report
from lrtbench.claims.results import ClaimsResult, Comparison, Decision, SettingVerdicts

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
