"""The ``lrtbench claims RESULTS`` command: evaluate the ledger on stored results.

Registering the command imports nothing heavy; the handler imports the statistics, and
``lrtbench.store`` (which needs torch) only when it runs, so importing this package stays
torch-free and every other command starts as fast as before.
"""

from __future__ import annotations

import argparse
from pathlib import Path

DEFAULT_LEDGER = Path("paper/claims.toml")


def command_claims(args: argparse.Namespace) -> int:
    """Load the runs, evaluate every claim, print the tests and write the report files."""
    from lrtbench.claims.evaluate import evaluate_ledger
    from lrtbench.claims.ledger import load_ledger
    from lrtbench.claims.report import write_claims_report
    from lrtbench.claims.tables import console_report
    from lrtbench.store import load_runs

    ledger = load_ledger(Path(args.ledger))
    from lrtbench.config import cell_ids_of

    only = cell_ids_of(getattr(args, "experiment", None))
    result = evaluate_ledger(load_runs(Path(args.results), only), ledger)
    print(console_report(result), end="")
    if args.out:
        paths = write_claims_report(result, Path(args.out))
        print(f"wrote {len(paths)} files under {args.out}")
    return 0


def add_claims_parser(subparsers: argparse._SubParsersAction) -> None:
    """Register ``claims RESULTS [--ledger FILE] [--out DIR]`` on a subcommand parser."""
    claims = subparsers.add_parser(
        "claims", help="test the paper's claims (a ledger) on stored results"
    )
    claims.add_argument("results", help="results folder")
    claims.add_argument(
        "--ledger", default=str(DEFAULT_LEDGER), help=f"claims ledger (default: {DEFAULT_LEDGER})"
    )
    claims.add_argument("--out", default=None, help="write tables/ and figures/ here")
    claims.add_argument(
        "--experiment", help="experiment file: use only its cells from the results folder"
    )
    claims.set_defaults(handler=command_claims)
