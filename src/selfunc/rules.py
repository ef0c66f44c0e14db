"""Selections: named rules over candidate columns, parsed without ``eval``.

A rule is a boolean expression over the columns of ``candidates.h5``::

    C1
    C1 or C2
    C1 and p_cluster > 0.5
    (C1 or C2) and p_cluster > 0.5
    not double and 5 < ext <= 60

Grammar (lowest precedence first)::

    expr     := and_expr ("or" and_expr)*
    and_expr := not_expr ("and" not_expr)*
    not_expr := "not" not_expr | compare
    compare  := operand (OP operand)*          OP in < <= > >= == !=
    operand  := NAME | NUMBER | "true" | "false" | "(" expr ")"

``&``, ``|`` and ``!`` are accepted as spellings of ``and``, ``or`` and ``not``; keywords are
case-insensitive, column names are not. A chain ``a < b < c`` means ``a < b and b < c``.
A bare column name must be a boolean column (a class flag); numbers are read in the
column's stored unit (the canonical units of ``docs/catalogues.md``). Comparisons with NaN
are false, so a candidate without ``p_cluster`` never passes ``p_cluster > 0.5``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Union

import numpy as np

from selfunc.errors import SelfuncError

__all__ = ["Selection", "NAMED_SELECTIONS", "parse_rule"]

#: Selections of the paper and of the issue, by name. ``C1+C2`` is the usual X-CLASS union.
NAMED_SELECTIONS: dict[str, str] = {
    "C1": "C1",
    "C2": "C2",
    "C1+C2": "C1 or C2",
    "C1+CNN": "C1 and p_cluster > 0.5",
    "C1+C2+CNN": "(C1 or C2) and p_cluster > 0.5",
}

_OPS = ("<=", ">=", "==", "!=", "<", ">")
_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op><=|>=|==|!=|<|>)"
    r"|(?P<punct>[()&|!])"
    r")"
)
_KEYWORDS = {"and": "and", "or": "or", "not": "not", "true": "true", "false": "false"}
_SYMBOLS = {"&": "and", "|": "or", "!": "not"}


# ---------------------------------------------------------------- syntax tree
@dataclass(frozen=True)
class Name:
    name: str


@dataclass(frozen=True)
class Number:
    value: float


@dataclass(frozen=True)
class Bool:
    value: bool


@dataclass(frozen=True)
class Compare:
    operands: tuple  # n + 1 operands
    ops: tuple       # n operators


@dataclass(frozen=True)
class Not:
    arg: object


@dataclass(frozen=True)
class And:
    args: tuple


@dataclass(frozen=True)
class Or:
    args: tuple


Node = Union[Name, Number, Bool, Compare, Not, And, Or]


# ---------------------------------------------------------------- parser
def _tokenize(text: str) -> list[tuple[str, str, int]]:
    tokens, pos = [], 0
    text = text.rstrip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            raise SelfuncError(
                f"selection {text!r}: cannot read {text[pos:].strip()[:20]!r} at character "
                f"{pos}; expected a column name, a number, a comparison or and/or/not")
        kind = m.lastgroup
        value = m.group(kind)
        start = m.start(kind)
        if kind == "name" and value.lower() in _KEYWORDS:
            kind, value = "keyword", _KEYWORDS[value.lower()]
        elif kind == "punct" and value in _SYMBOLS:
            kind, value = "keyword", _SYMBOLS[value]
        tokens.append((kind, value, start))
        pos = m.end()
    return tokens


class _Parser:
    """Recursive descent over the grammar of the module docstring."""

    def __init__(self, text: str):
        self.text = text
        self.tokens = _tokenize(text)
        self.i = 0

    def error(self, what: str) -> SelfuncError:
        if self.i < len(self.tokens):
            _, value, pos = self.tokens[self.i]
            where = f"at {value!r} (character {pos})"
        else:
            where = "at the end"
        return SelfuncError(f"selection {self.text!r}: {what} {where}")

    def peek(self):
        return self.tokens[self.i] if self.i < len(self.tokens) else (None, None, None)

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def parse(self) -> Node:
        if not self.tokens:
            raise SelfuncError("selection is empty; expected e.g. 'C1' or 'C1 and p_cluster > 0.5'")
        node = self.expr()
        if self.i != len(self.tokens):
            raise self.error("unexpected token")
        return node

    def expr(self) -> Node:
        args = [self.and_expr()]
        while self.peek()[:2] == ("keyword", "or"):
            self.take()
            args.append(self.and_expr())
        return args[0] if len(args) == 1 else Or(tuple(args))

    def and_expr(self) -> Node:
        args = [self.not_expr()]
        while self.peek()[:2] == ("keyword", "and"):
            self.take()
            args.append(self.not_expr())
        return args[0] if len(args) == 1 else And(tuple(args))

    def not_expr(self) -> Node:
        if self.peek()[:2] == ("keyword", "not"):
            self.take()
            return Not(self.not_expr())
        return self.compare()

    def compare(self) -> Node:
        operands, ops = [self.operand()], []
        while self.peek()[0] == "op":
            ops.append(self.take()[1])
            operands.append(self.operand())
        if not ops:
            return operands[0]
        return Compare(tuple(operands), tuple(ops))

    def operand(self) -> Node:
        kind, value, _ = self.peek()
        if kind == "number":
            self.take()
            return Number(float(value))
        if kind == "name":
            self.take()
            return Name(value)
        if kind == "keyword" and value in ("true", "false"):
            self.take()
            return Bool(value == "true")
        if (kind, value) == ("punct", "("):
            self.take()
            node = self.expr()
            if self.peek()[:2] != ("punct", ")"):
                raise self.error("expected ')'")
            self.take()
            return node
        raise self.error("expected a column name, a number or '('")


def parse_rule(text: str) -> Node:
    """Parse a rule into its syntax tree (raises :class:`SelfuncError` on bad syntax)."""
    if not isinstance(text, str):
        raise SelfuncError(f"selection must be a string, got {type(text).__name__}")
    return _Parser(text).parse()


def _columns(node: Node, out: list[str]) -> list[str]:
    if isinstance(node, Name):
        if node.name not in out:
            out.append(node.name)
    elif isinstance(node, Compare):
        for o in node.operands:
            _columns(o, out)
    elif isinstance(node, Not):
        _columns(node.arg, out)
    elif isinstance(node, (And, Or)):
        for a in node.args:
            _columns(a, out)
    return out


# ---------------------------------------------------------------- evaluation
_COMPARE = {
    "<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal,
    "==": np.equal, "!=": np.not_equal,
}


class _Evaluator:
    def __init__(self, table, expression: str, source: str):
        self.table = table
        self.expression = expression
        self.source = source

    def column(self, name: str) -> np.ndarray:
        try:
            col = self.table[name]
        except (KeyError, ValueError):
            hint = " (written by 'selfunc apply-cnn')" if name == "p_cluster" else ""
            raise SelfuncError(
                f"selection {self.expression!r} needs column '{name}'{hint}, which "
                f"{self.source} does not have") from None
        return np.asarray(col)

    def value(self, node: Node) -> np.ndarray | float:
        if isinstance(node, Number):
            return node.value
        if isinstance(node, Bool):
            return node.value
        if isinstance(node, Name):
            arr = self.column(node.name)
            if arr.dtype.kind not in "biuf":
                raise SelfuncError(
                    f"selection {self.expression!r}: column '{node.name}' in {self.source} has "
                    f"dtype {arr.dtype}, expected numbers or booleans")
            return arr
        return self.boolean(node)

    def boolean(self, node: Node) -> np.ndarray | bool:
        if isinstance(node, Bool):
            return node.value
        if isinstance(node, Name):
            arr = self.column(node.name)
            if arr.dtype.kind != "b":
                raise SelfuncError(
                    f"selection {self.expression!r}: column '{node.name}' in {self.source} is "
                    f"not boolean (dtype {arr.dtype}); compare it, e.g. '{node.name} > 0.5'")
            return arr
        if isinstance(node, Number):
            raise SelfuncError(
                f"selection {self.expression!r}: the number {node.value:g} is not a condition")
        if isinstance(node, Compare):
            values = [self.value(o) for o in node.operands]
            result = True
            # NaN compares false under every operator but '!=', so a missing p_cluster
            # (NaN) never passes 'p_cluster > 0.5'; the errstate keeps that quiet.
            with np.errstate(invalid="ignore"):
                for left, op, right in zip(values[:-1], node.ops, values[1:]):
                    result = np.logical_and(result, _COMPARE[op](left, right))
            return result
        if isinstance(node, Not):
            return np.logical_not(self.boolean(node.arg))
        if isinstance(node, And):
            result = True
            for a in node.args:
                result = np.logical_and(result, self.boolean(a))
            return result
        if isinstance(node, Or):
            result = False
            for a in node.args:
                result = np.logical_or(result, self.boolean(a))
            return result
        raise TypeError(f"unknown node {node!r}")  # pragma: no cover - parser bug


@dataclass(frozen=True)
class Selection:
    """A named selection rule over candidate columns.

    Parameters
    ----------
    expression : str
        The rule (module docstring grammar), e.g. ``"(C1 or C2) and p_cluster > 0.5"``.
    name : str, optional
        A label for files and plots; defaults to the expression itself.

    Examples
    --------
    >>> sel = Selection.from_string("C1+CNN")
    >>> sel.expression, sel.columns
    ('C1 and p_cluster > 0.5', ('C1', 'p_cluster'))
    """

    expression: str
    name: str = ""
    tree: Node = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "tree", parse_rule(self.expression))
        if not self.name:
            object.__setattr__(self, "name", self.expression)

    @classmethod
    def from_string(cls, text: str) -> "Selection":
        """A named selection (``NAMED_SELECTIONS``) or else an expression."""
        text = text.strip() if isinstance(text, str) else text
        if text in NAMED_SELECTIONS:
            return cls(NAMED_SELECTIONS[text], name=text)
        return cls(text)

    @property
    def columns(self) -> tuple[str, ...]:
        """Columns the rule reads, in order of first appearance."""
        return tuple(_columns(self.tree, []))

    def apply(self, table: Mapping, *, source: str = "the candidate table") -> np.ndarray:
        """Boolean mask of the rows of ``table`` (any mapping of column → array) that pass.

        ``source`` names the table in error messages (e.g. ``"candidates.h5"``).
        """
        n = len(table) if hasattr(table, "colnames") else None
        result = _Evaluator(table, self.expression, source).boolean(self.tree)
        result = np.asarray(result, dtype=bool)
        if result.ndim == 0:  # a constant rule ("true") still gives one flag per row
            if n is None:
                lengths = {len(np.asarray(v)) for v in table.values()}
                n = lengths.pop() if len(lengths) == 1 else 0
            result = np.full(n, bool(result))
        return result

    def to_dict(self) -> dict:
        return {"name": self.name, "expression": self.expression}

    @classmethod
    def from_dict(cls, d: Mapping) -> "Selection":
        return cls(d["expression"], name=d.get("name", ""))
