"""The task registry: built-in cards, data generation, checksums and card validation."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from lrtbench.tasks import (
    CHECKSUM_FILE,
    TaskCard,
    TaskCardError,
    TaskData,
    UnknownTaskError,
    generate,
    list_tasks,
    load_card_file,
    load_task,
    task_checksum,
    verify_checksums,
    write_checksums,
)

BUILTIN = [card.name for card in list_tasks()]
REGRESSION = [card.name for card in list_tasks() if card.kind == "regression"]
CLASSIFICATION = [card.name for card in list_tasks() if card.kind == "classification"]
SPLITS = ("train", "val", "test")

PAPER_TASKS = (
    "linear",
    "quadratic",
    "product",
    "trig",
    "cubic",
    "radial",
    "xor",
    "spirals",
    "circles",
)


@cache
def builtin_data(name: str, seed: int = 0) -> TaskData:
    return generate(load_task(name), seed)


def split_arrays(data: TaskData, split: str) -> tuple[np.ndarray, np.ndarray]:
    return getattr(data, f"x_{split}"), getattr(data, f"y_{split}")


# --- writing cards -----------------------------------------------------------------------


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return repr(value)


def to_toml(card: dict[str, Any]) -> str:
    """A minimal TOML writer for cards: top-level scalars, then one level of tables."""
    lines = [
        f"{key} = {toml_value(value)}" for key, value in card.items() if not isinstance(value, dict)
    ]
    for key, table in card.items():
        if isinstance(table, dict):
            lines.append(f"\n[{key}]")
            lines += [f"{name} = {toml_value(value)}" for name, value in table.items()]
    return "\n".join(lines) + "\n"


REGRESSION_CARD: dict[str, Any] = {
    "name": "bad",
    "description": "A card for tests",
    "kind": "regression",
    "loss": "mse",
    "inputs": {"dim": 2, "distribution": "uniform", "low": -1.0, "high": 1.0},
    "target": {"outputs": ["x0 * x1", "sin(pi*x0) + x1**2"], "noise_std": 0.0},
    "splits": {"train": 50, "val": 40, "test": 30},
}
CLASSIFICATION_CARD: dict[str, Any] = {
    **REGRESSION_CARD,
    "kind": "classification",
    "loss": "bce",
    "target": {"label": "where(x0 > 0, 1, 0)", "classes": 2, "label_noise": 0.0},
}


def write_card(folder: Path, card: dict[str, Any], stem: str | None = None) -> Path:
    path = folder / f"{stem or card['name']}.toml"
    path.write_text(to_toml(card), encoding="utf-8")
    return path


def card_with(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of ``base`` with dotted keys set (``None`` deletes the key)."""
    card = copy.deepcopy(base)
    for dotted, value in changes.items():
        *tables, key = dotted.split("__")
        target = card
        for table in tables:
            target = target[table]
        if value is None:
            del target[key]
        else:
            target[key] = value
    return card


# --- built-in cards ----------------------------------------------------------------------


def test_builtin_cards_are_present() -> None:
    expected = {"linear", "quadratic", "product", "trig", "cubic", "radial"}
    assert expected <= set(REGRESSION)
    assert {"xor", "spirals", "circles"} <= set(CLASSIFICATION)
    assert sorted(BUILTIN) == BUILTIN


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_card_shapes(name: str) -> None:
    card = load_task(name)
    data = builtin_data(name)
    assert card.loss == {"regression": "mse", "classification": "bce"}[card.kind]
    assert (data.input_dim, data.output_dim) == (card.input_dim, card.output_dim)
    if name in PAPER_TASKS:  # the paper's 2-10-2 network needs two inputs and two outputs
        assert (card.input_dim, card.output_dim) == (2, 2)
    for split, size in card.splits.sizes().items():
        x, y = split_arrays(data, split)
        assert x.shape == (size, card.input_dim)
        assert y.shape == (size, card.output_dim)
        assert x.dtype == y.dtype == np.float64
        assert np.isfinite(x).all()
        assert np.isfinite(y).all()


@pytest.mark.parametrize("name", BUILTIN)
def test_generation_is_deterministic(name: str) -> None:
    card = load_task(name)
    first, again, other = builtin_data(name), generate(card, 0), generate(card, 1)
    for a, b in zip(first.arrays(), again.arrays(), strict=True):
        np.testing.assert_array_equal(a, b)
    for split in SPLITS:
        assert not np.array_equal(split_arrays(first, split)[0], split_arrays(other, split)[0])


def test_generation_ignores_global_random_state() -> None:
    card = load_task("linear")
    np.random.seed(1)
    state = np.random.get_state()[1].copy()
    first = generate(card, 3)
    np.testing.assert_array_equal(np.random.get_state()[1], state)
    np.random.seed(2)
    np.testing.assert_array_equal(generate(card, 3).x_train, first.x_train)


@pytest.mark.parametrize("name", BUILTIN)
def test_splits_are_pairwise_disjoint(name: str) -> None:
    data = builtin_data(name)
    rows = {split: {row.tobytes() for row in split_arrays(data, split)[0]} for split in SPLITS}
    assert not rows["train"] & rows["val"]
    assert not rows["train"] & rows["test"]
    assert not rows["val"] & rows["test"]


def test_splits_come_from_separate_streams(tmp_path: Path) -> None:
    """Resizing the validation split changes neither the training nor the test data."""
    base = card_with(REGRESSION_CARD, target__noise_std=0.1)
    small = generate(load_card_file(write_card(tmp_path, base)), 7)
    bigger = card_with(base, splits__val=500)
    (tmp_path / "other").mkdir()
    large = generate(load_card_file(write_card(tmp_path / "other", bigger)), 7)
    for split in ("train", "test"):
        for a, b in zip(split_arrays(small, split), split_arrays(large, split), strict=True):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(small.x_val, large.x_val[:40])


def test_task_name_keys_the_stream(tmp_path: Path) -> None:
    first = generate(load_card_file(write_card(tmp_path, REGRESSION_CARD)), 0)
    renamed = card_with(REGRESSION_CARD, name="other")
    second = generate(load_card_file(write_card(tmp_path, renamed)), 0)
    assert not np.array_equal(first.x_train, second.x_train)


# --- checksums ---------------------------------------------------------------------------


def test_checksum_file_covers_exactly_the_builtin_cards() -> None:
    stored = json.loads(CHECKSUM_FILE.read_text(encoding="utf-8"))
    assert sorted(stored) == BUILTIN


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_data_matches_stored_checksum(name: str) -> None:
    stored = json.loads(CHECKSUM_FILE.read_text(encoding="utf-8"))
    assert task_checksum(load_task(name)) == stored[name], (
        f"data of task {name!r} changed; if intended, run python -m lrtbench.tasks --write"
    )


def test_verify_and_write_checksums_for_user_cards(tmp_path: Path) -> None:
    write_card(tmp_path, REGRESSION_CARD)
    assert verify_checksums(tmp_path) == ["bad"]
    path = write_checksums(tmp_path)
    assert path == tmp_path / "checksums.json"
    assert json.loads(path.read_text()) == {
        "bad": task_checksum(load_card_file(path.parent / "bad.toml"))
    }
    assert verify_checksums(tmp_path) == []
    write_card(tmp_path, card_with(REGRESSION_CARD, splits__test=31))
    assert verify_checksums(tmp_path) == ["bad"]


# --- classification ----------------------------------------------------------------------


@pytest.mark.parametrize("name", CLASSIFICATION)
def test_classification_targets_are_balanced_one_hot(name: str) -> None:
    data = builtin_data(name)
    for split in SPLITS:
        y = split_arrays(data, split)[1]
        assert set(np.unique(y)) == {0.0, 1.0}
        np.testing.assert_array_equal(y.sum(axis=1), 1.0)
        share = y.mean(axis=0)
        assert ((share > 0.3) & (share < 0.7)).all(), f"{name} {split}: class shares {share}"


def test_label_noise_replaces_labels_by_random_classes(tmp_path: Path) -> None:
    clean = card_with(CLASSIFICATION_CARD, splits__train=4000)
    noisy = card_with(clean, name="noisy", target__label_noise=0.4)
    data = generate(load_card_file(write_card(tmp_path, noisy)), 0)
    exact = (data.x_train[:, 0] > 0).astype(int)
    flipped = np.mean(data.y_train.argmax(axis=1) != exact)
    assert 0.15 < flipped < 0.25  # a random class is the right one half of the time


@pytest.mark.parametrize(
    ("label", "message"),
    [("2 * where(x0 > 0, 1, 0)", "class indices 0..1, got 2"), ("-1", "got -1")],
)
def test_labels_outside_the_classes_are_rejected(tmp_path: Path, label: str, message: str) -> None:
    path = write_card(tmp_path, card_with(CLASSIFICATION_CARD, target__label=label))
    with pytest.raises(TaskCardError, match=r"bad\.toml: target\.label: .*" + message):
        generate(load_card_file(path), 0)


def test_three_classes(tmp_path: Path) -> None:
    card = card_with(CLASSIFICATION_CARD, target__label="floor(1.5 * (x0 + 1))", target__classes=3)
    data = generate(load_card_file(write_card(tmp_path, card)), 0)
    assert data.output_dim == 3
    np.testing.assert_array_equal(
        data.y_test.argmax(axis=1), np.floor(1.5 * (data.x_test[:, 0] + 1))
    )


# --- regression targets and inputs -------------------------------------------------------


def test_noiseless_targets_equal_the_formulas(tmp_path: Path) -> None:
    data = generate(load_card_file(write_card(tmp_path, REGRESSION_CARD)), 0)
    for split in SPLITS:
        x, y = split_arrays(data, split)
        expected = np.stack([x[:, 0] * x[:, 1], np.sin(np.pi * x[:, 0]) + x[:, 1] ** 2], axis=1)
        np.testing.assert_allclose(y, expected, rtol=1e-14, atol=1e-15)


def test_noise_has_the_declared_scale(tmp_path: Path) -> None:
    card = card_with(REGRESSION_CARD, target__noise_std=0.05, splits__train=4000)
    data = generate(load_card_file(write_card(tmp_path, card)), 0)
    x = data.x_train
    residual = data.y_train - np.stack(
        [x[:, 0] * x[:, 1], np.sin(np.pi * x[:, 0]) + x[:, 1] ** 2], 1
    )
    assert 0.045 < residual.std() < 0.055
    assert abs(residual.mean()) < 0.005


def test_uniform_and_normal_inputs(tmp_path: Path) -> None:
    uniform = card_with(REGRESSION_CARD, inputs__low=2.0, inputs__high=3.0, splits__train=4000)
    x = generate(load_card_file(write_card(tmp_path, uniform)), 0).x_train
    assert x.min() >= 2.0
    assert x.max() < 3.0
    normal = card_with(
        REGRESSION_CARD,
        name="gauss",
        inputs={"dim": 2, "distribution": "normal", "mean": 1.0, "std": 0.5},
        splits__train=4000,
    )
    x = generate(load_card_file(write_card(tmp_path, normal)), 0).x_train
    np.testing.assert_allclose(x.mean(axis=0), 1.0, atol=0.05)
    np.testing.assert_allclose(x.std(axis=0), 0.5, atol=0.05)


def test_non_finite_targets_are_rejected(tmp_path: Path) -> None:
    path = write_card(tmp_path, card_with(REGRESSION_CARD, target__outputs=["x0", "log(x0)"]))
    with pytest.raises(TaskCardError, match=r"bad\.toml: target\.outputs\[1\]: .*non-finite"):
        generate(load_card_file(path), 0)


# --- dimension override ------------------------------------------------------------------


def test_dim_override_for_radial() -> None:
    card = load_task("radial", dim=5)
    assert card.input_dim == 5
    data = generate(card, 0)
    assert data.x_train.shape == (1000, 5)
    bump = np.exp(-2 * (data.x_train**2).sum(axis=1))
    np.testing.assert_allclose(data.y_train[:, 0], bump, atol=0.06)  # noise std 0.01


def test_dim_override_below_the_formula_needs() -> None:
    with pytest.raises(TaskCardError) as caught:
        load_task("linear", dim=1)
    message = str(caught.value)
    assert "linear.toml: target.outputs[0]: name 'x1' is out of range for dim 1" in message
    assert "\n" not in message


def test_dim_override_must_be_positive() -> None:
    with pytest.raises(TaskCardError, match=r"inputs\.dim: expected an integer >= 1, got 0"):
        load_task("radial", dim=0)


# --- registry ----------------------------------------------------------------------------


def test_unknown_task_lists_the_known_ones() -> None:
    with pytest.raises(UnknownTaskError, match="unknown task 'foo'; known: circles, cubic"):
        load_task("foo")


def test_user_cards_join_the_builtin_ones(tmp_path: Path) -> None:
    write_card(tmp_path, card_with(REGRESSION_CARD, name="mine"))
    names = [card.name for card in list_tasks(tmp_path)]
    assert names == sorted([*BUILTIN, "mine"])
    assert load_task("mine", search_dir=tmp_path).path == tmp_path / "mine.toml"
    with pytest.raises(UnknownTaskError):
        load_task("mine")


def test_user_card_cannot_shadow_a_builtin(tmp_path: Path) -> None:
    write_card(tmp_path, card_with(REGRESSION_CARD, name="xor"))
    with pytest.raises(TaskCardError, match="task 'xor' is defined twice"):
        list_tasks(tmp_path)


@pytest.mark.parametrize("name", BUILTIN)
def test_summary_round_trips_through_toml(tmp_path: Path, name: str) -> None:
    card = load_task(name)
    summary = card.summary()
    fields = {
        key: value
        for key, value in summary.items()
        if key not in ("input_dim", "output_dim", "path")
    }
    copy_ = load_card_file(write_card(tmp_path, fields))
    assert copy_.summary() == {**summary, "path": str(tmp_path / f"{name}.toml")}
    text = card.describe()
    assert text.startswith(f"{name}: {card.description}")
    assert all(formula in text for formula in card.formulas)
    assert "train 1000, val 1000, test 1000" in text


# --- bad cards ---------------------------------------------------------------------------

BadCase = tuple[str, dict[str, Any], str, str]
BAD_CARDS: list[BadCase] = [
    ("unknown top-level key", card_with(REGRESSION_CARD, colour="red"), "colour", "unknown key"),
    (
        "unknown nested key",
        card_with(REGRESSION_CARD, inputs__mean=0.0),
        "inputs.mean",
        "unknown key for distribution 'uniform'",
    ),
    (
        "unknown split",
        card_with(REGRESSION_CARD, splits__holdout=5),
        "splits.holdout",
        "unknown key",
    ),
    (
        "classification key in regression",
        card_with(REGRESSION_CARD, target__classes=2),
        "target.classes",
        "unknown key for a regression task",
    ),
    ("wrong type", card_with(REGRESSION_CARD, inputs__dim="two"), "inputs.dim", "got 'two'"),
    ("dim below one", card_with(REGRESSION_CARD, inputs__dim=-3), "inputs.dim", ">= 1, got -3"),
    ("bool as int", card_with(REGRESSION_CARD, splits__val=True), "splits.val", "got true"),
    ("negative split", card_with(REGRESSION_CARD, splits__train=-5), "splits.train", "got -5"),
    ("missing top key", card_with(REGRESSION_CARD, description=None), "description", "missing"),
    ("missing nested key", card_with(REGRESSION_CARD, splits__test=None), "splits.test", "missing"),
    ("missing table", card_with(REGRESSION_CARD, target=None), "target", "missing"),
    ("table as scalar", card_with(REGRESSION_CARD, splits=3), "splits", "expected a table"),
    ("name not stem", card_with(REGRESSION_CARD, name="good"), "name", "does not match"),
    ("multi-line text", card_with(REGRESSION_CARD, description="a\nb"), "description", "one"),
    ("bad kind", card_with(REGRESSION_CARD, kind="ranking"), "kind", "got 'ranking'"),
    ("kind as list", card_with(REGRESSION_CARD, kind=["regression"]), "kind", "got ['regression']"),
    ("classification with mse", card_with(CLASSIFICATION_CARD, loss="mse"), "loss", "uses 'bce'"),
    ("regression with bce", card_with(REGRESSION_CARD, loss="bce"), "loss", "uses 'mse'"),
    (
        "bad distribution",
        card_with(REGRESSION_CARD, inputs__distribution="beta"),
        "inputs.distribution",
        "'beta'",
    ),
    ("empty interval", card_with(REGRESSION_CARD, inputs__high=-1.0), "inputs.high", "> -1"),
    (
        "infinite bound",
        card_with(REGRESSION_CARD, inputs__low=float("-inf")),
        "inputs.low",
        "finite",
    ),
    (
        "non-positive std",
        card_with(
            REGRESSION_CARD, inputs={"dim": 2, "distribution": "normal", "mean": 0, "std": 0}
        ),
        "inputs.std",
        "> 0, got 0",
    ),
    (
        "negative noise",
        card_with(REGRESSION_CARD, target__noise_std=-0.1),
        "target.noise_std",
        ">= 0",
    ),
    ("no outputs", card_with(REGRESSION_CARD, target__outputs=[]), "target.outputs", "non-empty"),
    (
        "number as formula",
        card_with(REGRESSION_CARD, target__outputs=[1.5]),
        "target.outputs[0]",
        "string",
    ),
    (
        "unknown function",
        card_with(REGRESSION_CARD, target__outputs=["x0", "system(1)"]),
        "target.outputs[1]",
        "unknown function 'system'",
    ),
    (
        "attribute access",
        card_with(REGRESSION_CARD, target__outputs=["x0.__class__"]),
        "target.outputs[0]",
        "attribute access is not allowed",
    ),
    (
        "column out of range",
        card_with(REGRESSION_CARD, target__outputs=["x5"]),
        "target.outputs[0]",
        "'x5' is out of range for dim 2",
    ),
    (
        "unreduced vector",
        card_with(REGRESSION_CARD, target__outputs=["x**2"]),
        "target.outputs[0]",
        "one value per input feature",
    ),
    ("one class", card_with(CLASSIFICATION_CARD, target__classes=1), "target.classes", ">= 2"),
    (
        "certain label noise",
        card_with(CLASSIFICATION_CARD, target__label_noise=1.0),
        "target.label_noise",
        "< 1",
    ),
    (
        "missing label",
        card_with(CLASSIFICATION_CARD, target__label=None),
        "target.label",
        "missing",
    ),
    (
        "bad label",
        card_with(CLASSIFICATION_CARD, target__label="x0[0]"),
        "target.label",
        "subscripts",
    ),
]


@pytest.mark.parametrize(
    ("card", "key", "message"),
    [case[1:] for case in BAD_CARDS],
    ids=[case[0] for case in BAD_CARDS],
)
def test_bad_card_is_rejected(tmp_path: Path, card: dict[str, Any], key: str, message: str) -> None:
    path = write_card(tmp_path, card, stem="bad")
    assert_card_error(lambda: load_card_file(path), f"{path}: {key}: ", message)


def assert_card_error(load: Callable[[], TaskCard], prefix: str, message: str) -> None:
    with pytest.raises(TaskCardError) as caught:
        load()
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(prefix), text
    assert message in text, text


def test_malformed_toml(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('name = "bad"\ndescription = \n[inputs\n', encoding="utf-8")
    assert_card_error(lambda: load_card_file(path), f"{path}: malformed TOML: ", "line 2")


def test_missing_card_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.toml"
    assert_card_error(lambda: load_card_file(path), f"{path}: cannot read card", "")
