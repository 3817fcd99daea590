"""Config checks shared by node types: expressions and templates that do not parse."""

from __future__ import annotations

from typing import Any

from app.core.expressions import expression_problem
from app.core.templates import template_problems


def expression_field(path: str, source: str) -> list[tuple[str, str]]:
    message = expression_problem(source)
    return [(path, message)] if message else []


def template_fields(path: str, value: Any) -> list[tuple[str, str]]:
    """Every bad `{{ … }}` inside a config value, with the path of the string holding it."""
    if isinstance(value, str):
        return [(path, message) for message in template_problems(value)]
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in template_fields(f"{path}.{k}", v)]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in template_fields(f"{path}[{i}]", v)]
    return []
