"""The limits an expression runs under, and the error every expression failure raises.

The limits below are ours: they are enforced by our own operators (here) and overrides (in
app.core.expressions), and simpleeval's module globals (`simpleeval.MAX_POWER` and friends) are
never assigned, so importing the expression modules does not change simpleeval for anyone else
in the process. Every operator that can build something big (`+`, `-`, `*`, `**`, `%`) checks
the size of its result here BEFORE computing it; the work an evaluation does in all is
counted by app.core.expression_budget.
"""

from __future__ import annotations

import ast
import difflib
import operator
import re
from collections.abc import Callable, Iterable, Mapping
from itertools import islice
from typing import Any

MAX_POWER = 1000  # largest exponent of `**`
MAX_INT_BITS = 10_000  # largest integer `**` may produce (about 3,000 digits)
MAX_STRING_LENGTH = 10_000  # longest text (or repeated list) an expression may build
MAX_COMPREHENSION_LENGTH = 1000  # most items all comprehensions of one evaluation may visit
MAX_EXPRESSION_LENGTH = 10_000  # longest expression source
MAX_DEPTH = 100  # deepest syntax tree (evaluation recurses about twice per level)
MAX_ROUND_DIGITS = 100
MAX_STEPS = 20_000  # work one evaluation may do (one step is about a microsecond)
MAX_SIZE = 1_000_000  # items and characters a list or object built by an expression may hold
MAX_FORMAT_WIDTH = 100  # widest field of '%' formatting ("%100d")


class ExpressionError(ValueError):
    """A bad expression; str(err) is a one-line message naming what is wrong."""

    def __init__(self, message: str, expression: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.expression = expression


def type_name(value: Any) -> str:
    return "None" if value is None else type(value).__name__


def did_you_mean(word: str, options: Iterable[str]) -> str:
    matches = difflib.get_close_matches(word, list(islice(options, 1000)), n=1)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


# --- size guards -------------------------------------------------------------------


def size_of(value: Any, budget: int) -> int:
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


def too_long(what: str, size: int | None, unit: str = "items") -> ExpressionError:
    """`size` None means "somewhere past the limit" (counting stopped early)."""
    amount = f"{size} {unit}" if size is not None else f"more than {MAX_STRING_LENGTH} {unit}"
    return ExpressionError(f"{what} would be too long ({amount}, limit {MAX_STRING_LENGTH})")


def text_size(value: Any, budget: int) -> int:
    """Like size_of, but counting the digits of numbers as `str()` writes them."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, bool) or not isinstance(value, int | float | list | tuple | dict):
        return size_of(value, budget)
    if isinstance(value, float):
        return 24
    if isinstance(value, int):
        return value.bit_length() * 3 // 10 + 1
    total, stack = 0, [value]
    while stack and total <= budget:
        item = stack.pop()
        if isinstance(item, list | tuple | dict):
            total += 2
            stack.extend(islice(item, budget - total + 1))
            if isinstance(item, dict):
                stack.extend(islice(item.values(), budget - total + 1))
        else:
            total += text_size(item, budget - total) + 2
    return total


def _check_int(bits: int, symbol: str) -> None:
    if bits > MAX_INT_BITS:
        raise ExpressionError(
            f"result of '{symbol}' would be too large (about {bits * 3 // 10} digits,"
            f" limit {MAX_INT_BITS * 3 // 10})"
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _add(a: Any, b: Any) -> Any:
    if isinstance(a, str) and isinstance(b, str) and len(a) + len(b) > MAX_STRING_LENGTH:
        raise too_long("result of '+'", len(a) + len(b), "characters")
    if isinstance(a, list | tuple) and isinstance(b, list | tuple) and len(a) + len(b) > MAX_SIZE:
        raise ExpressionError(f"result of '+' would be too long ({len(a) + len(b)} items)")
    if _is_int(a) and _is_int(b):
        _check_int(max(a.bit_length(), b.bit_length()) + 1, "+")
    return a + b


def _sub(a: Any, b: Any) -> Any:
    if _is_int(a) and _is_int(b):
        _check_int(max(a.bit_length(), b.bit_length()) + 1, "-")
    return a - b


def _mult(a: Any, b: Any) -> Any:
    if _is_int(a) and _is_int(b):
        _check_int(a.bit_length() + b.bit_length(), "*")
    if isinstance(a, int) and isinstance(b, str | list | tuple):
        a, b = b, a
    if isinstance(a, str | list | tuple) and isinstance(b, int):
        count = len(a) * b
        if count > MAX_STRING_LENGTH:
            raise too_long("result of '*'", count, "characters" if isinstance(a, str) else "items")
        # [[0] * 10000] * 10000 is short at the top but huge once serialized.
        nested = b > 0 and not isinstance(a, str)
        if nested and b * (size_of(a, MAX_STRING_LENGTH // b + 1) - 1) > MAX_STRING_LENGTH:
            raise too_long("result of '*'", None, "items, counting nested ones")
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


# One '%' conversion: %[(key)][flags][width][.precision][length]type
_CONVERSION = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[#0 +-]*(?P<width>\*|\d+)?"
    r"(?:\.(?P<precision>\*|\d*))?[hlL]?(?P<type>.?)"
)


def _format(template: str, args: Any) -> str:
    """`template % args`, refused unless the result is known to stay short."""
    bound = len(template) + text_size(args, MAX_STRING_LENGTH)
    for match in _CONVERSION.finditer(template):
        amounts = []
        for part in ("width", "precision"):
            amount = match[part]
            if amount == "*":
                raise ExpressionError(f"'*' {part} in '%' formatting is not allowed")
            if amount and int(amount) > MAX_FORMAT_WIDTH:
                raise ExpressionError(
                    f"{part} {int(amount)} in '%' formatting is too large"
                    f" (limit {MAX_FORMAT_WIDTH})"
                )
            amounts.append(int(amount or 6))
        # A field writes at most its width, its precision and its value (%f: 309 digits).
        bound += sum(amounts) + (320 if match["type"] in ("f", "F") else 10)
    if bound > MAX_STRING_LENGTH:
        raise too_long("result of '%'", None, "characters")
    text: str = template % args
    if len(text) > MAX_STRING_LENGTH:  # e.g. %r escaping every character
        raise too_long("result of '%'", len(text), "characters")
    return text


def _mod(a: Any, b: Any) -> Any:
    if isinstance(a, str):
        return _format(a, b)
    return a % b


OPERATORS: dict[type[ast.AST], Callable[..., Any]] = {
    ast.Add: _add,
    ast.Sub: _sub,
    ast.Mult: _mult,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: _mod,
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

SYMBOLS: dict[type[ast.AST], str] = {
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
