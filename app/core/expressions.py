"""Expressions: a hardened subset of Python evaluated by simpleeval.

An expression sees only plain JSON data (see `expression_scope`). Dot access is a key
lookup on objects, calls go only to a short whitelist of bare-name functions (no methods),
and every evaluation runs under a Budget (app.core.expression_budget): steps of work are
counted and the sizes of what it builds are checked, so no expression can run away with time
or memory.

The limits and the guarded operators are in app.core.expression_limits, the whitelisted
functions in app.core.expression_functions, parsing and the static checks in
app.core.expression_parsing; this module compiles, evaluates and builds the scope.
"""

from __future__ import annotations

import ast
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

import simpleeval

from app.core.expression_budget import WALK_PER_STEP, Budget
from app.core.expression_functions import FUNCTIONS, bounded_str
from app.core.expression_limits import (
    MAX_COMPREHENSION_LENGTH,
    MAX_EXPRESSION_LENGTH,
    MAX_POWER,
    MAX_SIZE,
    MAX_STEPS,
    MAX_STRING_LENGTH,
    OPERATORS,
    SYMBOLS,
    ExpressionError,
    did_you_mean,
    size_of,
    too_long,
    type_name,
)
from app.core.expression_parsing import parse

__all__ = [
    "FUNCTIONS",
    "JSON_LITERALS",
    "MAX_COMPREHENSION_LENGTH",
    "MAX_EXPRESSION_LENGTH",
    "MAX_POWER",
    "MAX_SIZE",
    "MAX_STEPS",
    "MAX_STRING_LENGTH",
    "Budget",
    "CompiledExpression",
    "ExpressionError",
    "compile_expression",
    "evaluate",
    "expression_problem",
    "expression_scope",
]

RESERVED_NAMES = ("input", "nodes", "params", "run")
# JSON's literals work as names too, next to Python's True, False and None.
JSON_LITERALS: dict[str, Any] = {"true": True, "false": False, "null": None}


@dataclass(frozen=True, slots=True)
class CompiledExpression:
    """A parsed and statically checked expression, ready to evaluate many times."""

    source: str
    node: ast.expr = field(repr=False, compare=False)


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> CompiledExpression:
    """Parse and check `source` once; raises ExpressionError if it is not allowed."""
    try:
        return CompiledExpression(source, parse(source))
    except ExpressionError as err:
        err.expression = source
        raise


def expression_problem(source: str) -> str | None:
    """None if `source` compiles, else the message saying what is wrong."""
    try:
        compile_expression(source)
    except ExpressionError as err:
        return err.message
    return None


# --- evaluation -----------------------------------------------------------------------


# Values of these types hold only values that were themselves checked when evaluated.
_PLAIN_TYPES = frozenset(
    {str, int, float, bool, type(None), list, dict, tuple, set, frozenset, slice}
)
_CONTAINERS = (list, tuple, dict, set, frozenset)
# Functions that take the same time whatever the size of their arguments.
_CONSTANT_TIME = frozenset({"len", "abs", "round", "int", "float", "bool", "get"})


class _Evaluator(simpleeval.EvalWithCompoundTypes):  # type: ignore[misc]
    """simpleeval with key-only dot access, whitelisted calls and our own limits."""

    def __init__(self) -> None:
        super().__init__(operators=dict(OPERATORS), functions={}, names={})
        self.budget = Budget()

    def run(self, node: ast.expr, source: str, names: Mapping[str, Any], budget: Budget) -> Any:
        self.expr = source
        self.names = names
        self.budget = budget
        # simpleeval compares its comprehension counter with its own module global at call
        # time; starting the counter at the difference makes it trip at our limit instead.
        self._max_count = simpleeval.MAX_COMPREHENSION_LENGTH - MAX_COMPREHENSION_LENGTH
        try:
            return self._eval(node)
        finally:
            self.names = {}  # do not keep the caller's scope alive
            self.budget = Budget()

    def _eval(self, node: ast.AST) -> Any:
        budget = self.budget
        budget.left -= 1  # inlined budget.charge(1): this runs for every node
        if budget.left < 0:
            raise budget.exhausted()
        handler = self.nodes.get(type(node))
        if handler is None:
            raise ExpressionError(f"'{type(node).__name__}' is not allowed")
        result = handler(node)
        # simpleeval checks every intermediate result for modules and forbidden functions,
        # recursing into containers (slow on big inputs). The scope is plain data and no
        # function returns anything else, so only unusual types get the check.
        if type(result) not in _PLAIN_TYPES:
            self._check_disallowed_items(result)
        return result

    def _eval_constant(self, node: ast.Constant) -> Any:
        return node.value  # literal sizes are checked once, at compile time

    def _eval_name(self, node: ast.Name) -> Any:
        try:
            return self.names[node.id]
        except KeyError:
            pass
        if node.id in JSON_LITERALS:  # JSON's spelling, unless the data has such a key
            return JSON_LITERALS[node.id]
        hint = did_you_mean(node.id, self.names)
        if not hint and node.id.lower() in ("true", "false", "none", "null"):
            hint = " (use true, false or null)"
        raise ExpressionError(f"unknown name '{node.id}'{hint}") from None

    # Trees come only from compile_expression, so parse()'s static checks have run: no name
    # starting with '_' reaches _eval_attribute, and _eval_call sees only whitelisted bare
    # names. A tree that skipped them would still fail closed: dot access is a key lookup on
    # a mapping (never getattr), and FUNCTIONS[name] is the only way to a callable.

    def _eval_attribute(self, node: ast.Attribute) -> Any:
        base = self._eval(node.value)
        if not isinstance(base, Mapping):
            raise ExpressionError(
                f"cannot read '.{node.attr}' from {type_name(base)} '{ast.unparse(node.value)}'"
                " (dot access works on objects only)"
            )
        try:
            return base[node.attr]
        except KeyError:
            hint = did_you_mean(node.attr, (k for k in base if isinstance(k, str)))
            raise ExpressionError(
                f"'{ast.unparse(node.value)}' has no key '{node.attr}'{hint}"
            ) from None

    def _eval_subscript(self, node: ast.Subscript) -> Any:
        container = self._eval(node.value)
        key = self._eval(node.slice)
        try:
            value = container[key]
        except KeyError:
            raise ExpressionError(f"'{ast.unparse(node.value)}' has no key {key!r}") from None
        except IndexError:
            raise ExpressionError(
                f"index {key!r} is out of range for '{ast.unparse(node.value)}'"
                f" (length {len(container)})"
            ) from None
        except TypeError:
            raise ExpressionError(
                f"cannot index {type_name(container)} '{ast.unparse(node.value)}' with {key!r}"
            ) from None
        if isinstance(key, slice):
            self.budget.charge_value(value)  # a slice is a copy
        return value

    def _eval_call(self, node: ast.Call) -> Any:
        name = cast(ast.Name, node.func).id
        function = FUNCTIONS[name]
        args = [self._eval(arg) for arg in node.args]
        kwargs = {str(kw.arg): self._eval(kw.value) for kw in node.keywords}
        if name not in _CONSTANT_TIME:
            self._charge_call(name, args)
        try:
            if name == "str" and len(args) == 1 and not kwargs:
                return self._text(args[0])
            result = function(*args, **kwargs)
        except ExpressionError:
            raise
        except Exception as exc:
            raise ExpressionError(f"{name}(): {exc}") from None
        self.budget.charge_value(result)
        return result

    def _charge_call(self, name: str, args: list[Any]) -> None:
        """Charge, before the call, for the data a function will scan or copy."""
        for arg in args:
            if name == "sorted" and isinstance(arg, (*_CONTAINERS, str)):
                self.budget.charge_sort(len(arg))
            elif name != "str":
                self.budget.charge_value(arg)

    def _text(self, value: Any) -> str:
        """str(value), refused if it would be too long."""
        # Weighing first is charged and remembered, so str() of big data stops early.
        if isinstance(value, _CONTAINERS):
            # Counting stops just past the limit, so str() of big data is refused cheaply.
            size = self.budget.known_weight(value)
            if size is None:
                size = size_of(value, MAX_STRING_LENGTH)
                self.budget.charge(size // WALK_PER_STEP)
            if size > MAX_STRING_LENGTH:
                raise too_long("str()", None, "characters")
        text = bounded_str(value) if isinstance(value, str | float) else str(value)
        if len(text) > MAX_STRING_LENGTH:
            raise too_long("str()", len(text), "characters")
        # Writing out a container is slower per character than copying text.
        self.budget.charge(len(text) // (64 if isinstance(value, _CONTAINERS) else 256))
        return text

    def _apply(self, op: ast.AST, *operands: Any) -> Any:
        symbol = SYMBOLS[type(op)]
        self._charge_operands(op, operands)
        try:
            result = self.operators[type(op)](*operands)
        except ZeroDivisionError:
            raise ExpressionError(f"division by zero in '{symbol}'") from None
        except OverflowError:
            raise ExpressionError(f"number too large in '{symbol}'") from None
        except TypeError:
            kinds = " and ".join(type_name(o) for o in operands)
            where = "between" if len(operands) > 1 else "for"
            raise ExpressionError(f"'{symbol}' is not supported {where} {kinds}") from None
        self.budget.charge_value(result)
        if isinstance(result, _CONTAINERS):
            self._weigh_result(op, operands, result)
            self.budget.check(result, f"result of '{symbol}'")
        return result

    def _weigh_result(self, op: ast.AST, operands: tuple[Any, ...], result: Any) -> None:
        """`a + b` and `a * n` weigh what their parts weigh: no need to walk the result."""
        weigh = self.budget.weigh
        if isinstance(op, ast.Add):
            self.budget.remember(result, weigh(operands[0]) + weigh(operands[1]) - 1)
        elif isinstance(op, ast.Mult):
            sequence, count = operands if isinstance(operands[1], int) else operands[::-1]
            self.budget.remember(result, 1 + max(0, count) * (weigh(sequence) - 1))

    def _charge_operands(self, op: ast.AST, operands: tuple[Any, ...]) -> None:
        """Charge for comparing or searching data, which costs as much as the data."""
        if not isinstance(op, ast.cmpop):
            return  # arithmetic is charged by the size of its result
        for operand in operands:
            self.budget.charge_value(operand)
        if all(isinstance(o, _CONTAINERS) for o in operands) or (
            isinstance(op, ast.In | ast.NotIn) and isinstance(operands[0], _CONTAINERS)
        ):
            # Containers compare item by item, nested ones included.
            self.budget.charge_items(sum(self.budget.weigh(o) for o in operands))

    def _eval_binop(self, node: ast.BinOp) -> Any:
        return self._apply(node.op, self._eval(node.left), self._eval(node.right))

    def _eval_unaryop(self, node: ast.UnaryOp) -> Any:
        return self._apply(node.op, self._eval(node.operand))

    def _eval_compare(self, node: ast.Compare) -> Any:
        left = self._eval(node.left)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self._eval(comparator)
            if not self._apply(op, left, right):
                return False
            left = right
        return True

    def _eval_joinedstr(self, node: ast.JoinedStr) -> str:
        text = "".join(self._text(self._eval(part)) for part in node.values)
        if len(text) > MAX_STRING_LENGTH:
            raise too_long("f-string", len(text), "characters")
        return text

    # Everything an expression builds is weighed against MAX_SIZE.

    def _eval_list(self, node: ast.List) -> list[Any]:
        return cast(list[Any], self.budget.check(super()._eval_list(node), "list"))

    def _eval_tuple(self, node: ast.Tuple) -> tuple[Any, ...]:
        return cast(tuple[Any, ...], self.budget.check(super()._eval_tuple(node), "list"))

    def _eval_set(self, node: ast.Set) -> set[Any]:
        return cast(set[Any], self.budget.check(super()._eval_set(node), "set"))

    def _eval_dict(self, node: ast.Dict) -> dict[Any, Any]:
        return cast(dict[Any, Any], self.budget.check(super()._eval_dict(node), "object"))

    def _eval_comprehension(self, node: ast.expr) -> Any:
        return self.budget.check(super()._eval_comprehension(node), "comprehension")

    def _eval_formattedvalue(self, node: ast.FormattedValue) -> Any:
        return self._eval(node.value)  # format specs are rejected at compile time


_local = threading.local()


def _evaluator() -> _Evaluator:
    # One evaluator per thread: simpleeval keeps per-evaluation state on the instance.
    evaluator: _Evaluator | None = getattr(_local, "evaluator", None)
    if evaluator is None:
        evaluator = _local.evaluator = _Evaluator()
    return evaluator


def evaluate(
    source: str | CompiledExpression, scope: Mapping[str, Any], budget: Budget | None = None
) -> Any:
    """Evaluate an expression against `scope` (build it with `expression_scope`).

    `budget` is the work it may do (a fresh one of MAX_STEPS by default); pass one Budget to
    several evaluations to share it. Raises ExpressionError for every failure, with a
    message naming what went wrong.
    """
    compiled = source if isinstance(source, CompiledExpression) else compile_expression(source)
    try:
        result = _evaluator().run(compiled.node, compiled.source, scope, budget or Budget())
    except ExpressionError as err:
        err.expression = compiled.source
        raise
    except simpleeval.IterableTooLong:
        message = f"comprehension visits more than {MAX_COMPREHENSION_LENGTH} items"
        raise ExpressionError(message, compiled.source) from None
    except RecursionError:
        raise ExpressionError("expression is too deeply nested", compiled.source) from None
    except Exception as exc:
        raise ExpressionError(f"evaluation failed: {exc}", compiled.source) from None
    if isinstance(result, tuple | set):
        return list(result)  # keep results JSON-shaped
    return result


def _json_copy(value: Any) -> Any:
    try:
        return json.loads(json.dumps(value, default=str))
    except (TypeError, ValueError) as exc:
        raise ExpressionError(f"expression data is not plain JSON data: {exc}") from None


def expression_scope(
    *,
    input: Any,
    nodes: Mapping[str, Any],
    params: Mapping[str, Any],
    run: Mapping[str, Any],
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything an expression can see, as a private JSON copy.

    `input`, `nodes`, `params`, `run` and the `extra` names (e.g. `item`, `index`), plus
    the top-level keys of `input` when it is an object; the named entries win over those.
    """
    raw: dict[str, Any] = {}
    for name in extra or {}:
        if name in RESERVED_NAMES:
            raise ValueError(f"extra name '{name}' is reserved")
    raw.update(extra or {})
    raw.update(input=input, nodes=nodes, params=params, run=run)
    copy: dict[str, Any] = _json_copy(raw)  # one round trip for everything
    scope = dict(copy["input"]) if isinstance(copy["input"], dict) else {}
    scope.update(copy)
    return scope
