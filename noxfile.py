"""Sessions: ``tests``, ``reproduce`` (regenerates the paper's results), ``lint``.

Every install goes through constraints.txt, which pins torch to the CPU build; an unpinned
torch would pull a multi-GB CUDA build.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nox

nox.options.sessions = ["tests", "lint"]
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"
CONSTRAINTS = ("-c", "constraints.txt")
#: Reference results record one torch thread per worker process; runs that are checked
#: against them use the same two single-threaded workers.
WORKERS = ("--workers", "2")


def install(session: nox.Session, *extras: str) -> None:
    target = f".[{','.join(extras)}]" if extras else "."
    session.install(*CONSTRAINTS, "-e", target)


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The test suite."""
    install(session, "test")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def reproduce(session: nox.Session) -> None:
    """Regenerate every paper result: ``nox -s reproduce [-- --profile smoke]``."""
    install(session)
    session.run("lrtbench", "reproduce", *WORKERS, *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Speed and memory: the ``lrtbench bench`` table, then the asv suite on this environment.

    ``nox -s bench -- --quick`` passes options to ``lrtbench bench``.
    """
    install(session)
    session.install(*CONSTRAINTS, "asv")
    session.run("lrtbench", "bench", *session.posargs)
    config = ("--config", "asv_benchmarks/asv.conf.json")
    session.run("asv", "machine", "--yes", *config)
    session.run("asv", "run", *config, "--python=same", "--quick", "--show-stderr")


@nox.session(python=PYTHON)
def regression(session: nox.Session) -> None:
    """Run the smoke profile afresh and check it against its committed reference results."""
    install(session)
    results = Path(session.create_tmp()) / "smoke"
    shutil.rmtree(results, ignore_errors=True)
    experiment = "paper/experiments/smoke.toml"
    session.run("lrtbench", "run", experiment, "--results", str(results), *WORKERS, "--quiet")
    session.run(
        "lrtbench",
        "check",
        str(results),
        "--against",
        "paper/reference/smoke.json",
        "--experiment",
        experiment,
    )


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting."""
    session.install(*CONSTRAINTS, "ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
