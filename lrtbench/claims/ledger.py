"""The claims ledger: the paper's claims, written down before the data are looked at.

A ledger is a TOML file with top-level settings and one ``[[claim]]`` table per claim. The
file is validated strictly (unknown keys, misspelt values and impossible combinations are
errors) because a silently ignored key would change which hypotheses are tested after the
fact. Every problem is reported as one line naming the file and the key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from lrtbench.errors import LrtbenchError
from lrtbench.tomlfile import read_toml

Measure = Literal["time_to_target", "converged_fraction"]
Unit = Literal["steps", "gradient_evaluations", "seconds"]
Direction = Literal["treatment_better", "control_better"]
Scope = Literal["per_task", "aggregate"]

Probability = Annotated[float, Field(gt=0, lt=1)]
Tolerance = Annotated[float, Field(ge=0, allow_inf_nan=False)]
BudgetFraction = Annotated[float, Field(gt=0, le=1)]


class LedgerError(LrtbenchError):
    """The ledger file cannot be read or breaks its schema (one line: file, key, problem)."""


class ClaimEntry(BaseModel):
    """One ``[[claim]]`` table of the file."""

    model_config = ConfigDict(extra="forbid", strict=True)

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9_.-]+$")
    statement: str = Field(min_length=1)
    treatment: str = Field(min_length=1)
    control: str = Field(min_length=1)
    measure: Measure
    unit: Unit | None = None
    direction: Direction
    scope: Scope

    @model_validator(mode="after")
    def consistent(self) -> ClaimEntry:
        if self.treatment == self.control:
            raise ValueError("treatment and control must be different methods")
        if self.measure == "time_to_target" and self.unit is None:
            raise ValueError("unit: required for measure 'time_to_target'")
        if self.measure == "converged_fraction" and self.unit is not None:
            raise ValueError("unit: not allowed for measure 'converged_fraction'")
        return self


class LedgerFile(BaseModel):
    """The schema of the whole file; types are not coerced (``alpha = "0.05"`` is an error)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    alpha: Probability
    tolerance: Tolerance
    sensitivity_tolerances: list[Tolerance] = Field(min_length=1)
    sensitivity_budget_fractions: list[BudgetFraction] = Field(min_length=1)
    permutations: int = Field(default=10_000, ge=100)
    resamples: int = Field(default=2_000, ge=100)
    seed: int = Field(default=0, ge=0)
    claim: list[ClaimEntry] = Field(min_length=1)

    @model_validator(mode="after")
    def unique_ids(self) -> LedgerFile:
        ids = [entry.id for entry in self.claim]
        repeated = sorted({i for i in ids if ids.count(i) > 1})
        if repeated:
            raise ValueError(f"claim ids must be unique; repeated: {', '.join(repeated)}")
        return self


@dataclass(frozen=True)
class Claim:
    """One claim: ``treatment`` beats (or loses to) ``control`` on ``measure``.

    ``unit`` is the time unit of a speed claim and None for a reliability claim.
    """

    id: str
    statement: str
    treatment: str
    control: str
    measure: str
    unit: str | None
    direction: str
    scope: str

    @property
    def claimed_sign(self) -> int:
        """+1 when the claim says the treatment is better, -1 when it says the control is."""
        return 1 if self.direction == "treatment_better" else -1


@dataclass(frozen=True)
class Ledger:
    """The validated ledger.

    ``permutations``, ``resamples`` and ``seed`` (optional in the file) set the Monte Carlo
    size of the permutation tests and bootstrap intervals and their random seed, so that a
    report is reproducible to the last digit.
    """

    claims: tuple[Claim, ...]
    alpha: float
    tolerance: float
    sensitivity_tolerances: tuple[float, ...]
    sensitivity_budget_fractions: tuple[float, ...]
    permutations: int = 10_000
    resamples: int = 2_000
    seed: int = 0
    source: str = "<ledger>"

    @property
    def methods(self) -> tuple[str, ...]:
        """Every method named by a claim, in order of first mention."""
        named = (m for claim in self.claims for m in (claim.treatment, claim.control))
        return tuple(dict.fromkeys(named))


def error_location(raw: dict, loc: tuple) -> str:
    """``claim 'id' (claim[2]).measure`` for an entry of the claim list, else the dotted key."""
    if len(loc) >= 2 and loc[0] == "claim" and isinstance(loc[1], int):
        entries = raw.get("claim", [])
        entry = entries[loc[1]] if loc[1] < len(entries) else {}
        name = entry.get("id") if isinstance(entry, dict) else None
        head = f"claim[{loc[1]}]" + (f" ({name!r})" if isinstance(name, str) else "")
        return ".".join([head, *(str(part) for part in loc[2:])])
    return ".".join(str(part) for part in loc) or "(top level)"


def describe_error(source: str, raw: dict, error: ValidationError) -> str:
    """The first problem as ``file: key: message``; an unknown key is reported first, since a
    misspelt key also shows up as a missing one."""
    first = min(error.errors(), key=lambda e: e["type"] != "extra_forbidden")
    message = first["msg"].removeprefix("Value error, ")
    if first["type"] == "extra_forbidden":
        message = "unknown key"
    elif first["type"] == "missing":
        message = "required key is missing"
    return f"{source}: {error_location(raw, tuple(first['loc']))}: {message}".replace("\n", " ")


def parse_ledger(raw: dict, source: str = "<ledger>") -> Ledger:
    """Validate an already parsed TOML mapping; ``source`` names it in error messages."""
    try:
        parsed = LedgerFile.model_validate(raw)
    except ValidationError as exc:
        raise LedgerError(describe_error(source, raw, exc)) from None
    claims = tuple(Claim(**entry.model_dump()) for entry in parsed.claim)
    return Ledger(
        claims=claims,
        alpha=parsed.alpha,
        tolerance=parsed.tolerance,
        sensitivity_tolerances=tuple(parsed.sensitivity_tolerances),
        sensitivity_budget_fractions=tuple(parsed.sensitivity_budget_fractions),
        permutations=parsed.permutations,
        resamples=parsed.resamples,
        seed=parsed.seed,
        source=source,
    )


def load_ledger(path: Path) -> Ledger:
    """Read and validate a ledger file; any problem raises ``LedgerError`` with one line."""
    path = Path(path)
    return parse_ledger(read_toml(path, "ledger", LedgerError), str(path))
