"""A URL's query parameters as a run's input (a GET webhook has no body).

Query values are text. Where the workflow's `params` schema declares a field as a number, an
integer or a yes/no, the text is converted, so `?amount=12` fits `{"type": "number"}`; text that
does not convert stays text and the params check names the field. A name given more than once
(or declared as an array) becomes a list.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

_BOOLEANS = {"true": True, "false": False}


def query_input(schema: dict[str, Any], pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    """The input object for these (name, value) pairs, converted as `schema` declares."""
    grouped: dict[str, list[str]] = {}
    for name, value in pairs:
        grouped.setdefault(name, []).append(value)
    properties = _dict(schema.get("properties"))
    result: dict[str, Any] = {}
    for name, values in grouped.items():
        field = _dict(properties.get(name))
        if "array" in _types(field):
            items = _dict(field.get("items"))
            result[name] = [_convert(items, v) for v in values]
        elif len(values) == 1:
            result[name] = _convert(field, values[0])
        else:
            result[name] = [_convert(field, v) for v in values]
    return result


def _convert(field: dict[str, Any], text: str) -> Any:
    types = _types(field)
    if not types or "string" in types:
        return text
    if "integer" in types or "number" in types:
        try:
            return int(text)
        except ValueError:
            pass
    if "number" in types:
        try:
            number = float(text)
        except ValueError:
            pass
        else:
            if math.isfinite(number):  # "nan" and "inf" are no JSON numbers
                return number
    if "boolean" in types and text.lower() in _BOOLEANS:
        return _BOOLEANS[text.lower()]
    return text


def _types(field: dict[str, Any]) -> set[str]:
    declared = field.get("type")
    if isinstance(declared, str):
        return {declared}
    if isinstance(declared, list):
        return {t for t in declared if isinstance(t, str)}
    return set()


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
