"""A workflow's run input (`params`, a JSON Schema), pure parts: the simple field list the
editor's designer shows, and reading a filled-in run form into the run's input with one message
per wrong field."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

from app.engine.inputs import input_problems
from app.ui.editor.schema_form import FieldSpec, parse_number, schema_fields

# the designer's types and the JSON Schema each stands for
PARAM_TYPES: dict[str, dict[str, Any]] = {
    "text": {"type": "string"},
    "number": {"type": "number"},
    "integer": {"type": "integer"},
    "yes/no": {"type": "boolean"},
    "choice": {"type": "string"},
    "list (JSON)": {"type": "array"},
    "object (JSON)": {"type": "object"},
}
_BY_JSON_TYPE = {"string": "text", "number": "number", "integer": "integer", "boolean": "yes/no"}
_BY_JSON_TYPE |= {"array": "list (JSON)", "object": "object (JSON)"}
NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

REQUIRED = "required: fill this in"  # the run form's message for an empty required field


@dataclass
class ParamRow:
    name: str = ""
    type: str = "text"
    required: bool = False
    description: str = ""
    choices: list[str] = field(default_factory=list)
    default: Any = None
    extra: dict[str, Any] = field(default_factory=dict)  # schema keys the designer keeps as is


def rows_from_schema(schema: dict[str, Any]) -> list[ParamRow]:
    props = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(props, dict):
        return []
    need = set(schema.get("required") or ())
    rows = []
    for name, prop in props.items():
        prop = prop if isinstance(prop, dict) else {}
        kind = prop.get("type")
        type_ = "choice" if "enum" in prop else _BY_JSON_TYPE.get(str(kind), "text")
        extra = {
            k: v
            for k, v in prop.items()
            if k not in ("type", "enum", "description", "default", "title")
        }
        rows.append(
            ParamRow(
                name=name,
                type=type_,
                required=name in need,
                description=str(prop.get("description") or ""),
                choices=[str(c) for c in prop.get("enum") or ()],
                default=prop.get("default"),
                extra=extra,
            )
        )
    return rows


def schema_from_rows(rows: list[ParamRow]) -> dict[str, Any]:
    if not rows:
        return {}
    props: dict[str, Any] = {}
    required = []
    for row in rows:
        name = row.name.strip()
        if not name:
            continue
        prop: dict[str, Any] = {**PARAM_TYPES.get(row.type, {"type": "string"}), **row.extra}
        if row.type == "choice":
            prop["enum"] = [c for c in row.choices if c != ""]
        if row.description:
            prop["description"] = row.description
        if row.default is not None:
            prop["default"] = row.default
        props[name] = prop
        if row.required:
            required.append(name)
    schema: dict[str, Any] = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    return schema


def row_problem(rows: list[ParamRow], index: int) -> str | None:
    name = rows[index].name.strip()
    if not name:
        return "enter a name"
    if not NAME.match(name):
        return "letters, digits and _ only, not starting with a digit"
    if [r.name.strip() for r in rows].count(name) > 1:
        return "two inputs have this name"
    return None


# ---- the run form -----------------------------------------------------------------------------


def run_fields(schema: dict[str, Any]) -> list[FieldSpec]:
    """The run form's fields; lists and objects are typed as JSON."""
    fields = []
    for spec in schema_fields(schema or {}):
        kind = spec.kind
        if kind not in ("text", "multiline", "number", "integer", "bool", "enum"):
            kind = "json"
        fields.append(replace(spec, kind=kind))
    return fields


def json_type_of(schema: dict[str, Any], name: str) -> str | None:
    prop = (schema.get("properties") or {}).get(name) or {}
    kind = prop.get("type") if isinstance(prop, dict) else None
    return kind if isinstance(kind, str) else None


def read_form(
    schema: dict[str, Any], fields: list[FieldSpec], raw: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The run input from the form's raw values, and an error per field that does not fit."""
    value: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in fields:
        got = raw.get(spec.name)
        if spec.kind == "bool":
            value[spec.name] = bool(got)
            continue
        if spec.kind == "enum":
            if got is None or got == "":
                if spec.required:
                    errors[spec.name] = "choose one"
            else:
                value[spec.name] = got
            continue
        text = "" if got is None else str(got)
        if not text.strip():
            if spec.required:
                errors[spec.name] = REQUIRED
            continue
        if spec.kind in ("number", "integer"):
            number, error = parse_number(text, spec.kind == "integer")
            if error:
                errors[spec.name] = error
            else:
                value[spec.name] = number
        elif spec.kind == "json":
            try:
                parsed = json.loads(text)
            except json.JSONDecodeError as err:
                errors[spec.name] = f"not valid JSON: {err.msg} (line {err.lineno})"
                continue
            kind = json_type_of(schema, spec.name)
            if kind == "array" and not isinstance(parsed, list):
                errors[spec.name] = 'enter a JSON list, e.g. ["a", "b"]'
            elif kind == "object" and not isinstance(parsed, dict):
                errors[spec.name] = 'enter a JSON object, e.g. {"key": "value"}'
            else:
                value[spec.name] = parsed
        else:
            value[spec.name] = text
    for name, message in schema_errors(schema, value).items():
        if name not in errors:
            errors[name] = message
    return value, errors


_REQUIRED = re.compile(r"^'(?P<name>[^']+)' is a required property$")


def schema_errors(schema: dict[str, Any], value: Any) -> dict[str, str]:
    """`input_problems` keyed by the top-level field each is about ('' for the whole input)."""
    errors: dict[str, str] = {}
    for line in input_problems(schema or {}, value):
        where, _, message = line.partition(": ")
        path = where.removeprefix("input")
        if path.startswith("."):
            name = re.split(r"[.\[]", path[1:], maxsplit=1)[0]
        else:
            match = _REQUIRED.match(message)
            name = match.group("name") if match else ""
            if match:
                message = REQUIRED
        errors.setdefault(name, message)
    return errors
