"""The bench: its literal reference computes what the methods compute, and its command runs.

No timing is asserted anywhere: speeds on a shared machine say nothing about correctness.
"""

from __future__ import annotations

import argparse

import numpy as np
import pytest
import torch
from torch.utils._pytree import tree_leaves

from lrtbench.bench.cli import add_bench_parser, main
from lrtbench.bench.literal import for_seed, from_state
from lrtbench.bench.measure import BenchConfig, stacked_state
from lrtbench.bench.memory import memory_probes
from lrtbench.methods import METHOD_NAMES, make_method
from lrtbench.models import init_mlp
from lrtbench.seeding import stream

STEPS = 20


def batches(loss: str, rng: np.random.Generator, n: int, batch: int = 50):
    """``n`` random float64 batches for a 2-in, 2-out network."""
    for _ in range(n):
        x = torch.as_tensor(rng.uniform(-1, 1, (batch, 2)))
        if loss == "mse":
            y = torch.as_tensor(rng.normal(size=(batch, 2)))
        else:
            y = torch.nn.functional.one_hot(torch.as_tensor(rng.integers(0, 2, batch)), 2)
        yield x, y.double()


def assert_same_state(got: dict, expected: dict) -> None:
    assert got.keys() == expected.keys()
    for group in expected:
        assert got[group].keys() == expected[group].keys()
        for key, value in expected[group].items():
            torch.testing.assert_close(got[group][key], value, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("loss", ["mse", "bce"])
@pytest.mark.parametrize("name", METHOD_NAMES)
def test_literal_steps_equal_method_steps(name, loss):
    """20 steps from one state, with learning rates large enough that everything moves."""
    rng = np.random.default_rng(3)
    method = make_method(name, loss, lr=0.05, meta_lr=0.3)
    state = method.init(init_mlp([2, 10, 2], rng, "standard", torch.float64), rng)
    if "lrt" in state:  # a different s per parameter, so that mixed-up rates cannot cancel
        state["lrt"] = {
            k: v * (1.0 + 0.2 * i) if k.endswith(".s") else v
            for i, (k, v) in enumerate(state["lrt"].items())
        }
    start = state
    literal = from_state(name, state, loss, lr=0.05, meta_lr=0.3)
    for x, y in batches(loss, rng, STEPS):
        state, metrics = method.step(state, (x, y))
        torch.testing.assert_close(literal.step(x, y), metrics["loss"], rtol=1e-12, atol=0)
    assert_same_state(literal.state(), state)
    for group in start:  # the comparison is not vacuous: every tensor moved
        for key, value in start[group].items():
            assert not torch.allclose(state[group][key], value, rtol=0, atol=1e-9), key


@pytest.mark.parametrize("name", METHOD_NAMES)
def test_literal_paper_defaults_follow_the_engines_seed(name):
    """``for_seed`` starts where the engine starts seed 7, and stays with the method."""
    method = make_method(name, "mse", 3e-4)
    params = init_mlp([2, 10, 2], stream(7, "model"), "paper", torch.float64)
    state = method.init(params, stream(7, "method"))
    literal = for_seed(name, seed=7, dtype=torch.float64)
    assert_same_state(literal.state(), state)
    for x, y in batches("mse", np.random.default_rng(0), STEPS):
        state, _ = method.step(state, (x, y))
        literal.step(x, y)
    assert_same_state(literal.state(), state)


def test_bench_parser_registers_on_a_main_parser():
    parser = argparse.ArgumentParser(prog="lrtbench")
    add_bench_parser(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["bench", "--seeds", "1,16", "--steps", "5", "--threads", "2"])
    assert (args.seeds, args.steps, args.threads, args.quick) == ((1, 16), 5, 2, False)
    assert callable(args.handler)
    bad_options = (
        ["--seeds", "1,x"],
        ["--seeds", "0"],
        ["--steps", "0"],
        ["--memory-seeds", "-1"],
        ["--methods", "adam"],
    )
    for bad in bad_options:
        with pytest.raises(SystemExit) as exit_info:
            parser.parse_args(["bench", *bad])
        assert exit_info.value.code == 2


def test_quick_bench_prints_a_table_with_every_method(capsys):
    """The whole command at tiny sizes; the memory probes get a test of their own."""
    assert main(["--quick", "--quiet", "--memory-seeds", "0"]) == 0
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("|") and "|  " in line]
    for name in METHOD_NAMES:
        assert sum(f" {name} |" in line for line in rows) == 3  # seeds 1 and 8, method row
    for column in ("fused seed-steps/s", "vmap seed-steps/s", "x literal", "% of floor"):
        assert column in out


def test_memory_probe_runs_in_its_own_process_and_counts_the_state():
    config = BenchConfig()
    state = stacked_state(config.method("lrt-state"), 64, config)
    state_bytes = sum(t.numel() * t.element_size() for t in tree_leaves(state))
    probe = memory_probes(["lrt-state"], n_seeds=64, steps=2)["lrt-state"]
    assert probe.state_mib * 2**20 == state_bytes
    assert probe.live_mib > probe.state_mib
    assert probe.peak_mib >= 0
