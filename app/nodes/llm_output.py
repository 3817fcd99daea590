"""Structured output: a model reply read as JSON and checked against a JSON Schema."""

from __future__ import annotations

import json
import re
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.DOTALL)


def schema_problem(schema: dict[str, Any]) -> str | None:
    """What is wrong with `schema` as a JSON Schema, if anything."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as err:
        return f"not a valid JSON Schema: {err.message}"
    return None


def schema_instruction(schema: dict[str, Any]) -> str:
    return (
        "Answer with one JSON value only (no prose, no code fence) that matches this JSON "
        "Schema:\n" + json.dumps(schema, separators=(",", ":"))
    )


def parse_reply(text: str, schema: dict[str, Any]) -> tuple[Any, str | None]:
    """(the data, None) when `text` is JSON matching `schema`; else (None, what is wrong)."""
    stripped = text.strip()
    fenced = _FENCE.match(stripped)
    if fenced:
        stripped = fenced.group(1)
    try:
        data = json.loads(stripped)
    except json.JSONDecodeError as err:
        return None, f"the reply is not JSON ({err.msg} at line {err.lineno} column {err.colno})"
    errors = sorted(Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(the whole value)"
        return None, f"the reply does not match the schema at {where}: {first.message}"
    return data, None


def repair_message(problem: str) -> str:
    return f"Your reply was not accepted: {problem}. Answer again with the corrected JSON only."
