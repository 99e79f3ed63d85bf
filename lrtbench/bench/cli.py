"""``lrtbench bench``: measure the speed table and print it.

``add_bench_parser`` registers the subcommand on the main command line's subparsers;
``python -m lrtbench.bench`` runs the same command on its own.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace


def positive_ints(text: str) -> tuple[int, ...]:
    """``"1,128,1024"`` as (1, 128, 1024); anything else is a usage error."""
    try:
        values = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}"
        ) from None
    if not values or min(values) <= 0:
        raise argparse.ArgumentTypeError(f"seed counts must be positive, got {text!r}")
    return values


def count(minimum: int) -> Callable[[str], int]:
    """An argparse type: an integer of at least ``minimum``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value

    return parse


def method_names(text: str) -> tuple[str, ...]:
    """``"sgd,lrt-state"`` as ("sgd", "lrt-state"); unknown names are a usage error."""
    from lrtbench.methods import METHOD_NAMES  # imports torch: only when the option is used

    names = tuple(text.split(","))
    unknown = [name for name in names if name not in METHOD_NAMES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"unknown method(s) {', '.join(unknown)}; known: {', '.join(METHOD_NAMES)}"
        )
    return names


def command_bench(args: argparse.Namespace) -> int:
    """Measure with the options in ``args``, print the tables to stdout, progress to stderr."""
    from lrtbench.bench.measure import BenchConfig, measure_all
    from lrtbench.bench.table import render

    config = BenchConfig().quick() if args.quick else BenchConfig()
    overrides = {
        "seeds": args.seeds,
        "steps": args.steps,
        "threads": args.threads,
        "methods": args.methods,
        "memory_seeds": args.memory_seeds,
    }
    config = replace(config, **{k: v for k, v in overrides.items() if v is not None})

    def progress(message: str) -> None:
        if not args.quiet:
            print(f"bench: {message}", file=sys.stderr, flush=True)

    print(render(measure_all(config, progress)))
    return 0


def add_bench_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``bench`` on ``subparsers``; its handler is ``args.handler``."""
    bench = subparsers.add_parser(
        "bench",
        help="speed and memory of the training steps, side by side",
        description="Seed-steps/s of the fused and vmap steps against the literal one-seed "
        "implementation and the matmul floor, and peak memory of the fused step.",
    )
    bench.add_argument(
        "--seeds", type=positive_ints, help="seed counts to time (default 1,128,1024)"
    )
    bench.add_argument("--steps", type=count(1), help="timed steps per repeat (default 20)")
    bench.add_argument("--threads", type=count(1), help="torch threads (default 1, as run workers)")
    bench.add_argument(
        "--methods", type=method_names, help="comma-separated methods (default: all)"
    )
    bench.add_argument(
        "--memory-seeds", type=count(0), help="seeds of the memory probe (default 4096; 0 skips it)"
    )
    bench.add_argument("--quick", action="store_true", help="tiny sizes: checks, not numbers")
    bench.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    bench.set_defaults(handler=command_bench)
    return bench


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="lrtbench")
    add_bench_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["bench", *(sys.argv[1:] if argv is None else argv)])
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
