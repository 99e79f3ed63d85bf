"""The formula language: values against direct numpy code, and everything it must refuse."""

from __future__ import annotations

import numpy as np
import pytest

from lrtbench.tasks.formula import FormulaError, parse_formula

RNG = np.random.default_rng(12345)
X = RNG.uniform(-1.0, 1.0, size=(64, 3))
X0, X1, X2 = X.T


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.8*x0 - 0.5*x1", 0.8 * X0 - 0.5 * X1),
        ("x0**2 + 0.5*x0*x1 - x1**2", X0**2 + 0.5 * X0 * X1 - X1**2),
        ("sin(pi*x0) * cos(pi*x1)", np.sin(np.pi * X0) * np.cos(np.pi * X1)),
        ("exp(-2*sum(x**2))", np.exp(-2 * (X**2).sum(axis=1))),
        ("norm(x)", np.sqrt((X**2).sum(axis=1))),
        ("mean(x) + prod(x)", X.mean(axis=1) + X.prod(axis=1)),
        ("atan2(x1, x0) + arctan2(x0, x1)", np.arctan2(X1, X0) + np.arctan2(X0, X1)),
        ("tanh(x0) / (1 + abs(x2))", np.tanh(X0) / (1 + np.abs(X2))),
        ("sqrt(x0**2 + x1**2) + log(1 + x2**2)", np.hypot(X0, X1) + np.log1p(X2**2)),
        ("sign(x0) * floor(3*x1) + tan(x2)", np.sign(X0) * np.floor(3 * X1) + np.tan(X2)),
        ("minimum(x0, x1) - maximum(x1, x2)", np.minimum(X0, X1) - np.maximum(X1, X2)),
        ("mod(5*x0, 1) + 5*x1 % 1", np.mod(5 * X0, 1) + np.mod(5 * X1, 1)),
        ("where(x0 * x1 > 0, 1, 0)", (X0 * X1 > 0).astype(float)),
        ("(x0 >= 0) + (x1 <= 0) - (x0 == x0)", 1.0 * (X0 >= 0) + 1.0 * (X1 <= 0) - 1.0),
        ("(x2 != 0) * x1", X1),
        ("-x0 + +x1 - e", -X0 + X1 - np.e),
        ("0 < x0 < 0.5", ((X0 > 0) & (X0 < 0.5)).astype(float)),
        ("sum(x * x0)", (X * X0[:, None]).sum(axis=1)),
        ("3", np.full(len(X), 3.0)),
    ],
)
def test_values_match_numpy(text: str, expected: np.ndarray) -> None:
    value = parse_formula(text, dim=3).evaluate(X)
    assert value.shape == (len(X),)
    assert value.dtype == np.float64
    np.testing.assert_allclose(value, expected, rtol=1e-12, atol=1e-12)


def test_column_broadcasting_does_not_depend_on_n_equal_dim() -> None:
    """A per-example value times x must pair rows, also when n happens to equal dim."""
    square = X[:3]
    value = parse_formula("sum(x0 * x)").evaluate(square)
    np.testing.assert_allclose(value, square[:, 0] * square.sum(axis=1))


def test_names_and_required_dim() -> None:
    formula = parse_formula("x3 * sum(x) + pi")
    assert formula.names == {"x3", "x", "pi"}
    assert formula.required_dim == 4
    assert parse_formula("sum(x)").required_dim == 1
    assert parse_formula("2 * pi").required_dim == 0


def assert_rejected(text: str, message: str, dim: int | None = None) -> None:
    with pytest.raises(FormulaError) as caught:
        parse_formula(text, dim=dim)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x0.__class__", "attribute access is not allowed"),
        ("(x0).__class__.__bases__[0]", "not allowed"),
        ("__import__('os')", "unknown function '__import__'"),
        ("__import__('os').system('true')", "attribute access is not allowed"),
        ("system(1)", "unknown function 'system'"),
        ("eval('1')", "unknown function 'eval'"),
        ("x[0]", "subscripts are not allowed"),
        ("lambda: 1", "lambda expressions are not allowed"),
        ("'abc'", "string constants are not allowed"),
        ("sin('x0')", "string constants are not allowed"),
        ("True + x0", "bool constants are not allowed"),
        ("1j * x0", "complex constants are not allowed"),
        ("where(x0 > 0, 1, b=0)", "keyword arguments are not allowed"),
        ("[x0 for x0 in x]", "comprehensions are not allowed"),
        ("sum(v for v in x)", "comprehensions are not allowed"),
        ("x0 if x1 else x2", "conditional expressions are not allowed"),
        ("x0 and x1", "'and'/'or' are not allowed"),
        ("x0 ^ 2", "operator '^' is not allowed"),
        ("x0 // 2", "operator '//' is not allowed"),
        ("not x0", "operator 'not' is not allowed"),
        ("x0 in x", "operator 'in' is not allowed"),
        ("(x0, x1)", "tuples are not allowed"),
        ("sin(*x)", "starred arguments are not allowed"),
        ("(y := 1)", "assignment expressions are not allowed"),
        ("y + 1", "unknown name 'y'"),
        ("x01", "unknown name 'x01'"),
        ("sin", "'sin' is a function"),
        ("x0(1)", "unknown function 'x0'"),
        ("sin(x0, x1)", "function 'sin' takes 1 argument, got 2"),
        ("where(x0, 1)", "function 'where' takes 3 arguments, got 2"),
        ("sin(x0", "syntax error"),
        ("x0 +\n x1", "syntax error"),
        ("", "empty formula"),
        ("-" * 100 + "x0", "nested too deeply"),
        ("x0 + " * 300 + "x0", "longer than"),
    ],
)
def test_forbidden_constructs(text: str, message: str) -> None:
    assert_rejected(text, message)


def test_column_out_of_range() -> None:
    assert_rejected("x0 + x5", "name 'x5' is out of range for dim 2 (inputs: x0..x1)", dim=2)
    assert_rejected("x1", "name 'x1' is out of range for dim 1 (inputs: x0)", dim=1)
    formula = parse_formula("x5")
    with pytest.raises(FormulaError, match="'x5' is out of range for dim 3"):
        formula.evaluate(X)


@pytest.mark.parametrize("text", ["x**2", "x", "x0 + x", "sin(x)", "where(x > 0, 1, 0)"])
def test_unreduced_vector_formula_rejected(text: str) -> None:
    assert_rejected(text, "one value per input feature")


@pytest.mark.parametrize("text", ["sum(x0)", "norm(3)", "mean(sum(x))"])
def test_reduction_needs_the_input_matrix(text: str) -> None:
    assert_rejected(text, "must involve x")


def test_evaluate_needs_a_matrix() -> None:
    with pytest.raises(FormulaError, match="2-D"):
        parse_formula("x0").evaluate(X0)


def test_non_finite_values_are_returned_quietly() -> None:
    """Warnings are silenced; whether NaN is acceptable is for the caller to decide."""
    value = parse_formula("log(x0) + 1 / (x1 - x1)").evaluate(X)
    assert not np.isfinite(value).any()
