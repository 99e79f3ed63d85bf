"""The formula language of task cards: arithmetic over the inputs, parsed by a whitelist.

Task cards are data that anyone may write, so a formula is never handed to ``eval``. The
text goes through ``ast.parse`` and the resulting tree is rebuilt node by node from a
short whitelist (numbers, input names, arithmetic, comparisons and calls to named numpy
functions); anything else is rejected with a one-line message saying what was found.

Names: ``x0 .. x{dim-1}`` are the input columns, ``x`` is the whole ``(n, dim)`` input
matrix (to be reduced with ``sum``, ``mean``, ``prod`` or ``norm`` over the features), and
``pi`` and ``e`` are constants. Comparisons give 0.0 or 1.0, so ``where(x0 > 0, 1, 0)``
and ``(x0 > 0) * x1`` both work.

Every node knows its *rank*: 0 for a constant, 1 for one value per example, 2 for one
value per example and feature. Ranks are checked when the formula is parsed, so a formula
that forgets to reduce ``x`` fails when its card is loaded, not halfway through a run.
Internally a rank-1 value is an ``(n, 1)`` column so that it broadcasts correctly against
the ``(n, dim)`` matrix whatever ``n`` and ``dim`` are.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

__all__ = ["FUNCTIONS", "Formula", "FormulaError", "parse_formula"]

#: Longest formula accepted; cards hold short expressions, and a bound keeps parsing cheap.
MAX_LENGTH = 1000
#: Deepest nesting accepted; keeps the recursive evaluator far from Python's recursion limit.
MAX_DEPTH = 64

SCALAR, COLUMN, MATRIX = 0, 1, 2


class FormulaError(ValueError):
    """A formula is not valid in the task-card language; the message is one line."""


@dataclass(frozen=True)
class _Function:
    impl: Callable[..., Any]
    arity: int
    reduction: bool = False


def _where(condition: Any, if_true: Any, if_false: Any) -> Any:
    return np.where(np.not_equal(condition, 0), if_true, if_false)


def _norm(values: Any, axis: int, keepdims: bool) -> Any:
    return np.linalg.norm(values, axis=axis, keepdims=keepdims)


#: The functions a formula may call. Reductions act on the feature axis of ``x``.
FUNCTIONS: dict[str, _Function] = {
    "sin": _Function(np.sin, 1),
    "cos": _Function(np.cos, 1),
    "tan": _Function(np.tan, 1),
    "tanh": _Function(np.tanh, 1),
    "exp": _Function(np.exp, 1),
    "log": _Function(np.log, 1),
    "sqrt": _Function(np.sqrt, 1),
    "abs": _Function(np.abs, 1),
    "sign": _Function(np.sign, 1),
    "floor": _Function(np.floor, 1),
    "arctan2": _Function(np.arctan2, 2),
    "atan2": _Function(np.arctan2, 2),
    "minimum": _Function(np.minimum, 2),
    "maximum": _Function(np.maximum, 2),
    "mod": _Function(np.mod, 2),
    "where": _Function(_where, 3),
    "sum": _Function(np.sum, 1, reduction=True),
    "mean": _Function(np.mean, 1, reduction=True),
    "prod": _Function(np.prod, 1, reduction=True),
    "norm": _Function(_norm, 1, reduction=True),
}

CONSTANTS: dict[str, float] = {"pi": float(np.pi), "e": float(np.e)}
MATRIX_NAME = "x"
_COLUMN_NAME = re.compile(r"x(0|[1-9][0-9]*)")

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.true_divide,
    ast.Pow: np.power,
    ast.Mod: np.mod,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {
    ast.USub: np.negative,
    ast.UAdd: np.positive,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}
# Messages for rejected operators, naming the symbol the user typed.
_REJECTED_OPERATORS: dict[type[ast.AST], str] = {
    ast.FloorDiv: "operator '//' is not allowed",
    ast.MatMult: "operator '@' is not allowed",
    ast.BitXor: "operator '^' is not allowed (use ** for powers)",
    ast.BitAnd: "operator '&' is not allowed (multiply comparisons instead)",
    ast.BitOr: "operator '|' is not allowed (use maximum() of comparisons)",
    ast.LShift: "operator '<<' is not allowed",
    ast.RShift: "operator '>>' is not allowed",
    ast.Invert: "operator '~' is not allowed",
    ast.Not: "operator 'not' is not allowed (use 1 - (...))",
    ast.In: "operator 'in' is not allowed",
    ast.NotIn: "operator 'not in' is not allowed",
    ast.Is: "operator 'is' is not allowed",
    ast.IsNot: "operator 'is not' is not allowed",
}
# Messages for rejected node types; others fall back to their class name.
_REJECTED_NODES: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access is not allowed",
    ast.Subscript: "subscripts are not allowed",
    ast.Lambda: "lambda expressions are not allowed",
    ast.BoolOp: "'and'/'or' are not allowed (use where(), minimum() or maximum())",
    ast.IfExp: "conditional expressions are not allowed (use where())",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.List: "lists are not allowed",
    ast.Tuple: "tuples are not allowed",
    ast.Set: "sets are not allowed",
    ast.Dict: "dicts are not allowed",
    ast.Starred: "starred arguments are not allowed",
    ast.NamedExpr: "assignment expressions are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
}
_REJECTED = {**_REJECTED_OPERATORS, **_REJECTED_NODES}


class _Node(Protocol):
    rank: int

    def evaluate(self, x: np.ndarray) -> Any: ...


@dataclass(frozen=True)
class _Constant:
    value: float
    rank: int = SCALAR

    def evaluate(self, x: np.ndarray) -> Any:
        return np.float64(self.value)


@dataclass(frozen=True)
class _Column:
    index: int
    rank: int = COLUMN

    def evaluate(self, x: np.ndarray) -> Any:
        return x[:, self.index : self.index + 1]


@dataclass(frozen=True)
class _Matrix:
    rank: int = MATRIX

    def evaluate(self, x: np.ndarray) -> Any:
        return x


@dataclass(frozen=True)
class _Apply:
    """An elementwise operation (operator or function) over already-checked operands."""

    impl: Callable[..., Any]
    operands: tuple[_Node, ...]
    rank: int

    def evaluate(self, x: np.ndarray) -> Any:
        return self.impl(*(operand.evaluate(x) for operand in self.operands))


@dataclass(frozen=True)
class _Reduce:
    impl: Callable[..., Any]
    operand: _Node
    rank: int = COLUMN

    def evaluate(self, x: np.ndarray) -> Any:
        return self.impl(self.operand.evaluate(x), axis=-1, keepdims=True)


@dataclass(frozen=True)
class _Compare:
    """A possibly chained comparison; true is 1.0 and false is 0.0."""

    tests: tuple[Callable[[Any, Any], Any], ...]
    operands: tuple[_Node, ...]
    rank: int

    def evaluate(self, x: np.ndarray) -> Any:
        values = [operand.evaluate(x) for operand in self.operands]
        result: Any = True
        for test, left, right in zip(self.tests, values[:-1], values[1:], strict=True):
            result = np.logical_and(result, test(left, right))
        return np.asarray(result, dtype=np.float64)


def _rejected(node: ast.AST) -> FormulaError:
    default = f"{type(node).__name__} expressions are not allowed"
    return FormulaError(_REJECTED.get(type(node), default))


class _Builder:
    """Turns a parsed expression into evaluator nodes, rejecting anything off the whitelist."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.functions: set[str] = set()

    def build(self, node: ast.AST, depth: int = 0) -> _Node:
        if depth > MAX_DEPTH:
            raise FormulaError(f"formula is nested too deeply (more than {MAX_DEPTH} levels)")
        depth += 1
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.BinOp):
            impl = _BINARY.get(type(node.op))
            if impl is None:
                raise _rejected(node.op)
            return self._apply(impl, [node.left, node.right], depth)
        if isinstance(node, ast.UnaryOp):
            impl = _UNARY.get(type(node.op))
            if impl is None:
                raise _rejected(node.op)
            return self._apply(impl, [node.operand], depth)
        if isinstance(node, ast.Compare):
            return self._compare(node, depth)
        if isinstance(node, ast.Call):
            return self._call(node, depth)
        raise _rejected(node)

    def _apply(self, impl: Callable[..., Any], operands: list[ast.expr], depth: int) -> _Node:
        built = tuple(self.build(operand, depth) for operand in operands)
        return _Apply(impl, built, max(operand.rank for operand in built))

    def _constant(self, node: ast.Constant) -> _Node:
        # bool is a subclass of int, so compare the exact type.
        if type(node.value) not in (int, float):
            kind = "string" if isinstance(node.value, (str, bytes)) else type(node.value).__name__
            raise FormulaError(f"{kind} constants are not allowed; only int and float numbers")
        return _Constant(float(node.value))

    def _name(self, name: str) -> _Node:
        if name in FUNCTIONS:
            raise FormulaError(f"'{name}' is a function; call it as {name}(...)")
        self.names.add(name)
        if name in CONSTANTS:
            return _Constant(CONSTANTS[name])
        if name == MATRIX_NAME:
            return _Matrix()
        if _COLUMN_NAME.fullmatch(name):
            return _Column(int(name[1:]))
        raise FormulaError(
            f"unknown name '{name}'; use x0, x1, ... for input columns, x for all inputs, pi, e"
        )

    def _compare(self, node: ast.Compare, depth: int) -> _Node:
        tests = []
        for op in node.ops:
            test = _COMPARE.get(type(op))
            if test is None:
                raise _rejected(op)
            tests.append(test)
        operands = tuple(self.build(operand, depth) for operand in [node.left, *node.comparators])
        return _Compare(tuple(tests), operands, max(operand.rank for operand in operands))

    def _call(self, node: ast.Call, depth: int) -> _Node:
        if not isinstance(node.func, ast.Name):
            if isinstance(node.func, ast.Attribute):
                raise _rejected(node.func)
            raise FormulaError("only named functions may be called, e.g. sin(x0)")
        name = node.func.id
        function = FUNCTIONS.get(name)
        if function is None:
            raise FormulaError(f"unknown function '{name}'")
        if node.keywords:
            raise FormulaError(f"keyword arguments are not allowed (in call to '{name}')")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise _rejected(arg)
        if len(node.args) != function.arity:
            plural = "" if function.arity == 1 else "s"
            raise FormulaError(
                f"function '{name}' takes {function.arity} argument{plural}, got {len(node.args)}"
            )
        self.functions.add(name)
        if not function.reduction:
            return self._apply(function.impl, node.args, depth)
        operand = self.build(node.args[0], depth)
        if operand.rank != MATRIX:
            raise FormulaError(
                f"{name}() reduces over the features of x, so its argument must involve x"
            )
        return _Reduce(function.impl, operand)


@dataclass(frozen=True)
class Formula:
    """A validated formula: its source text, the names it uses, and its evaluator."""

    text: str
    names: frozenset[str]
    functions: frozenset[str]
    root: _Node = field(repr=False, compare=False)

    @property
    def required_dim(self) -> int:
        """The smallest input dimension the formula can be evaluated on (0: no inputs used)."""
        dims = [int(name[1:]) + 1 for name in self.names if _COLUMN_NAME.fullmatch(name)]
        if MATRIX_NAME in self.names:
            dims.append(1)
        return max(dims, default=0)

    def check_dim(self, dim: int) -> None:
        """Raise ``FormulaError`` if a column name is out of range for ``dim`` inputs."""
        if self.required_dim <= dim:
            return
        columns = sorted(
            (name for name in self.names if _COLUMN_NAME.fullmatch(name)),
            key=lambda name: int(name[1:]),
        )
        highest = columns[-1]
        available = "x0" if dim == 1 else f"x0..x{dim - 1}"
        raise FormulaError(f"name '{highest}' is out of range for dim {dim} (inputs: {available})")

    def evaluate(self, x: np.ndarray) -> np.ndarray:
        """The formula at every row of ``x`` (shape ``(n, dim)``), as a float64 ``(n,)`` array.

        Floating-point warnings are silenced: a ``log`` of a negative number gives NaN, and
        it is the caller's business to decide whether non-finite values are acceptable.
        """
        x = np.asarray(x, dtype=np.float64)
        if x.ndim != 2:
            raise FormulaError(f"inputs must be a 2-D (n, dim) array, got shape {x.shape}")
        self.check_dim(x.shape[1])
        with np.errstate(all="ignore"):
            value = self.root.evaluate(x)
        return np.array(np.broadcast_to(value, (x.shape[0], 1)).reshape(-1), dtype=np.float64)


def parse_formula(text: str, dim: int | None = None) -> Formula:
    """Parse and validate ``text``; with ``dim``, also check its column names against it.

    Raises ``FormulaError`` with a one-line message for anything outside the language.
    """
    if not isinstance(text, str):
        raise FormulaError(f"a formula must be a string, got {type(text).__name__}")
    if not text.strip():
        raise FormulaError("empty formula")
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as error:
        column = f" at column {error.offset}" if error.offset else ""
        raise FormulaError(f"syntax error{column}: {error.msg}") from None
    except (ValueError, RecursionError, MemoryError) as error:
        raise FormulaError(f"cannot parse formula: {error}") from None
    builder = _Builder()
    root = builder.build(tree.body)
    if root.rank == MATRIX:
        raise FormulaError(
            "formula gives one value per input feature (shape (n, dim)); "
            "reduce x with sum(), mean(), prod() or norm()"
        )
    formula = Formula(text, frozenset(builder.names), frozenset(builder.functions), root)
    if dim is not None:
        formula.check_dim(dim)
    return formula
