"""Checking a run's input against the workflow's `params` JSON Schema."""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator

from app.core.params_schema import schema_error


class InputInvalid(ValueError):
    """The run input does not fit the workflow's params; one line per wrong field."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid input: " + "; ".join(problems))


def input_problems(schema: dict[str, Any], value: Any) -> list[str]:
    if not schema:
        return (
            []
            if isinstance(value, dict)
            else [f"input must be a JSON object, got {type(value).__name__}"]
        )
    broken = schema_error(schema)  # never build a validator on a broken schema or remote $ref
    if broken:
        return [broken]
    validator = Draft202012Validator(schema)
    problems = []
    for error in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
        path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
        problems.append(f"input{path}: {error.message}")
    return problems


def check_input(schema: dict[str, Any], value: Any) -> None:
    problems = input_problems(schema, value)
    if problems:
        raise InputInvalid(problems)
