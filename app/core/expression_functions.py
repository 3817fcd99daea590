"""The short whitelist of bare-name functions an expression may call (no methods).

Each one takes plain JSON data, checks what it is given, and keeps to the size limits of
app.core.expression_limits.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from app.core.expression_limits import (
    MAX_ROUND_DIGITS,
    MAX_STRING_LENGTH,
    ExpressionError,
    size_of,
    too_long,
    type_name,
)

# --- whitelisted functions ---------------------------------------------------------


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise ExpressionError(f"{name}() needs text, not {type_name(value)}")
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
        raise ExpressionError(f"{name}() needs an object, not {type_name(value)}")
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
    raise ExpressionError(f"get() needs an object or a list, not {type_name(container)}")


def bounded_str(value: Any = "") -> str:
    plain = isinstance(value, str | int | float | bool | None)
    if not plain and size_of(value, MAX_STRING_LENGTH) > MAX_STRING_LENGTH:
        raise too_long("str()", None, "characters")
    text = str(value)
    if len(text) > MAX_STRING_LENGTH:
        raise too_long("str()", len(text), "characters")
    return text


def _round(number: Any, ndigits: Any = None) -> Any:
    if ndigits is None:
        return round(number)
    if not isinstance(ndigits, int) or abs(ndigits) > MAX_ROUND_DIGITS:
        raise ExpressionError(
            f"round() digits must be a whole number from {-MAX_ROUND_DIGITS} to {MAX_ROUND_DIGITS}"
        )
    return round(number, ndigits)


_NUMBERS = frozenset({int, float, bool})


def _sum(values: Any, start: Any = 0) -> Any:
    items = [start, *values]
    if not set(map(type, items)) <= _NUMBERS:  # checked in C: sum() may see big lists
        wrong = next(item for item in items if type(item) not in _NUMBERS)
        raise ExpressionError(f"sum() works on numbers only, not {type_name(wrong)}")
    return sum(items)


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
    "str": bounded_str,
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
