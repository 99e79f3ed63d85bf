"""Command line: ``lrtbench run | report | claims | reproduce | reference | check | bench |
datasets``.

Every expected failure (bad file, unknown name, corrupt result) ends as one line on stderr
and exit code 2; an interrupted run says how far it got and how to resume.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from lrtbench.bench.cli import add_bench_parser
from lrtbench.claims.cli import DEFAULT_LEDGER as LEDGER
from lrtbench.claims.cli import add_claims_parser, command_claims
from lrtbench.errors import LrtbenchError
from lrtbench.tasks import TaskCardError

PROFILES_DIR = Path("paper/experiments")
REFERENCE_DIR = Path("paper/reference")
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def resolve_device(name: str) -> str:
    """``auto`` is CUDA when torch sees a GPU, else the CPU; anything else is checked."""
    import torch

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    try:
        device = torch.device(name)
    except RuntimeError:
        device = None
    if device is None or device.type not in ("cpu", "cuda"):
        raise LrtbenchError(f"unknown device {name!r} (use auto, cpu or cuda)")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise LrtbenchError(f"device {name!r} asked for, but torch sees no CUDA device")
    return name


def command_run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from lrtbench.config import load_cells
    from lrtbench.runner import pending, run_cells

    experiment, cells = load_cells(Path(args.experiment))
    device = resolve_device(args.device)
    results_dir = Path(args.results or Path("results") / experiment.name)
    todo = pending(cells, results_dir)
    print(
        f"{experiment.name}: {len(cells)} cells x {experiment.seeds} seeds, "
        f"{len(cells) - len(todo)} already done; results in {results_dir}",
        file=sys.stderr,
    )
    start = time.perf_counter()
    total = sum(cell.steps for cell in todo)
    with tqdm(total=total, unit="step", disable=args.quiet or None, file=sys.stderr) as bar:
        try:
            outcomes = run_cells(
                todo,
                results_dir,
                args.workers,
                device,
                bar.update,
                args.backend,
            )
        except KeyboardInterrupt:
            done = len(cells) - len(pending(cells, results_dir))
            print(
                f"interrupted: {done} of {len(cells)} cells are stored in {results_dir}; "
                "run the same command again to resume",
                file=sys.stderr,
            )
            return EXIT_INTERRUPTED
    diverged = sum(outcome.diverged for outcome in outcomes)
    print(
        f"ran {len(outcomes)} cells in {time.perf_counter() - start:.1f} s "
        f"({diverged} diverged runs)",
        file=sys.stderr,
    )
    return 0


def experiment_cells(args: argparse.Namespace) -> set[str] | None:
    """Cell ids of ``--experiment`` when given: analyses then ignore other cells."""
    from lrtbench.config import cell_ids_of

    return cell_ids_of(getattr(args, "experiment", None))


def command_report(args: argparse.Namespace) -> int:
    from lrtbench.report import write_report
    from lrtbench.store import load_runs

    written = write_report(load_runs(Path(args.results), experiment_cells(args)), Path(args.out))
    for kind, paths in written.items():
        print(f"{kind}: {len(paths)} files in {paths[0].parent if paths else args.out}")
    return 0


def command_reproduce(args: argparse.Namespace) -> int:
    """Run a profile, test the claims, write its report (the paper profile into paper/,
    others aside) and its reference summaries (paper/reference/<profile>.json)."""
    experiment = PROFILES_DIR / f"{args.profile}.toml"
    if not PROFILES_DIR.is_dir():
        raise LrtbenchError(f"no {PROFILES_DIR} here: run reproduce from the repository root")
    if not experiment.exists():
        known = ", ".join(sorted(p.stem for p in PROFILES_DIR.glob("*.toml")))
        raise LrtbenchError(f"unknown profile {args.profile!r}; known: {known}")
    results = Path("results") / args.profile
    out = Path("paper") if args.profile == "paper" else results / "report"
    run_args = argparse.Namespace(
        experiment=experiment,
        results=results,
        workers=args.workers,
        device=args.device,
        backend=args.backend,
        quiet=args.quiet,
    )
    status = command_run(run_args)
    if status:
        return status
    # Claims first: the report folds the claims tables into paper.md when they exist.
    analysis = argparse.Namespace(results=results, out=out, experiment=experiment)
    command_claims(argparse.Namespace(**vars(analysis), ledger=str(LEDGER)))
    command_reference(
        argparse.Namespace(
            results=results,
            experiment=experiment,
            profile=args.profile,
            out=REFERENCE_DIR / f"{args.profile}.json",
        )
    )
    return command_report(analysis)


def command_reference(args: argparse.Namespace) -> int:
    """Summarise a results folder into a reference file to commit."""
    from lrtbench.reference import environments, summarise_runs, write_reference
    from lrtbench.store import load_runs

    results = Path(args.results)
    only = experiment_cells(args)
    summaries = summarise_runs(load_runs(results, only))
    profile = args.profile or results.name
    path = write_reference(Path(args.out), profile, summaries, environments(results, only))
    print(f"wrote {len(summaries)} run summaries of {profile!r} to {path}")
    return 0


def command_check(args: argparse.Namespace) -> int:
    """Compare a results folder with a reference file; exit 1 if any cell disagrees."""
    from lrtbench.reference import (
        environments,
        load_reference,
        same_environment,
        summarise_runs,
    )
    from lrtbench.regression import check_against
    from lrtbench.store import load_runs

    reference = load_reference(Path(args.against))
    results = Path(args.results)
    only = experiment_cells(args)
    current = summarise_runs(load_runs(results, only))
    same = same_environment(environments(results, only), reference.environments)
    checks = check_against(current, reference, same, rtol=args.rtol, alpha=args.alpha)
    print(
        f"{'same' if same else 'different'} environment: "
        f"{'exact comparison' if same else 'statistical consistency'} per cell"
    )
    for check in checks:
        print(f"{'ok  ' if check.passed else 'FAIL'} {check.cell_id}: {check.detail}")
    failed = sum(not check.passed for check in checks)
    print(f"{len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


def command_datasets(args: argparse.Namespace) -> int:
    from lrtbench.tasks import list_tasks, load_task

    if args.action == "list":
        for card in list_tasks():
            print(f"{card.name:<12} {card.kind:<15} {card.description}")
        return 0
    if not args.name:
        raise LrtbenchError("datasets show: name a task (see 'lrtbench datasets list')")
    print(load_task(args.name, dim=args.dim).describe())
    return 0


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def fraction(text: str) -> float:
    """argparse type: a number strictly between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must lie strictly between 0 and 1, got {text}")
    return value


def only_experiment(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--experiment", help="experiment file: use only its cells from the results folder"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lrtbench", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def execution_options(p: argparse.ArgumentParser) -> None:
        p.add_argument("--workers", type=positive_int, default=1, help="cells trained side by side")
        p.add_argument(
            "--device", default="auto", help="auto (CUDA when present, else cpu), cpu or cuda"
        )
        p.add_argument(
            "--backend",
            choices=["fused", "vmap"],
            default="fused",
            help="fused batched steps (fast) or vmapped torch.func steps (the reference)",
        )
        p.add_argument("--quiet", action="store_true", help="no progress bar")

    run = sub.add_parser("run", help="train every pending cell of an experiment file")
    run.add_argument("experiment", help="experiment file (TOML)")
    run.add_argument("--results", help="results folder (default: results/<experiment name>)")
    execution_options(run)
    run.set_defaults(handler=command_run)

    report = sub.add_parser("report", help="figures and tables from stored results")
    report.add_argument("results", help="results folder")
    report.add_argument("--out", required=True, help="where figures/ and tables/ go")
    only_experiment(report)
    report.set_defaults(handler=command_report)

    reproduce = sub.add_parser("reproduce", help="run a profile and write its report")
    reproduce.add_argument("--profile", default="paper", help="paper/experiments/<profile>.toml")
    execution_options(reproduce)
    reproduce.set_defaults(handler=command_reproduce)

    reference = sub.add_parser("reference", help="summarise results into a reference file")
    reference.add_argument("results", help="results folder")
    reference.add_argument("--out", required=True, help="reference file to write (JSON)")
    reference.add_argument("--profile", help="name stored in the file (default: folder name)")
    only_experiment(reference)
    reference.set_defaults(handler=command_reference)

    check = sub.add_parser("check", help="compare results with a reference file")
    check.add_argument("results", help="results folder")
    check.add_argument("--against", required=True, help="reference file (JSON)")
    check.add_argument(
        "--rtol", type=fraction, default=1e-5, help="same environment relative tolerance"
    )
    check.add_argument(
        "--alpha", type=fraction, default=1e-3, help="level of the statistical tests"
    )
    only_experiment(check)
    check.set_defaults(handler=command_check)

    datasets = sub.add_parser("datasets", help="list or show task cards")
    datasets.add_argument("action", choices=["list", "show"])
    datasets.add_argument("name", nargs="?")
    datasets.add_argument("--dim", type=int, default=None, help="input dimension override")
    datasets.set_defaults(handler=command_datasets)

    add_claims_parser(sub)
    add_bench_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.handler(args)
    except (LrtbenchError, TaskCardError) as exc:
        print(f"lrtbench: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:  # output piped into a command that stopped reading (| head)
        sys.stderr.close()
        return 0
    except OSError as exc:  # an output path that is a file, unwritable, or on a full disk
        print(f"lrtbench: error: {exc.filename or ''}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
