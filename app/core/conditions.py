"""One entry point for edge and `if` conditions.

A condition is None (always true), a bool, an expression string, or a JSON Logic object.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.core.expressions import ExpressionError, evaluate, expression_problem
from app.core.jsonlogic import apply_jsonlogic, jsonlogic_problem, jsonlogic_truthy

__all__ = ["Condition", "condition_problem", "evaluate_condition", "jsonlogic_data"]

Condition = bool | str | dict[str, Any] | None

_LITERALS = {"true": True, "false": False}


def _wrong_type(condition: object) -> str:
    kind = type(condition).__name__
    return f"a condition must be true/false, an expression or a JSON Logic object, not {kind}"


def _literal(text: str) -> bool | None:
    """True/False for "true"/"false" (any case); True for a blank string (no condition)."""
    word = text.strip().lower()
    return True if not word else _LITERALS.get(word)


def jsonlogic_data(scope: Mapping[str, Any]) -> dict[str, Any]:
    """The data a JSON Logic condition sees: `input`'s keys plus the scope's names."""
    current = scope.get("input")
    data = dict(current) if isinstance(current, Mapping) else {}
    data.update(scope)
    return data


def evaluate_condition(condition: Condition, scope: Mapping[str, Any]) -> bool:
    """Whether the condition holds in `scope` (built with `expression_scope`)."""
    if condition is None:
        return True
    if isinstance(condition, bool):
        return condition
    if isinstance(condition, str):
        literal = _literal(condition)
        return literal if literal is not None else bool(evaluate(condition, scope))
    if isinstance(condition, dict):
        return jsonlogic_truthy(apply_jsonlogic(condition, jsonlogic_data(scope)))
    raise ExpressionError(_wrong_type(condition), repr(condition))


def condition_problem(condition: object) -> str | None:
    """None if the condition is well formed, else what is wrong with it."""
    if condition is None or isinstance(condition, bool):
        return None
    if isinstance(condition, str):
        return None if _literal(condition) is not None else expression_problem(condition)
    if isinstance(condition, dict):
        return jsonlogic_problem(condition)
    return _wrong_type(condition)
