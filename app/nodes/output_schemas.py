"""Helpers for `NodeType.output_schema`: what a node will output, as a small JSON Schema.

The editor's data panel shows it for a node that has not run yet, and autocomplete offers
its fields. Only what is certain goes in: a field whose type is unknown has an empty schema.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel, TypeAdapter

from app.core.templates import has_template

FORM_FIELD_TYPES: dict[str, dict[str, Any]] = {
    "text": {"type": "string"},
    "long_text": {"type": "string"},
    "email": {"type": "string"},
    "url": {"type": "string"},
    "choice": {"type": "string"},
    "date": {"type": "string", "format": "date"},
    "datetime": {"type": "string", "format": "date-time"},
    "number": {"type": "number"},
    "integer": {"type": "integer"},
    "yes_no": {"type": "boolean"},
    "multi_choice": {"type": "array", "items": {"type": "string"}},
}


def object_schema(
    properties: Mapping[str, dict[str, Any]], *, closed: bool = True
) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": dict(properties),
        "additionalProperties": not closed,
    }


def value_schema(value: Any) -> dict[str, Any]:
    """The schema of a literal config value (a `{{ template }}` text: unknown)."""
    if isinstance(value, str):
        return {} if has_template(value) else {"type": "string"}
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    if isinstance(value, float):
        return {"type": "number"}
    if isinstance(value, list):
        return {"type": "array"}
    if isinstance(value, dict):
        return object_schema({str(k): value_schema(v) for k, v in value.items()})
    return {}


def returned_schema(fn: Callable[..., Any]) -> dict[str, Any] | None:
    """The schema of what a function returns, when it is annotated with a TypedDict or a
    pydantic model (else None: unknown)."""
    try:
        returned = typing.get_type_hints(fn).get("return")
    except Exception:  # an annotation that cannot be resolved: unknown
        return None
    if returned is None:
        return None
    is_model = isinstance(returned, type) and issubclass(returned, BaseModel)
    if not (is_model or typing.is_typeddict(returned)):
        return None
    if is_model:
        return _schema_of(returned)
    # typing.TypedDict (pydantic takes only typing_extensions' before Python 3.12): by field
    hints = typing.get_type_hints(returned)
    return object_schema({name: _schema_of(hint) or {} for name, hint in hints.items()})


def _schema_of(annotation: Any) -> dict[str, Any] | None:
    try:
        schema: dict[str, Any] = TypeAdapter(annotation).json_schema()
    except Exception:  # a type pydantic cannot describe
        return None
    return schema
