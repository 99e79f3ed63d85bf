"""Task cards: reading and strictly validating one ``datasets/<name>.toml`` file.

A card is the whole definition of a synthetic data set, so a typo in it would silently
change what a benchmark measures. Validation is therefore strict: unknown keys, wrong
types, out-of-range values and formulas outside the language are all errors, each reported
as a one-line ``TaskCardError`` naming the file and the dotted key path.

The format::

    name = "product"                  # equals the file stem
    description = "One line of text"
    kind = "regression"               # or "classification"
    loss = "mse"                      # "mse" for regression, "bce" for classification

    [inputs]
    dim = 2                           # may be overridden when loading
    distribution = "uniform"          # keys low < high; or "normal" with keys mean, std > 0
    low = -1.0
    high = 1.0

    [target]                          # regression: one formula per network output
    outputs = ["x0 * x1", "x0 - x1"]
    noise_std = 0.02                  # optional, default 0; gaussian noise on every target
    # classification instead: label = "<formula giving 0..classes-1>", classes = 2,
    # label_noise = 0.0 (optional; chance of replacing a label by a uniform random class)

    [splits]
    train = 1000
    val = 1000
    test = 1000
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

from lrtbench.tasks.errors import TaskCardError, card_error
from lrtbench.tasks.formula import Formula, FormulaError, parse_formula

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["DISTRIBUTIONS", "KINDS", "InputSpec", "Splits", "TaskCard", "load_card_file"]

Kind = Literal["regression", "classification"]
#: Each kind of task and the loss it is trained with.
KINDS: dict[str, str] = {"regression": "mse", "classification": "bce"}
#: Each input distribution and its parameter keys.
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {"uniform": ("low", "high"), "normal": ("mean", "std")}
SPLIT_NAMES = ("train", "val", "test")
_TARGET_KEYS: dict[str, tuple[str, ...]] = {
    "regression": ("outputs", "noise_std"),
    "classification": ("label", "classes", "label_noise"),
}
_TOP_KEYS = ("name", "description", "kind", "loss", "inputs", "target", "splits")
_NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
_MISSING: Any = object()


@dataclass(frozen=True)
class InputSpec:
    """How the inputs are drawn: ``dim`` independent coordinates from one distribution."""

    dim: int
    distribution: str
    low: float | None = None
    high: float | None = None
    mean: float | None = None
    std: float | None = None

    @property
    def params(self) -> dict[str, float]:
        """The parameters of the distribution, by their card keys."""
        return {key: getattr(self, key) for key in DISTRIBUTIONS[self.distribution]}

    def describe(self) -> str:
        if self.distribution == "uniform":
            law = f"uniform on [{self.low:g}, {self.high:g}]"
        else:
            law = f"normal, mean {self.mean:g}, std {self.std:g}"
        return f"dim {self.dim}, each coordinate {law}"


@dataclass(frozen=True)
class Splits:
    """Number of examples in each split."""

    train: int
    val: int
    test: int

    def sizes(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in SPLIT_NAMES}


@dataclass(frozen=True)
class TaskCard:
    """A validated task card.

    ``formulas`` holds the source text of the targets: one per output for regression, the
    single label formula for classification. ``noise`` is ``noise_std`` for regression and
    ``label_noise`` for classification; ``classes`` is ``None`` for regression.
    """

    name: str
    description: str
    kind: Kind
    loss: str
    inputs: InputSpec
    formulas: tuple[str, ...]
    noise: float
    classes: int | None
    splits: Splits
    path: Path
    parsed: tuple[Formula, ...] = field(repr=False, compare=False)

    @property
    def input_dim(self) -> int:
        return self.inputs.dim

    @property
    def output_dim(self) -> int:
        """Network outputs: one per formula (regression) or one per class (one-hot)."""
        return len(self.formulas) if self.classes is None else self.classes

    @property
    def target_keys(self) -> tuple[str, ...]:
        """Dotted key of each formula, for messages about a formula's values."""
        if self.kind == "regression":
            return tuple(f"target.outputs[{i}]" for i in range(len(self.formulas)))
        return ("target.label",)

    def summary(self) -> dict[str, Any]:
        """The card as plain JSON-friendly data (the key names follow the TOML format)."""
        if self.kind == "regression":
            target: dict[str, Any] = {"outputs": list(self.formulas), "noise_std": self.noise}
        else:
            target = {
                "label": self.formulas[0],
                "classes": self.classes,
                "label_noise": self.noise,
            }
        return {
            "name": self.name,
            "description": self.description,
            "kind": self.kind,
            "loss": self.loss,
            "inputs": {
                "dim": self.inputs.dim,
                "distribution": self.inputs.distribution,
                **self.inputs.params,
            },
            "target": target,
            "splits": self.splits.sizes(),
            "input_dim": self.input_dim,
            "output_dim": self.output_dim,
            "path": str(self.path),
        }

    def describe(self) -> str:
        """A human-readable multi-line description, for ``datasets show``."""
        lines = [
            f"{self.name}: {self.description}",
            f"  kind:    {self.kind} (loss {self.loss})",
            f"  inputs:  {self.inputs.describe()}",
        ]
        if self.kind == "regression":
            lines.append(f"  outputs: {self.output_dim}")
            lines += [f"    y{i} = {text}" for i, text in enumerate(self.formulas)]
            lines.append(f"  noise:   gaussian, std {self.noise:g}, added to every output")
        else:
            lines.append(f"  outputs: {self.output_dim} (one-hot over {self.classes} classes)")
            lines.append(f"    class = {self.formulas[0]}")
            lines.append(f"  noise:   label noise {self.noise:g} (chance of a random class)")
        sizes = ", ".join(f"{name} {size}" for name, size in self.splits.sizes().items())
        lines += [f"  splits:  {sizes}", f"  card:    {self.path}"]
        return "\n".join(lines)


def _show(value: Any) -> str:
    """A TOML value as it would appear in a message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, dict):
        return "a table"
    return str(value)


class _Table:
    """One TOML table being validated; knows its dotted prefix for error messages."""

    def __init__(self, path: Path, data: Any, key: str = "") -> None:
        if not isinstance(data, dict):
            raise card_error(path, key, f"expected a table, got {_show(data)}")
        self.path = path
        self.data = data
        self.prefix = f"{key}." if key else ""

    def error(self, key: str, message: str) -> TaskCardError:
        return card_error(self.path, self.prefix + key, message)

    def check_keys(self, allowed: tuple[str, ...], context: str = "") -> None:
        for key in self.data:
            if key not in allowed:
                where = f" {context}" if context else ""
                raise self.error(key, f"unknown key{where} (allowed: {', '.join(allowed)})")

    def get(self, key: str, default: Any = _MISSING) -> Any:
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            raise self.error(key, "missing required key")
        return default

    def table(self, key: str) -> _Table:
        return _Table(self.path, self.get(key), self.prefix + key)

    def text(self, key: str) -> str:
        value = self.get(key)
        if not isinstance(value, str) or not value.strip() or "\n" in value:
            raise self.error(key, f"expected one non-empty line of text, got {_show(value)}")
        return value.strip()

    def choice(self, key: str, choices: dict[str, Any]) -> str:
        value = self.get(key)
        if not isinstance(value, str) or value not in choices:
            known = ", ".join(f"'{name}'" for name in choices)
            raise self.error(key, f"expected one of {known}, got {_show(value)}")
        return str(value)

    def integer(self, key: str, minimum: int) -> int:
        value = self.get(key)
        if type(value) is not int or value < minimum:
            raise self.error(key, f"expected an integer >= {minimum}, got {_show(value)}")
        return value

    def number(
        self,
        key: str,
        default: Any = _MISSING,
        minimum: float | None = None,
        above: float | None = None,
        below: float | None = None,
    ) -> float:
        """A finite int or float, optionally bounded: ``minimum <=``, ``above <``, ``< below``."""
        value = self.get(key, default)
        bounds = [
            f">= {minimum:g}" if minimum is not None else "",
            f"> {above:g}" if above is not None else "",
            f"< {below:g}" if below is not None else "",
        ]
        wanted = " and ".join(bound for bound in bounds if bound)
        expected = f"expected a finite number{' ' + wanted if wanted else ''}"
        ok = type(value) in (int, float) and math.isfinite(value)
        ok = ok and (minimum is None or value >= minimum)
        ok = ok and (above is None or value > above)
        ok = ok and (below is None or value < below)
        if not ok:
            raise self.error(key, f"{expected}, got {_show(value)}")
        return float(value)

    def formula(self, key: str, text: Any, dim: int) -> Formula:
        if not isinstance(text, str):
            raise self.error(key, f"expected a formula string, got {_show(text)}")
        try:
            return parse_formula(text, dim)
        except FormulaError as error:
            raise self.error(key, str(error)) from None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise card_error(path, "", f"cannot read card: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise card_error(path, "", "card is not UTF-8 text") from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise card_error(path, "", f"malformed TOML: {error}") from None


def _read_inputs(table: _Table, dim: int | None) -> InputSpec:
    distribution = table.choice("distribution", DISTRIBUTIONS)
    keys = DISTRIBUTIONS[distribution]
    table.check_keys(("dim", "distribution", *keys), f"for distribution '{distribution}'")
    card_dim = table.integer("dim", minimum=1)
    if dim is not None and (type(dim) is not int or dim < 1):
        raise table.error("dim", f"expected an integer >= 1, got {_show(dim)} (override)")
    if distribution == "uniform":
        low = table.number("low")
        params = {"low": low, "high": table.number("high", above=low)}
    else:
        params = {"mean": table.number("mean"), "std": table.number("std", above=0.0)}
    return InputSpec(card_dim if dim is None else dim, distribution, **params)


def _read_target(table: _Table, kind: str, dim: int) -> dict[str, Any]:
    table.check_keys(_TARGET_KEYS[kind], f"for a {kind} task")
    if kind == "regression":
        outputs = table.get("outputs")
        if not isinstance(outputs, list) or not outputs:
            wanted = "expected a non-empty list of formulas"
            raise table.error("outputs", f"{wanted}, got {_show(outputs)}")
        parsed = [table.formula(f"outputs[{i}]", text, dim) for i, text in enumerate(outputs)]
        noise = table.number("noise_std", default=0.0, minimum=0.0)
        classes = None
    else:
        parsed = [table.formula("label", table.get("label"), dim)]
        classes = table.integer("classes", minimum=2)
        noise = table.number("label_noise", default=0.0, minimum=0.0, below=1.0)
    return {
        "formulas": tuple(formula.text for formula in parsed),
        "parsed": tuple(parsed),
        "noise": noise,
        "classes": classes,
    }


def load_card_file(path: Path | str, dim: int | None = None) -> TaskCard:
    """Read and validate the card at ``path``; ``dim`` overrides ``inputs.dim``.

    With an override the formulas are checked against the new dimension, so a card
    that names ``x1`` cannot be loaded with ``dim=1``.
    """
    path = Path(path)
    top = _Table(path, _read_toml(path))
    top.check_keys(_TOP_KEYS)
    name = top.text("name")
    if name != path.stem:
        raise top.error("name", f"{name!r} does not match the file name {path.name!r}")
    if not _NAME_PATTERN.fullmatch(name):
        raise top.error("name", f"use lowercase letters, digits, '_' and '-', got {name!r}")
    description = top.text("description")
    kind = top.choice("kind", KINDS)
    loss = top.text("loss")
    if loss != KINDS[kind]:
        raise top.error("loss", f"a {kind} task uses '{KINDS[kind]}', got {_show(loss)}")
    inputs = _read_inputs(top.table("inputs"), dim)
    target = _read_target(top.table("target"), kind, inputs.dim)
    splits_table = top.table("splits")
    splits_table.check_keys(SPLIT_NAMES)
    splits = Splits(*(splits_table.integer(split, minimum=1) for split in SPLIT_NAMES))
    return TaskCard(
        name=name,
        description=description,
        kind=cast(Kind, kind),
        loss=loss,
        inputs=inputs,
        splits=splits,
        path=path,
        **target,
    )
