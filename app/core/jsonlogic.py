"""JSON Logic rules, evaluated by datalogic-py (Rust, passes the jsonlogic.com suite)."""

from __future__ import annotations

import json
import math
from typing import Any

import datalogic_py

from app.core.expressions import ExpressionError

__all__ = ["JsonLogicError", "apply_jsonlogic", "jsonlogic_problem", "jsonlogic_truthy"]

_ENGINE = datalogic_py.Engine()  # thread-safe, shared


class JsonLogicError(ExpressionError):
    """A JSON Logic rule that cannot be compiled or evaluated."""


def _rule_text(rule: Any) -> str:
    return json.dumps(rule, default=str, ensure_ascii=False)


def _as_input(value: Any) -> Any:
    # datalogic-py reads a Python str as JSON text, so a bare string rule or data value
    # ("apple") would fail to parse; pass it as the JSON string it stands for.
    return json.dumps(value) if isinstance(value, str) else value


def _evaluate_message(exc: datalogic_py.DataLogicError) -> str:
    if isinstance(exc, datalogic_py.ParseError):
        return f"data is not plain JSON data: {exc}"
    if exc.error_type == "Thrown" and '"NaN"' in str(exc) and exc.operator:
        return f"'{exc.operator}' did not get numbers it can compute with (result is NaN)"
    if exc.error_type == "InvalidOperator" and exc.operator:
        return f"unknown operator '{exc.operator}'"
    if exc.error_type == "InvalidArguments" and exc.operator:
        return f"wrong arguments for '{exc.operator}'"
    return str(exc)


def apply_jsonlogic(rule: Any, data: Any) -> Any:
    """Evaluate `rule` against `data`; raises JsonLogicError with a readable message."""
    try:
        compiled = _ENGINE.compile(_as_input(rule))
    except datalogic_py.DataLogicError as exc:
        raise JsonLogicError(f"invalid JSON Logic rule: {exc}", _rule_text(rule)) from None
    try:
        return compiled.evaluate(_as_input(data))
    except datalogic_py.DataLogicError as exc:
        raise JsonLogicError(_evaluate_message(exc), _rule_text(rule)) from None


def jsonlogic_problem(rule: Any) -> str | None:
    """None if `rule` looks valid, else what is wrong (unknown operator, argument count…)."""
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
