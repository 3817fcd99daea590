"""Parsing JSON that strangers send (a webhook's body, a local API request) within limits.

The standard parser recurses per nesting level and raises RecursionError (not a JSON error)
near 1,000 levels; deep values then break whatever recurses over them later. Here a value
nested deeper than MAX_DEPTH is refused with a message, and so are NaN and Infinity, which
are not JSON.
"""

from __future__ import annotations

import json
from typing import Any

MAX_DEPTH = 400


class JsonRefused(ValueError):
    """Text that is not acceptable JSON; the message says why and where."""


def loads(text: str, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value of `text`, or JsonRefused naming the problem."""
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        raise JsonRefused(
            f"not valid JSON: {err.msg} at line {err.lineno}, column {err.colno} "
            f"(character {err.pos})"
        ) from None
    except RecursionError:
        raise JsonRefused(_too_deep(max_depth)) from None
    except ValueError as err:
        raise JsonRefused(f"not valid JSON: {err}") from None
    if depth(value) > max_depth:
        raise JsonRefused(_too_deep(max_depth))
    return value


def depth(value: Any) -> int:
    """How many arrays and objects deep `value` is (a scalar: 0), without recursing."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        level += 1
        deepest = max(deepest, level)
        stack.extend((child, level) for child in children)
    return deepest


def _too_deep(max_depth: int) -> str:
    return f"JSON nested deeper than {max_depth} levels"


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
