"""Experiment files: valid ones expand into cells, bad ones give one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from lrtbench.config import load_cells
from lrtbench.errors import LrtbenchError

VALID = """
name = "tiny"
tasks = ["product", "xor"]
methods = ["sgd", "lrt-input", "lrt-state"]
lr = [0.01, 0.1]
seeds = 3
steps = 20
eval_every = 10
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "experiment.toml"
    path.write_text(text)
    return path


def test_grid_expands_into_cells(tmp_path):
    experiment, cells = load_cells(write(tmp_path, VALID))
    assert experiment.name == "tiny"
    assert len(cells) == 2 * 3 * 2
    assert {c.seeds for c in cells} == {(0, 1, 2)}
    assert len({c.cell_id for c in cells}) == len(cells)
    sgd = [c for c in cells if c.method == "sgd"]
    assert all(c.meta_lr is None and not c.per_example for c in sgd)


def test_meta_lr_and_per_example_only_multiply_lrt_cells(tmp_path):
    text = VALID + "meta_lr = [0.001, 0.01]\nper_example = [false, true]\n"
    _, cells = load_cells(write(tmp_path, text))
    assert len(cells) == 2 * 2 * (1 + 2 * 4)


def test_changing_the_budget_changes_the_cell_id(tmp_path):
    _, short = load_cells(write(tmp_path, VALID))
    _, long = load_cells(write(tmp_path, VALID.replace("steps = 20", "steps = 40")))
    assert short[0].cell_id != long[0].cell_id


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('tasks = ["product", "xor"]', 'tasks = ["product", "nope"]'),
            "tasks[1]: unknown task 'nope'",
        ),
        (
            ('methods = ["sgd", "lrt-input", "lrt-state"]', 'methods = ["adam"]'),
            "methods: unknown method 'adam'",
        ),
        (("seeds = 3", "seeds = 3\ncolour = 1"), "colour: unknown key"),
        (("seeds = 3", 'seeds = "three"'), "seeds: Input should be a valid integer"),
        (("steps = 20", "steps = -5"), "steps: Input should be greater than 0"),
        (("seeds = 3", "seeds = 0"), "seeds: Input should be greater than 0"),
        (("lr = [0.01, 0.1]", "lr = [0.01, -0.1]"), "lr.1: Input should be greater than 0"),
        (("eval_every = 10", "eval_every = 7"), "eval_every: must divide steps"),
        (('name = "tiny"', ""), "name: required key is missing"),
        (("seeds = 3", "seeds = [3"), "malformed TOML"),
    ],
)
def test_bad_experiment_files_give_one_line_errors(tmp_path, change, expected):
    path = write(tmp_path, VALID.replace(*change))
    with pytest.raises(LrtbenchError) as caught:
        load_cells(path)
    message = str(caught.value)
    assert expected in message
    assert message.startswith(str(path))
    assert "\n" not in message


def test_missing_file_is_a_one_line_error(tmp_path):
    with pytest.raises(LrtbenchError, match="cannot read experiment file"):
        load_cells(tmp_path / "absent.toml")


@pytest.mark.parametrize("profile", ["paper", "smoke"])
def test_committed_profiles_are_valid(profile):
    path = Path(__file__).parents[1] / "paper" / "experiments" / f"{profile}.toml"
    _, cells = load_cells(path)
    assert {c.method for c in cells} == {"sgd", "lrt-input", "lrt-state"}
