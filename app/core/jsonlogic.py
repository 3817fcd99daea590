"""JSON Logic rules, evaluated by datalogic-py (Rust, passes the jsonlogic.com suite).

Every evaluation is metered: datalogic charges one operation per operator, per item an
iterator visits and per piece of data an operator moves, and refuses to go past
`MAX_JSONLOGIC_OPERATIONS` before doing the work (so `reduce`+`cat` doubling a string stops
early). Rules and results are capped in size too.
"""

from __future__ import annotations

import json
import math
from typing import Any

import datalogic_py

from app.core.expressions import ExpressionError

__all__ = [
    "MAX_JSONLOGIC_OPERATIONS",
    "MAX_JSONLOGIC_RESULT_LENGTH",
    "MAX_JSONLOGIC_RULE_LENGTH",
    "JsonLogicError",
    "apply_jsonlogic",
    "jsonlogic_problem",
    "jsonlogic_truthy",
]

MAX_JSONLOGIC_OPERATIONS = 100_000  # about 5-10 ms of work
MAX_JSONLOGIC_RULE_LENGTH = 65_536  # characters of the rule as JSON
MAX_JSONLOGIC_RESULT_LENGTH = 1_000_000  # characters of the result as JSON

# Thread-safe and shared; the budget applies to every evaluation.
_ENGINE = datalogic_py.Engine(config={"ops_budget": MAX_JSONLOGIC_OPERATIONS})


class JsonLogicError(ExpressionError):
    """A JSON Logic rule that cannot be compiled or evaluated."""


def _rule_text(rule: Any) -> str:
    return json.dumps(rule, default=str, ensure_ascii=False)


def _as_input(value: Any) -> Any:
    # datalogic-py reads a Python str as JSON text, so a bare string rule or data value
    # ("apple") would fail to parse; pass it as the JSON string it stands for.
    return json.dumps(value) if isinstance(value, str) else value


def _evaluate_message(exc: datalogic_py.DataLogicError) -> str:
    if exc.error_type == "BudgetExceeded":
        where = f" (in '{exc.operator}')" if exc.operator else ""
        return (
            f"JSON Logic rule used more than {MAX_JSONLOGIC_OPERATIONS:,} operations (limit)"
            f"{where}; it does too much work"
        )
    if isinstance(exc, datalogic_py.ParseError):
        return f"data is not plain JSON data: {exc}"
    if exc.error_type == "Thrown" and '"NaN"' in str(exc) and exc.operator:
        return f"'{exc.operator}' did not get numbers it can compute with (result is NaN)"
    if exc.error_type == "InvalidOperator" and exc.operator:
        return f"unknown operator '{exc.operator}'"
    if exc.error_type == "InvalidArguments" and exc.operator:
        return f"wrong arguments for '{exc.operator}'"
    return str(exc)


def _too_long(text: str) -> str | None:
    if len(text) > MAX_JSONLOGIC_RULE_LENGTH:
        return (
            f"JSON Logic rule is too long ({len(text):,} characters of JSON,"
            f" limit {MAX_JSONLOGIC_RULE_LENGTH:,})"
        )
    return None


def apply_jsonlogic(rule: Any, data: Any) -> Any:
    """Evaluate `rule` against `data`; raises JsonLogicError with a readable message."""
    text = _rule_text(rule)
    problem = _too_long(text)
    if problem:
        raise JsonLogicError(problem, text[:200])
    try:
        compiled = _ENGINE.compile(_as_input(rule))
    except datalogic_py.DataLogicError as exc:
        raise JsonLogicError(f"invalid JSON Logic rule: {exc}", text) from None
    try:
        result, _operations = compiled.evaluate_metered(_as_input(data))
    except datalogic_py.DataLogicError as exc:
        raise JsonLogicError(_evaluate_message(exc), text) from None
    if len(result) > MAX_JSONLOGIC_RESULT_LENGTH:
        raise JsonLogicError(
            f"JSON Logic result is too large ({len(result):,} characters of JSON,"
            f" limit {MAX_JSONLOGIC_RESULT_LENGTH:,})",
            text,
        )
    return json.loads(result)


def jsonlogic_problem(rule: Any) -> str | None:
    """None if `rule` looks valid, else what is wrong (unknown operator, argument count…)."""
    problem = _too_long(_rule_text(rule))
    if problem:
        return problem
    try:
        diagnostics = _ENGINE.check(_as_input(rule))
    except datalogic_py.DataLogicError as exc:
        return f"invalid JSON Logic rule: {exc}"
    for diagnostic in diagnostics:
        if diagnostic["severity"] == "error":
            where = f" at {diagnostic['pointer']}" if diagnostic["pointer"] else ""
            return f"{diagnostic['message']}{where}"
    return None


def jsonlogic_truthy(value: Any) -> bool:
    """Truthiness as datalogic-py's `if`/`and`/`or` see it.

    Falsy: false, null, 0, NaN, "", [] and {} (datalogic treats an empty object as falsy,
    unlike jsonlogic.com's JavaScript reference).
    """
    if isinstance(value, float) and math.isnan(value):
        return False
    return bool(value)
