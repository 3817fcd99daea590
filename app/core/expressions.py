"""Expressions: a hardened subset of Python evaluated by simpleeval.

An expression sees only plain JSON data (see `expression_scope`). Dot access is a key
lookup on objects, calls go only to a short whitelist of bare-name functions (no methods),
and sizes are capped so no expression can run away with time or memory.

The limits below are ours: they are enforced by our own operators and overrides, and
simpleeval's module globals (`simpleeval.MAX_POWER` and friends) are never assigned, so
importing this module does not change simpleeval for anyone else in the process.
"""

from __future__ import annotations

import ast
import difflib
import json
import operator
import threading
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import islice
from typing import Any

import simpleeval

__all__ = [
    "FUNCTIONS",
    "MAX_COMPREHENSION_LENGTH",
    "MAX_EXPRESSION_LENGTH",
    "MAX_POWER",
    "MAX_STRING_LENGTH",
    "CompiledExpression",
    "ExpressionError",
    "compile_expression",
    "evaluate",
    "expression_problem",
    "expression_scope",
]

MAX_POWER = 1000  # largest exponent of `**`
MAX_INT_BITS = 10_000  # largest integer `**` may produce (about 3,000 digits)
MAX_STRING_LENGTH = 10_000  # longest text (or repeated list) an expression may build
MAX_COMPREHENSION_LENGTH = 1000  # most items all comprehensions of one evaluation may visit
MAX_EXPRESSION_LENGTH = 10_000  # longest expression source
MAX_DEPTH = 100  # deepest syntax tree (evaluation recurses about twice per level)
MAX_ROUND_DIGITS = 100

RESERVED_NAMES = ("input", "nodes", "params", "run")


class ExpressionError(ValueError):
    """A bad expression; str(err) is a one-line message naming what is wrong."""

    def __init__(self, message: str, expression: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.expression = expression


@dataclass(frozen=True, slots=True)
class CompiledExpression:
    """A parsed and statically checked expression, ready to evaluate many times."""

    source: str
    node: ast.expr = field(repr=False, compare=False)


def _kind(value: Any) -> str:
    return "None" if value is None else type(value).__name__


def _hint(word: str, options: Iterable[str]) -> str:
    matches = difflib.get_close_matches(word, list(islice(options, 1000)), n=1)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


# --- size guards -------------------------------------------------------------------


def _size(value: Any, budget: int) -> int:
    """Rough serialized size of `value` (characters of text, one per other item).

    Stops counting soon after `budget` is passed, so it is cheap even on big data.
    """
    total, stack = 0, [value]
    while stack and total <= budget:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, Mapping):
            total += 1
            stack.extend(islice(item.keys(), budget - total + 1))
            stack.extend(islice(item.values(), budget - total + 1))
        elif isinstance(item, list | tuple | set | frozenset):
            total += 1
            stack.extend(islice(item, budget - total + 1))
        else:
            total += 1
    return total


def _too_long(what: str, size: int | None, unit: str = "items") -> ExpressionError:
    """`size` None means "somewhere past the limit" (counting stopped early)."""
    amount = f"{size} {unit}" if size is not None else f"more than {MAX_STRING_LENGTH} {unit}"
    return ExpressionError(f"{what} would be too long ({amount}, limit {MAX_STRING_LENGTH})")


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, str) and isinstance(b, str) and len(a) + len(b) > MAX_STRING_LENGTH:
        raise _too_long("result of '+'", len(a) + len(b), "characters")
    return a + b


def _mult(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, str | list | tuple):
        a, b = b, a
    if isinstance(a, str | list | tuple) and isinstance(b, int):
        count = len(a) * b
        if count > MAX_STRING_LENGTH:
            raise _too_long("result of '*'", count, "characters" if isinstance(a, str) else "items")
        # [[0] * 10000] * 10000 is short at the top but huge once serialized.
        nested = b > 0 and not isinstance(a, str)
        if nested and b * (_size(a, MAX_STRING_LENGTH // b + 1) - 1) > MAX_STRING_LENGTH:
            raise _too_long("result of '*'", None, "items, counting nested ones")
    return a * b


def _power(a: Any, b: Any) -> Any:
    if isinstance(b, int | float) and abs(b) > MAX_POWER:
        raise ExpressionError(f"exponent {b} is too large (limit {MAX_POWER})")
    if isinstance(a, int) and isinstance(b, int) and b > 0 and a.bit_length() * b > MAX_INT_BITS:
        raise ExpressionError(f"{a} ** {b} would be too large")
    result = a**b
    if isinstance(result, complex):
        raise ExpressionError(f"({a}) ** {b} is not a real number")
    return result


_OPERATORS: dict[type[ast.AST], Callable[..., Any]] = {
    ast.Add: _add,
    ast.Sub: operator.sub,
    ast.Mult: _mult,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: _power,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
    ast.Not: operator.not_,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda x, y: x in y,
    ast.NotIn: lambda x, y: x not in y,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
}

_SYMBOLS: dict[type[ast.AST], str] = {
    ast.Add: "+",
    ast.Sub: "-",
    ast.Mult: "*",
    ast.Div: "/",
    ast.FloorDiv: "//",
    ast.Mod: "%",
    ast.Pow: "**",
    ast.USub: "-",
    ast.UAdd: "+",
    ast.Not: "not",
    ast.Eq: "==",
    ast.NotEq: "!=",
    ast.Lt: "<",
    ast.LtE: "<=",
    ast.Gt: ">",
    ast.GtE: ">=",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitAnd: "&",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.Invert: "~",
}


# --- whitelisted functions ---------------------------------------------------------


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ExpressionError(f"{name}() needs text, not {_kind(value)}")
    return value


def _lower(s: Any) -> str:
    return _text("lower", s).lower()


def _upper(s: Any) -> str:
    return _text("upper", s).upper()


def _affixes(name: str, value: Any) -> str | tuple[str, ...]:
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return _text(name, value)


def _startswith(s: Any, prefix: Any) -> bool:
    return _text("startswith", s).startswith(_affixes("startswith", prefix))


def _endswith(s: Any, suffix: Any) -> bool:
    return _text("endswith", s).endswith(_affixes("endswith", suffix))


def _contains(container: Any, item: Any) -> bool:
    return item in container


def _mapping(name: str, value: Any) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise ExpressionError(f"{name}() needs an object, not {_kind(value)}")
    return value


def _keys(d: Any) -> list[Any]:
    return list(_mapping("keys", d).keys())


def _values(d: Any) -> list[Any]:
    return list(_mapping("values", d).values())


def _get(container: Any, key: Any, default: Any = None) -> Any:
    if isinstance(container, Mapping):
        return container.get(key, default)
    if isinstance(container, list | tuple | str) and isinstance(key, int):
        return container[key] if -len(container) <= key < len(container) else default
    raise ExpressionError(f"get() needs an object or a list, not {_kind(container)}")


def _str(value: Any = "") -> str:
    plain = isinstance(value, str | int | float | bool | None)
    if not plain and _size(value, MAX_STRING_LENGTH) > MAX_STRING_LENGTH:
        raise _too_long("str()", None, "characters")
    text = str(value)
    if len(text) > MAX_STRING_LENGTH:
        raise _too_long("str()", len(text), "characters")
    return text


def _round(number: Any, ndigits: Any = None) -> Any:
    if ndigits is None:
        return round(number)
    if not isinstance(ndigits, int) or abs(ndigits) > MAX_ROUND_DIGITS:
        raise ExpressionError(
            f"round() digits must be a whole number from {-MAX_ROUND_DIGITS} to {MAX_ROUND_DIGITS}"
        )
    return round(number, ndigits)


def _sum(values: Any, start: Any = 0) -> Any:
    items = list(values)
    for item in [start, *items]:
        if not isinstance(item, int | float):
            raise ExpressionError(f"sum() works on numbers only, not {_kind(item)}")
    return sum(items, start)


_NO_DEFAULT: Any = object()


def _extreme(pick: Callable[..., Any]) -> Callable[..., Any]:
    # Wrapped so `key=` (which would need a function value) is not accepted.
    def choose(*args: Any, default: Any = _NO_DEFAULT) -> Any:
        if default is _NO_DEFAULT:
            return pick(*args)
        return pick(*args, default=default)

    return choose


def _sorted(values: Any, *, reverse: bool = False) -> list[Any]:
    return sorted(values, reverse=bool(reverse))


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len,
    "min": _extreme(min),
    "max": _extreme(max),
    "abs": abs,
    "round": _round,
    "int": int,
    "float": float,
    "str": _str,
    "bool": bool,
    "sum": _sum,
    "sorted": _sorted,
    "any": any,
    "all": all,
    "lower": _lower,
    "upper": _upper,
    "contains": _contains,
    "startswith": _startswith,
    "endswith": _endswith,
    "keys": _keys,
    "values": _values,
    "get": _get,
}


# --- static checks ------------------------------------------------------------------

_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Constant,
    ast.Name,
    ast.Load,
    ast.Store,
    ast.Attribute,
    ast.Subscript,
    ast.Slice,
    ast.BinOp,
    ast.UnaryOp,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.Compare,
    ast.IfExp,
    ast.Call,
    ast.keyword,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Set,
    ast.ListComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.comprehension,
    ast.JoinedStr,
    ast.FormattedValue,
    ast.Starred,
    *_OPERATORS,
)

_NOT_ALLOWED: dict[type[ast.AST], str] = {
    ast.Lambda: "lambda is not allowed",
    ast.NamedExpr: "assignment (':=') is not allowed",
    ast.SetComp: "set comprehensions are not allowed",
    ast.Await: "'await' is not allowed",
    ast.Yield: "'yield' is not allowed",
    ast.YieldFrom: "'yield' is not allowed",
}

_STATEMENTS: dict[type[ast.AST], str] = {
    ast.Assign: "assignment is not allowed (use '==' to compare)",
    ast.AugAssign: "assignment is not allowed",
    ast.AnnAssign: "assignment is not allowed",
    ast.Import: "import is not allowed",
    ast.ImportFrom: "import is not allowed",
    ast.Delete: "'del' is not allowed",
}


def _check_tree(root: ast.expr) -> None:
    """Check every node, parents before children, and cap the nesting depth."""
    starred_ok: set[int] = set()
    stack: list[tuple[ast.AST, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExpressionError(f"expression is too deeply nested (limit {MAX_DEPTH} levels)")
        _check_node(node, starred_ok)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _check_node(node: ast.AST, starred_ok: set[int]) -> None:
    """Reject anything outside the small language we support."""
    if not isinstance(node, _ALLOWED_NODES):
        kind = type(node)
        if kind in _SYMBOLS:
            raise ExpressionError(f"operator '{_SYMBOLS[kind]}' is not allowed")
        raise ExpressionError(_NOT_ALLOWED.get(kind, f"'{kind.__name__}' is not allowed"))
    if isinstance(node, ast.Constant):
        value = node.value
        if not isinstance(value, str | int | float | bool | None):
            raise ExpressionError(f"literal {value!r} is not allowed")
        if isinstance(value, str) and len(value) > MAX_STRING_LENGTH:
            raise _too_long("text literal", len(value), "characters")
    elif isinstance(node, ast.Attribute):
        if node.attr.startswith("_"):
            raise ExpressionError(
                f"attribute '{node.attr}' is not allowed (names starting with '_' are private)"
            )
    elif isinstance(node, ast.Call):
        _check_call(node)
    elif isinstance(node, ast.List):
        starred_ok.update(id(e) for e in node.elts if isinstance(e, ast.Starred))
    elif isinstance(node, ast.Starred):
        if id(node) not in starred_ok:
            raise ExpressionError("'*' unpacking is only allowed inside a list literal")
    elif isinstance(node, ast.Compare):
        _check_compare(node)
    elif isinstance(node, ast.comprehension):
        if node.is_async:
            raise ExpressionError("'async for' is not allowed")
        _check_target(node.target)
    elif isinstance(node, ast.FormattedValue) and (
        node.format_spec is not None or node.conversion != -1
    ):
        raise ExpressionError("format specs and conversions in f-strings are not allowed")


def _check_call(node: ast.Call) -> None:
    func = node.func
    if isinstance(func, ast.Attribute):
        raise ExpressionError(
            f"method call '.{func.attr}()' is not allowed; use functions like lower(x)"
        )
    if not isinstance(func, ast.Name):
        raise ExpressionError("only named functions can be called, e.g. len(x)")
    if func.id not in FUNCTIONS:
        raise ExpressionError(f"function '{func.id}' is not allowed{_hint(func.id, FUNCTIONS)}")
    if any(isinstance(arg, ast.Starred) for arg in node.args):
        raise ExpressionError(f"'*' unpacking in the call to {func.id}() is not allowed")
    if any(kw.arg is None for kw in node.keywords):
        raise ExpressionError(f"'**' unpacking in the call to {func.id}() is not allowed")


def _is_singleton(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value in (None, True, False)


def _check_compare(node: ast.Compare) -> None:
    left = node.left
    for op, right in zip(node.ops, node.comparators, strict=True):
        if isinstance(op, ast.Is | ast.IsNot) and not (_is_singleton(left) or _is_singleton(right)):
            raise ExpressionError("'is' only works with None, True or False; use '=='")
        left = right


def _check_target(target: ast.expr) -> None:
    if isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            _check_target(element)
    elif not isinstance(target, ast.Name):
        raise ExpressionError("a comprehension can only assign to plain names")


# --- parsing --------------------------------------------------------------------------


def _syntax_message(err: SyntaxError, source: str) -> str:
    """Locate a syntax error in the caller's (unstripped) source."""
    lead = source[: len(source) - len(source.lstrip())]
    detail = err.msg
    if not err.lineno or not err.offset:
        return f"syntax error at the end of the expression: {detail}"
    line = err.lineno + lead.count("\n")
    column = err.offset + (len(lead) - lead.rfind("\n") - 1 if err.lineno == 1 else 0)
    if line == 1:
        return f"syntax error at column {column}: {detail}"
    return f"syntax error at line {line}, column {column}: {detail}"


def _statement_message(text: str) -> str | None:
    """Name the statement when the source is valid Python but not an expression."""
    try:
        body = ast.parse(text).body
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if len(body) > 1:
        return "only one expression is allowed"
    if body:
        kind = type(body[0])
        return _STATEMENTS.get(kind, f"'{kind.__name__}' statements are not allowed")
    return None


def _parse(source: str) -> ast.expr:
    text = source.strip()
    if not text:
        raise ExpressionError("expression is empty")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"expression is too long ({len(text)} characters, limit {MAX_EXPRESSION_LENGTH})"
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SyntaxWarning for "\d" in a literal
            tree = ast.parse(text, mode="eval")
    except SyntaxError as err:
        message = _statement_message(text) or _syntax_message(err, source)
        raise ExpressionError(message) from None
    except (RecursionError, MemoryError):
        raise ExpressionError("expression is too deeply nested") from None
    except ValueError as err:  # e.g. a NUL character
        raise ExpressionError(f"syntax error: {err}") from None
    _check_tree(tree.body)
    return tree.body


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> CompiledExpression:
    """Parse and check `source` once; raises ExpressionError if it is not allowed."""
    try:
        return CompiledExpression(source, _parse(source))
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


_PLAIN_TYPES = frozenset({str, int, float, bool, type(None), list, dict})


class _Evaluator(simpleeval.EvalWithCompoundTypes):  # type: ignore[misc]
    """simpleeval with key-only dot access, whitelisted calls and our own limits."""

    def __init__(self) -> None:
        super().__init__(operators=dict(_OPERATORS), functions={}, names={})

    def run(self, node: ast.expr, source: str, names: Mapping[str, Any]) -> Any:
        self.expr = source
        self.names = names
        # simpleeval compares its comprehension counter with its own module global at call
        # time; starting the counter at the difference makes it trip at our limit instead.
        self._max_count = simpleeval.MAX_COMPREHENSION_LENGTH - MAX_COMPREHENSION_LENGTH
        try:
            return self._eval(node)
        finally:
            self.names = {}  # do not keep the caller's scope alive

    def _eval(self, node: ast.AST) -> Any:
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
        hint = _hint(node.id, self.names)
        if not hint and node.id.lower() in ("true", "false", "none", "null"):
            hint = " (use True, False or None)"
        raise ExpressionError(f"unknown name '{node.id}'{hint}") from None

    def _eval_attribute(self, node: ast.Attribute) -> Any:
        if node.attr.startswith("_"):
            raise ExpressionError(f"attribute '{node.attr}' is not allowed")
        base = self._eval(node.value)
        if not isinstance(base, Mapping):
            raise ExpressionError(
                f"cannot read '.{node.attr}' from {_kind(base)} '{ast.unparse(node.value)}'"
                " (dot access works on objects only)"
            )
        try:
            return base[node.attr]
        except KeyError:
            hint = _hint(node.attr, (k for k in base if isinstance(k, str)))
            raise ExpressionError(
                f"'{ast.unparse(node.value)}' has no key '{node.attr}'{hint}"
            ) from None

    def _eval_subscript(self, node: ast.Subscript) -> Any:
        container = self._eval(node.value)
        key = self._eval(node.slice)
        try:
            return container[key]
        except KeyError:
            raise ExpressionError(f"'{ast.unparse(node.value)}' has no key {key!r}") from None
        except IndexError:
            raise ExpressionError(
                f"index {key!r} is out of range for '{ast.unparse(node.value)}'"
                f" (length {len(container)})"
            ) from None
        except TypeError:
            raise ExpressionError(
                f"cannot index {_kind(container)} '{ast.unparse(node.value)}' with {key!r}"
            ) from None

    def _eval_call(self, node: ast.Call) -> Any:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise ExpressionError(f"call not allowed: {ast.unparse(node.func)}")
        name = node.func.id
        args = [self._eval(arg) for arg in node.args]
        kwargs = {str(kw.arg): self._eval(kw.value) for kw in node.keywords}
        try:
            return FUNCTIONS[name](*args, **kwargs)
        except ExpressionError:
            raise
        except Exception as exc:
            raise ExpressionError(f"{name}(): {exc}") from None

    def _apply(self, op: ast.AST, *operands: Any) -> Any:
        symbol = _SYMBOLS[type(op)]
        try:
            return self.operators[type(op)](*operands)
        except ZeroDivisionError:
            raise ExpressionError(f"division by zero in '{symbol}'") from None
        except OverflowError:
            raise ExpressionError(f"number too large in '{symbol}'") from None
        except TypeError:
            kinds = " and ".join(_kind(o) for o in operands)
            where = "between" if len(operands) > 1 else "for"
            raise ExpressionError(f"'{symbol}' is not supported {where} {kinds}") from None

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
        text = "".join(_str(self._eval(part)) for part in node.values)
        if len(text) > MAX_STRING_LENGTH:
            raise _too_long("f-string", len(text), "characters")
        return text

    def _eval_formattedvalue(self, node: ast.FormattedValue) -> Any:
        return self._eval(node.value)  # format specs are rejected at compile time


_local = threading.local()


def _evaluator() -> _Evaluator:
    # One evaluator per thread: simpleeval keeps per-evaluation state on the instance.
    evaluator: _Evaluator | None = getattr(_local, "evaluator", None)
    if evaluator is None:
        evaluator = _local.evaluator = _Evaluator()
    return evaluator


def evaluate(source: str | CompiledExpression, scope: Mapping[str, Any]) -> Any:
    """Evaluate an expression against `scope` (build it with `expression_scope`).

    Raises ExpressionError for every failure, with a message naming what went wrong.
    """
    compiled = source if isinstance(source, CompiledExpression) else compile_expression(source)
    try:
        result = _evaluator().run(compiled.node, compiled.source, scope)
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
