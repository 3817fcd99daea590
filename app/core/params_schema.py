"""Checking a workflow's `params` (the JSON Schema of its run's input) when it is validated.

The schema must itself be valid (draft 2020-12, checked against the metaschema), and every
`$ref` must point inside it (`#...`): Ren never fetches a schema from the network or a file, so
a remote reference would only fail later, when a run starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

from app.core.problems import Problem

_REF_KEYWORDS = ("$ref", "$dynamicRef")


def params_problems(schema: Any) -> list[Problem]:
    """The problems of a `params` schema, each naming the place in it (field `params...`)."""
    if not schema:
        return []
    problems = [
        Problem(
            "bad_params",
            f"{key} '{ref}' points outside the schema; Ren never fetches schemas, so use a "
            "local reference ('#/$defs/...') and put the definition under $defs",
            field=_field(loc),
        )
        for loc, key, ref in _refs(schema)
        if not ref.startswith("#")
    ]
    problems += [
        Problem("bad_params", f"{key} '{ref}' points to nothing in the schema", field=_field(loc))
        for loc, key, ref in _refs(schema)
        if ref.startswith("#/") and not _resolves(schema, ref)
    ]
    from jsonschema import Draft202012Validator  # here: `ren validate` starts faster without it
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as err:
        message = f"not a valid JSON Schema: {err.message}"
        problems.append(Problem("bad_params", message, field=_field(tuple(err.absolute_path))))
    return problems


def schema_error(schema: Any) -> str | None:
    """One line saying why `schema` cannot check a run's input, or None when it can."""
    problems = params_problems(schema)
    return f"the workflow's params schema is broken: {problems[0]}" if problems else None


def _refs(schema: Any) -> Iterator[tuple[tuple[Any, ...], str, str]]:
    stack: list[tuple[tuple[Any, ...], Any]] = [((), schema)]
    while stack:
        loc, item = stack.pop()
        if isinstance(item, dict):
            for key, child in item.items():
                if key in _REF_KEYWORDS and isinstance(child, str):
                    yield loc, key, child
                else:
                    stack.append(((*loc, key), child))
        elif isinstance(item, list):
            stack.extend(((*loc, i), child) for i, child in enumerate(item))


def _resolves(schema: Any, ref: str) -> bool:
    """Whether a JSON Pointer reference (`#/$defs/x`) names a place in `schema`."""
    node = schema
    for raw in ref[2:].split("/"):
        part = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return False
    return True


def _field(loc: tuple[Any, ...]) -> str:
    return "params" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)
