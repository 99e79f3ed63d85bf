"""The claims ledger is validated strictly, with one-line errors naming file and key."""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path

import pytest

from lrtbench.claims import LedgerError, load_ledger
from lrtbench.errors import LrtbenchError
from lrtbench.tomlfile import tomllib  # tomllib, or tomli before Python 3.11

ROOT = Path(__file__).resolve().parents[1]
LEDGER = ROOT / "paper" / "claims.toml"


def toml_value(value: object) -> str:
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return repr(value)


def write_ledger(path: Path, raw: dict) -> Path:
    """A minimal TOML writer for the ledger's flat shape (scalars, lists, [[claim]])."""
    lines = [f"{k} = {toml_value(v)}" for k, v in raw.items() if k != "claim"]
    for entry in raw.get("claim", []):
        lines += ["", "[[claim]]", *(f"{k} = {toml_value(v)}" for k, v in entry.items())]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def raw() -> dict:
    return copy.deepcopy(tomllib.loads(LEDGER.read_text()))


def load_error(tmp_path: Path, raw: dict) -> str:
    path = write_ledger(tmp_path / "claims.toml", raw)
    with pytest.raises(LedgerError) as caught:
        load_ledger(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{path}: ")
    return message


def test_paper_ledger_loads_with_every_required_claim() -> None:
    ledger = load_ledger(LEDGER)
    assert ledger.alpha == 0.05 and ledger.tolerance == 0.10
    assert ledger.sensitivity_tolerances == (0.01, 0.05, 0.10, 0.25)
    assert ledger.sensitivity_budget_fractions == (1.0, 0.5)
    kinds = {(c.treatment, c.measure, c.unit, c.scope) for c in ledger.claims}
    for treatment in ("lrt-input", "lrt-state"):
        assert (treatment, "time_to_target", "steps", "per_task") in kinds
        assert (treatment, "time_to_target", "steps", "aggregate") in kinds
        assert (treatment, "time_to_target", "gradient_evaluations", "aggregate") in kinds
        assert (treatment, "time_to_target", "seconds", "aggregate") in kinds
        assert (treatment, "converged_fraction", None, "per_task") in kinds
        assert (treatment, "converged_fraction", None, "aggregate") in kinds
    assert {c.control for c in ledger.claims} == {"sgd"}
    assert {c.direction for c in ledger.claims} == {"treatment_better"}


def test_written_ledger_round_trips(tmp_path: Path, raw: dict) -> None:
    path = write_ledger(tmp_path / "claims.toml", raw)
    assert load_ledger(path) == replace(load_ledger(LEDGER), source=str(path))


def test_unknown_top_level_key(tmp_path: Path, raw: dict) -> None:
    raw["alpah"] = 0.05
    assert load_error(tmp_path, raw).endswith("alpah: unknown key")


def test_unknown_key_in_a_claim_names_the_claim(tmp_path: Path, raw: dict) -> None:
    raw["claim"][2]["units"] = "steps"
    message = load_error(tmp_path, raw)
    assert f"claim[2] ('{raw['claim'][2]['id']}').units: unknown key" in message


def test_bad_measure(tmp_path: Path, raw: dict) -> None:
    raw["claim"][0]["measure"] = "loss"
    message = load_error(tmp_path, raw)
    assert ".measure: " in message and "time_to_target" in message


def test_bad_direction(tmp_path: Path, raw: dict) -> None:
    raw["claim"][1]["direction"] = "better"
    message = load_error(tmp_path, raw)
    assert ".direction: " in message and "treatment_better" in message


def test_speed_claim_needs_a_unit_and_reliability_claim_refuses_one(
    tmp_path: Path, raw: dict
) -> None:
    speed = next(c for c in raw["claim"] if c["measure"] == "time_to_target")
    del speed["unit"]
    assert "unit: required" in load_error(tmp_path, raw)
    speed["unit"] = "steps"
    reliable = next(c for c in raw["claim"] if c["measure"] == "converged_fraction")
    reliable["unit"] = "steps"
    assert "unit: not allowed" in load_error(tmp_path, raw)


def test_values_are_checked(tmp_path: Path, raw: dict) -> None:
    raw["alpha"] = 1.5
    assert "alpha: " in load_error(tmp_path, raw)
    raw["alpha"] = 0.05
    raw["sensitivity_budget_fractions"] = [1.0, 0.0]
    assert "sensitivity_budget_fractions.1: " in load_error(tmp_path, raw)


def test_repeated_ids_and_missing_file(tmp_path: Path, raw: dict) -> None:
    raw["claim"][1]["id"] = raw["claim"][0]["id"]
    assert "unique" in load_error(tmp_path, raw)
    with pytest.raises(LrtbenchError, match="cannot read ledger"):
        load_ledger(tmp_path / "missing.toml")
