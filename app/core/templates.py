"""`{{ expr }}` templates in config strings.

A string that is one template and nothing else ("{{ data.items }}") gives the raw value;
otherwise each template is replaced by its text. A literal "{{" is written `{{ "{{" }}`.

All the expressions of one rendering share one Budget (app.core.expression_budget), so a
config full of templates cannot do more work than one expression may, and the text it
builds is capped at MAX_SIZE characters.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from app.core.expression_budget import Budget
from app.core.expressions import (
    MAX_SIZE,
    CompiledExpression,
    ExpressionError,
    compile_expression,
    evaluate,
)

__all__ = [
    "has_template",
    "render_config",
    "render_template",
    "template_expressions",
    "template_problems",
]

_OPEN = "{{"
_CLOSE = "}}"

Part = str | CompiledExpression


@dataclass(frozen=True, slots=True)
class _Template:
    parts: tuple[Part, ...]  # literal text and expressions, alternating, text first and last
    problems: tuple[str, ...]

    @property
    def single(self) -> CompiledExpression | None:
        """The expression when the template is just "{{ expr }}" (whitespace around)."""
        if (
            len(self.parts) == 3
            and not str(self.parts[0]).strip()
            and not str(self.parts[2]).strip()
        ):
            expression = self.parts[1]
            return expression if isinstance(expression, CompiledExpression) else None
        return None


def _label(source: str) -> str:
    return f"{_OPEN} {source} {_CLOSE}" if source else f"{_OPEN} {_CLOSE}"


def _read_expression(text: str, begin: int) -> tuple[CompiledExpression | str, int]:
    """Find the "}}" closing the expression starting at `begin`.

    The first "}}" whose inner text compiles wins, so `{{ {"a": {"b": 1}} }}` works.
    Returns the expression (or a problem message) and the index of its "}}", or -1.
    """
    end = first_end = text.find(_CLOSE, begin)
    first_problem = ""
    while end >= 0:
        source = text[begin:end].strip()
        try:
            return compile_expression(source), end
        except ExpressionError as err:
            first_problem = first_problem or f"{_label(source)}: {err.message}"
        end = text.find(_CLOSE, end + 1)
    return first_problem, first_end


@lru_cache(maxsize=4096)
def _parse(text: str) -> _Template:
    parts: list[Part] = []
    problems: list[str] = []
    position = 0
    while (start := text.find(_OPEN, position)) >= 0:
        parts.append(text[position:start])
        expression, end = _read_expression(text, start + len(_OPEN))
        if end < 0:
            problems.append(f"unclosed '{_OPEN}' at character {start + 1}")
            position = len(text)
            break
        if isinstance(expression, str):
            problems.append(expression)
        else:
            parts.append(expression)
        position = end + len(_CLOSE)
    parts.append(text[position:])
    return _Template(tuple(parts), tuple(problems))


def has_template(text: str) -> bool:
    """True when `text` contains a "{{"."""
    return _OPEN in text


def template_problems(text: str) -> list[str]:
    """A message for each expression that does not compile and for an unclosed "{{"."""
    return list(_parse(text).problems) if _OPEN in text else []


def template_expressions(text: str) -> tuple[CompiledExpression, ...]:
    """The expressions inside `text`'s "{{ … }}" that compile (for checks of the names they use)."""
    if _OPEN not in text:
        return ()
    return tuple(p for p in _parse(text).parts if isinstance(p, CompiledExpression))


def _to_text(value: Any, budget: Budget) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        if budget.weigh(value) > MAX_SIZE:  # weighed (and charged) before writing it out
            raise ExpressionError(f"the value is too large to write as text (limit {MAX_SIZE:,})")
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
        budget.charge_text(text)
        return text
    return str(value)


def _evaluate(expression: CompiledExpression, scope: Mapping[str, Any], budget: Budget) -> Any:
    try:
        return evaluate(expression, scope, budget)
    except ExpressionError as err:
        message = f"{_label(expression.source)}: {err.message}"
        raise ExpressionError(message, expression.source) from None


def render_template(text: str, scope: Mapping[str, Any], budget: Budget | None = None) -> Any:
    """Render `text`: the raw value for a lone "{{ expr }}", else the interpolated string.

    `budget` is shared by its expressions (a fresh one by default).
    """
    if _OPEN not in text:
        return text
    template = _parse(text)
    if template.problems:
        raise ExpressionError(template.problems[0], text)
    budget = budget or Budget()
    single = template.single
    if single is not None:
        return _evaluate(single, scope, budget)
    texts, length = [], 0
    for part in template.parts:
        texts.append(
            part if isinstance(part, str) else _to_text(_evaluate(part, scope, budget), budget)
        )
        length += len(texts[-1])
        if length > MAX_SIZE:
            raise ExpressionError(
                f"the text would be too long ({length:,} characters so far, limit {MAX_SIZE:,})",
                text,
            )
    return "".join(texts)


def _path(path: tuple[str | int, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _render(
    value: Any, scope: Mapping[str, Any], path: tuple[str | int, ...], budget: Budget
) -> Any:
    if isinstance(value, str):
        try:
            return render_template(value, scope, budget)
        except ExpressionError as err:
            if not path:
                raise
            raise ExpressionError(f"{_path(path)}: {err.message}", err.expression) from None
    if isinstance(value, Mapping):
        return {key: _render(item, scope, (*path, key), budget) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_render(item, scope, (*path, index), budget) for index, item in enumerate(value)]
    return value


def render_config(value: Any, scope: Mapping[str, Any], budget: Budget | None = None) -> Any:
    """Render every string inside dicts and lists; errors name the path, e.g. "headers.x: …".

    All its templates share `budget` (a fresh one by default).
    """
    return _render(value, scope, (), budget or Budget())
