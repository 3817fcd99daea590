"""Form fields from JSON Schema: what kind of input each property of a node's config (or of a
workflow's run params) needs, and how typed text becomes a value. Pure; the widgets are in
`fields.py`.

A property's kind comes from, in order: `x-ren-kind` in the property schema (custom node types
can set it through pydantic's `json_schema_extra`), the built-in table below, the description
("Expression …", "{{ expressions }}") and finally the JSON type.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal, cast, get_args

from app.core.conditions import condition_problem
from app.core.expressions import expression_problem
from app.core.templates import template_problems

Kind = Literal[
    "text",
    "multiline",
    "number",
    "integer",
    "bool",
    "enum",
    "list",
    "map",
    "records",
    "json",
    "expression",
    "condition",
    "template",
    "function",
    "args",
    "workflow",
    "code",
    "credential",
]

KINDS: frozenset[str] = frozenset(get_args(Kind))

# (node type, config field) -> kind, for the built-in nodes
KNOWN_KINDS: dict[tuple[str, str], Kind] = {
    ("if", "condition"): "condition",
    ("switch", "value"): "expression",
    ("filter", "items"): "expression",
    ("filter", "condition"): "expression",
    ("foreach", "items"): "expression",
    ("log", "message"): "template",
    ("function", "function"): "function",
    ("function", "args"): "args",
    ("subworkflow", "workflow"): "workflow",
    ("function_tool", "function"): "function",  # an agent's tools pick from the same lists
    ("workflow_tool", "workflow"): "workflow",
}
# maps whose values may hold {{ templates }}
TEMPLATE_MAPS = {("set", "values")}

_JSON_KINDS: dict[str, Kind] = {
    "string": "text",
    "number": "number",
    "integer": "integer",
    "boolean": "bool",
    "array": "json",
    "object": "json",
}


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: Kind
    required: bool = False
    default: Any = None
    has_default: bool = False
    description: str = ""
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    templated: bool = False  # map values / list items may hold {{ templates }}
    item: FieldSpec | None = None  # a list's items
    fields: tuple[FieldSpec, ...] = field(default=())  # a record's fields


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        target = root.get("$defs", {}).get(ref.removeprefix("#/$defs/"), {})
        return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _label(name: str, schema: dict[str, Any]) -> str:
    title = schema.get("title")
    if isinstance(title, str) and title and title.lower().replace(" ", "_") != name.lower():
        return title
    return name.replace("_", " ").capitalize()


def _types(schema: dict[str, Any], root: dict[str, Any]) -> tuple[list[str], bool]:
    """The JSON types a property allows, and whether null is one of them."""
    options = schema.get("anyOf") or schema.get("oneOf")
    if isinstance(options, list):
        types: list[str] = []
        for option in options:
            option = _resolve(option, root)
            kind = option.get("type")
            types.extend(kind if isinstance(kind, list) else [kind] if kind else ["any"])
    else:
        kind = schema.get("type")
        types = kind if isinstance(kind, list) else [kind] if kind else ["any"]
    nullable = "null" in types
    return [t for t in types if t != "null"], nullable


def field_spec(
    name: str,
    prop: dict[str, Any],
    root: dict[str, Any],
    *,
    required: bool = False,
    node_type: str | None = None,
) -> FieldSpec:
    prop = _resolve(prop, root)
    types, _nullable = _types(prop, root)
    description = str(prop.get("description") or "")
    common: dict[str, Any] = {
        "name": name,
        "label": _label(name, prop),
        "required": required,
        "default": prop.get("default"),
        "has_default": "default" in prop,
        "description": description,
        "minimum": prop.get("minimum", prop.get("exclusiveMinimum")),
        "maximum": prop.get("maximum", prop.get("exclusiveMaximum")),
    }
    explicit = prop.get("x-ren-kind")
    known = KNOWN_KINDS.get((node_type or "", name))
    templated = (node_type or "", name) in TEMPLATE_MAPS or "{{" in description
    kind: Kind
    if explicit == "credential" or prop.get("ren") == "credential" or name == "credential":
        kinds = prop.get("x-ren-credential-kinds") or prop.get("kinds") or ()
        return FieldSpec(kind="credential", choices=tuple(kinds), **common)  # choices: its kinds
    if isinstance(explicit, str) and explicit in KINDS:
        kind = cast(Kind, explicit)
    elif known is not None:
        kind = known
    elif "enum" in prop:
        return FieldSpec(kind="enum", choices=tuple(prop["enum"]), **common)
    elif sorted(types) == ["boolean", "object", "string"]:
        kind = "condition"
    elif types == ["string"] and description.lower().startswith("expression"):
        kind = "expression"
    elif types == ["string"] and templated:
        kind = "template"
    elif types == ["array"]:
        items = _resolve(prop.get("items") or {}, root)
        item_types, _ = _types(items, root)
        if item_types == ["object"] and isinstance(items.get("properties"), dict):
            need = set(items.get("required") or ())
            subs = tuple(
                field_spec(k, v, root, required=k in need) for k, v in items["properties"].items()
            )
            return FieldSpec(kind="records", fields=subs, **common)
        item = field_spec("item", items, root)
        if item.kind in ("text", "number", "integer", "enum", "template", "expression", "json"):
            return FieldSpec(kind="list", item=item, templated=templated, **common)
        kind = "json"
    elif types == ["object"] and not isinstance(prop.get("properties"), dict):
        return FieldSpec(kind="map", templated=templated, **common)
    elif types == ["string"] and (prop.get("maxLength") or 0) > 200:
        kind = "multiline"
    elif len(types) == 1 and types[0] in _JSON_KINDS:
        kind = _JSON_KINDS[types[0]]
    else:
        kind = "json"
    return FieldSpec(kind=kind, templated=templated, **common)


def schema_fields(schema: dict[str, Any], node_type: str | None = None) -> list[FieldSpec]:
    """One field per property of an object schema, in the schema's order."""
    props = schema.get("properties")
    if not isinstance(props, dict):
        return []
    need = set(schema.get("required") or ())
    return [
        field_spec(
            name,
            prop if isinstance(prop, dict) else {},
            schema,
            required=name in need,
            node_type=node_type,
        )
        for name, prop in props.items()
    ]


# ---- text <-> values --------------------------------------------------------------------------


def loose_text(value: Any) -> str:
    """How a value shows in a free-form box: text as it is, anything else as JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def parse_loose(text: str) -> Any:
    """Free-form box to value: JSON when it reads as JSON (numbers, true, lists…), else text."""
    stripped = text.strip()
    if not stripped:
        return None
    try:
        return json.loads(stripped)
    except ValueError:
        return text


def condition_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return loose_text(value)


def parse_condition(text: str) -> tuple[Any, str | None]:
    """A condition box: an expression, true/false, or a JSON Logic object (starts with `{`)."""
    stripped = text.strip()
    if stripped in ("true", "false"):
        return stripped == "true", None
    if stripped.startswith("{"):
        try:
            value = json.loads(stripped)
        except ValueError as err:
            return text, f"not valid JSON Logic: {err}"
        if not isinstance(value, dict):
            return text, "a JSON Logic rule is a JSON object"
        return value, condition_problem(value)
    if not stripped:
        return "", "enter a condition, e.g. input.amount > 1000"
    return text, condition_problem(text)


def expression_error(text: str, required: bool = True) -> str | None:
    if not text.strip():
        return "enter an expression, e.g. input.items" if required else None
    return expression_problem(text)


def template_error(text: str) -> str | None:
    problems = template_problems(text) if isinstance(text, str) else []
    return problems[0] if problems else None


def parse_number(text: str, integer: bool) -> tuple[float | int | None, str | None]:
    stripped = text.strip()
    if not stripped:
        return None, None
    try:
        number = float(stripped)
    except ValueError:
        return None, "enter a number"
    if integer:
        if not number.is_integer():
            return None, "enter a whole number"
        return int(number), None
    if stripped.lstrip("+-").isdigit():
        return int(stripped), None  # typed 1500 stays the integer 1500, not 1500.0
    return number, None
