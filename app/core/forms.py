"""The form of a human task and the validation of a person's answers.

A form is a list of fields and a list of outcomes (the buttons: approve, reject, …). A browser
form and the CLI both send loose values ("42", "on", "2026-11-22T10:30"); `validate_values`
turns them into clean, typed values, or raises one `FormInvalid` with a plain-language message
for every wrong field. Pure: no I/O.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.core.expressions import ExpressionError
from app.core.templates import has_template, render_template, template_problems

__all__ = [
    "NAME_PATTERN",
    "Choice",
    "FieldType",
    "FormField",
    "FormInvalid",
    "FormSpec",
    "Outcome",
    "OutcomeStyle",
    "humanize",
    "resolve_defaults",
    "validate_values",
]

FieldType = Literal[
    "text",
    "long_text",
    "number",
    "integer",
    "yes_no",
    "choice",
    "multi_choice",
    "date",
    "datetime",
    "email",
    "url",
]
OutcomeStyle = Literal["primary", "positive", "negative", "neutral"]

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"

_CHOICE_TYPES = ("choice", "multi_choice")
_DATE_TYPES = ("date", "datetime")
_TEXT_TYPES = ("text", "long_text", "email", "url")
_BOUNDED_TYPES = ("number", "integer", "text", "long_text", "multi_choice")

_TRUE = frozenset({"true", "yes", "y", "on", "1"})
_FALSE = frozenset({"false", "no", "n", "off", "0"})
_INTEGER = re.compile(r"[+-]?[0-9]{1,300}")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)*\.[^@\s.]{2,}")


def humanize(name: str) -> str:
    """A label from an identifier: "due_date" -> "Due date"."""
    words = " ".join(part for part in name.split("_") if part)
    return words[:1].upper() + words[1:] if words else name


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Choice(_Strict):
    """One option of a choice field; a plain value `v` stands for {value: v, label: str(v)}."""

    value: str | int | float | bool
    label: str = ""

    @model_validator(mode="before")
    @classmethod
    def _from_plain_value(cls, data: Any) -> Any:
        return {"value": data} if isinstance(data, str | int | float | bool) else data

    @model_validator(mode="after")
    def _default_label(self) -> Self:
        self.label = self.label or str(self.value)
        return self


class FormField(_Strict):
    """One field of a form. `min`/`max` bound a number's value, a text's length or how many
    choices a multi_choice takes; dates use `min_date`/`max_date` (ISO strings)."""

    name: str = Field(pattern=NAME_PATTERN)
    type: FieldType = "text"
    label: str = ""
    help: str = ""
    required: bool = False
    default: Any = None  # a literal, or a "{{ expression }}" template over run data
    min: float | None = None
    max: float | None = None
    min_date: str | None = None
    max_date: str | None = None
    pattern: str | None = None  # the whole (stripped) text must match
    choices: list[Choice] = Field(default_factory=list)
    placeholder: str = ""

    @model_validator(mode="after")
    def _check_definition(self) -> Self:
        self.label = self.label or humanize(self.name)
        problem = _definition_problem(self)
        if problem:
            raise ValueError(f"field '{self.name}': {problem}")
        return self


class Outcome(_Strict):
    """A button that completes the task; each outcome is an output port of the node."""

    name: str = Field(pattern=NAME_PATTERN)
    label: str = ""
    style: OutcomeStyle = "primary"

    @model_validator(mode="before")
    @classmethod
    def _from_plain_name(cls, data: Any) -> Any:
        return {"name": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _default_label(self) -> Self:
        self.label = self.label or humanize(self.name)
        return self


class FormSpec(_Strict):
    """A human task's form: the fields to fill in and the outcome buttons (at least one)."""

    fields: list[FormField] = Field(default_factory=list)
    outcomes: list[Outcome] = Field(
        default_factory=lambda: [Outcome(name="submit", label="Submit")], min_length=1
    )

    @model_validator(mode="after")
    def _unique_names(self) -> Self:
        for kind, names in (
            ("field", [field.name for field in self.fields]),
            ("outcome", [outcome.name for outcome in self.outcomes]),
        ):
            duplicates = [name for index, name in enumerate(names) if name in names[:index]]
            if duplicates:
                raise ValueError(f"duplicate {kind} name '{duplicates[0]}'")
        return self


class FormInvalid(ValueError):
    """Wrong answers: `errors` maps each wrong field's name (or "outcome") to one message."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        self.errors = dict(errors)
        super().__init__("; ".join(f"{name}: {message}" for name, message in self.errors.items()))


class _Wrong(ValueError):
    """One wrong value; str(err) is the message shown to the person."""


# --- reading one value ---------------------------------------------------------------


def _text(field: FormField, raw: Any) -> str:
    if isinstance(raw, str):
        return raw.strip()
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return str(raw)
    raise _Wrong("Enter text")


def _integer(field: FormField, raw: Any) -> int:
    if isinstance(raw, str) and _INTEGER.fullmatch(raw.strip()):
        return int(raw)
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    raise _Wrong("Enter a whole number")


def _number(field: FormField, raw: Any) -> int | float:
    if isinstance(raw, str) and _NUMBER.fullmatch(raw.strip()):
        raw = int(raw) if _INTEGER.fullmatch(raw.strip()) else float(raw)
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    if isinstance(raw, float) and math.isfinite(raw):
        return raw
    raise _Wrong("Enter a number")


def _yes_no(field: FormField, raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    word = str(raw).strip().lower() if isinstance(raw, str | int) else ""
    if word in _TRUE or word in _FALSE:
        return word in _TRUE
    raise _Wrong("Choose yes or no")


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return "text" if isinstance(value, str) else "other"


def _same(value: str | int | float | bool, raw: Any) -> bool:
    """Whether a sent value means this choice value ("1" means 1, "yes" means True)."""
    kinds = (_kind(value), _kind(raw))
    if kinds[0] == kinds[1]:
        return bool(value == raw)
    if kinds == ("bool", "text"):
        return str(raw).lower() in (_TRUE if value else _FALSE)
    if kinds == ("number", "text"):
        return _NUMBER.fullmatch(raw) is not None and float(raw) == value
    if kinds == ("text", "number"):
        return value == str(raw)
    return False


def _find_choice(field: FormField, raw: Any) -> Choice | None:
    raw = raw.strip() if isinstance(raw, str) else raw
    return next((choice for choice in field.choices if _same(choice.value, raw)), None)


def _labels(field: FormField) -> str:
    return ", ".join(choice.label for choice in field.choices)


def _choice(field: FormField, raw: Any) -> Any:
    choice = _find_choice(field, raw)
    if choice is None:
        raise _Wrong(f"Choose one of: {_labels(field)}")
    return choice.value


def _multi_choice(field: FormField, raw: Any) -> list[Any]:
    items = raw.split(",") if isinstance(raw, str) else raw
    if not isinstance(items, list | tuple):
        raise _Wrong(f"Choose from: {_labels(field)}")
    picked: set[int] = set()
    for item in items:
        if _is_missing(item):
            continue
        choice = _find_choice(field, item)
        if choice is None:
            raise _Wrong(f"'{item}' is not a choice; choose from: {_labels(field)}")
        picked.add(id(choice))
    return [choice.value for choice in field.choices if id(choice) in picked]  # form order


def _parse_date(raw: Any) -> date:
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    try:
        return date.fromisoformat(raw.strip())
    except (AttributeError, ValueError):
        raise _Wrong("Use the format YYYY-MM-DD") from None


def _parse_datetime(raw: Any) -> datetime:
    if isinstance(raw, datetime):
        return raw
    try:
        return datetime.fromisoformat(raw.strip())
    except (AttributeError, ValueError):
        raise _Wrong("Use the format YYYY-MM-DD HH:MM") from None


def _date(field: FormField, raw: Any) -> str:
    return _parse_date(raw).isoformat()


def _datetime(field: FormField, raw: Any) -> str:
    return _parse_datetime(raw).isoformat()


def _email(field: FormField, raw: Any) -> str:
    if isinstance(raw, str) and _EMAIL.fullmatch(raw.strip()):
        return raw.strip()
    raise _Wrong("Enter a valid email address")


def _is_web_address(text: str) -> bool:
    try:
        parts = urlsplit(text)
        return (
            parts.scheme.lower() in ("http", "https")
            and bool(parts.hostname)
            and (parts.port is None or parts.port > 0)
            and not any(char.isspace() for char in text)
        )
    except ValueError:  # a bad port or IPv6 address
        return False


def _url(field: FormField, raw: Any) -> str:
    if isinstance(raw, str) and _is_web_address(raw.strip()):
        return raw.strip()
    raise _Wrong("Enter a web address starting with http:// or https://")


_READERS: dict[str, Callable[[FormField, Any], Any]] = {
    "text": _text,
    "long_text": _text,
    "number": _number,
    "integer": _integer,
    "yes_no": _yes_no,
    "choice": _choice,
    "multi_choice": _multi_choice,
    "date": _date,
    "datetime": _datetime,
    "email": _email,
    "url": _url,
}


def _is_missing(value: Any) -> bool:
    """None, blank text and an empty list all mean "no answer"."""
    if isinstance(value, str):
        return not value.strip()
    return value is None or (isinstance(value, list | tuple) and not value)


def _empty(field: FormField) -> Any:
    return [] if field.type == "multi_choice" else None


def _read(field: FormField, raw: Any) -> Any:
    """The typed value of `raw` (or the field's empty value); raises _Wrong."""
    value = _empty(field) if _is_missing(raw) else _READERS[field.type](field, raw)
    return _empty(field) if _is_missing(value) else value


# --- constraints ---------------------------------------------------------------------


def _number_text(number: float) -> str:
    return str(int(number)) if number.is_integer() else str(number)


def _moment(field: FormField, raw: Any) -> date:
    return _parse_date(raw) if field.type == "date" else _parse_datetime(raw)


def _earlier(a: date, b: date) -> bool:
    """a < b; a naive and an aware date-time are compared by their wall-clock times."""
    if not (isinstance(a, datetime) and isinstance(b, datetime)):
        return a < b
    if (a.tzinfo is None) != (b.tzinfo is None):
        return a.replace(tzinfo=None) < b.replace(tzinfo=None)
    return a < b


def _size_message(field: FormField, bound: str, limit: float) -> str:
    amount = _number_text(limit)
    if field.type in ("number", "integer"):
        return f"Must be {bound} {amount}"
    if field.type == "multi_choice":
        return f"Choose {bound} {amount}"
    return f"Enter {bound} {amount} character{'' if limit == 1 else 's'}"


def _check(field: FormField, value: Any) -> None:
    """Bounds and pattern of a read, non-empty value; raises _Wrong."""
    if field.type in _DATE_TYPES:
        moment = _moment(field, value)
        if field.min_date and _earlier(moment, _moment(field, field.min_date)):
            raise _Wrong(f"Must be on or after {field.min_date}")
        if field.max_date and _earlier(_moment(field, field.max_date), moment):
            raise _Wrong(f"Must be on or before {field.max_date}")
    if field.type in _BOUNDED_TYPES:
        size = value if field.type in ("number", "integer") else len(value)
        if field.min is not None and size < field.min:
            raise _Wrong(_size_message(field, "at least", field.min))
        if field.max is not None and size > field.max:
            raise _Wrong(_size_message(field, "at most", field.max))
    if field.pattern is not None and re.fullmatch(field.pattern, value) is None:
        raise _Wrong("Does not match the expected format")


def _clean(field: FormField, raw: Any) -> Any:
    value = _read(field, raw)
    if _is_missing(value):
        if field.required:
            raise _Wrong("This field is required")
        return value
    _check(field, value)
    return value


# --- checking a form's definition ----------------------------------------------------


def _definition_problem(field: FormField) -> str | None:
    kind = field.type
    if kind in _CHOICE_TYPES and not field.choices:
        return f"a {kind} field needs choices"
    if field.choices and kind not in _CHOICE_TYPES:
        return "choices only apply to choice and multi_choice fields"
    values = [(_kind(choice.value), choice.value) for choice in field.choices]
    duplicates = [value for index, value in enumerate(values) if value in values[:index]]
    if duplicates:
        return f"duplicate choice {duplicates[0][1]!r}"
    if (field.min is not None or field.max is not None) and kind not in _BOUNDED_TYPES:
        hint = " (use min_date/max_date)" if kind in _DATE_TYPES else ""
        return f"min/max do not apply to {kind} fields{hint}"
    if field.min is not None and field.max is not None and field.min > field.max:
        return f"min ({_number_text(field.min)}) is greater than max ({_number_text(field.max)})"
    if (field.min_date or field.max_date) and kind not in _DATE_TYPES:
        return "min_date/max_date only apply to date and datetime fields"
    for bound in ("min_date", "max_date"):
        text = getattr(field, bound)
        try:
            if text:
                _moment(field, text)
        except _Wrong as wrong:
            return f"{bound} {text!r} is not valid: {wrong}"
    low, high = field.min_date, field.max_date
    if low and high and _earlier(_moment(field, high), _moment(field, low)):
        return f"min_date ({field.min_date}) is after max_date ({field.max_date})"
    if field.pattern is not None:
        if kind not in _TEXT_TYPES:
            return "pattern only applies to text, long_text, email and url fields"
        try:
            re.compile(field.pattern)
        except re.error as err:
            return f"pattern {field.pattern!r} is not a valid regular expression: {err}"
    return _default_problem(field)


def _default_problem(field: FormField) -> str | None:
    default = field.default
    if isinstance(default, str) and has_template(default):
        problems = template_problems(default)
        return f"default: {problems[0]}" if problems else None
    try:
        _read(field, default)
    except _Wrong as wrong:
        return f"default {default!r} is not valid: {wrong}"
    return None


# --- the public functions ------------------------------------------------------------


def _resolve_default(field: FormField, scope: Mapping[str, Any]) -> Any:
    try:
        default = field.default
        if isinstance(default, str):
            default = render_template(default, scope)
        return _read(field, default)
    except (ExpressionError, _Wrong):
        return _empty(field)  # a form must still open


def resolve_defaults(form: FormSpec, scope: Mapping[str, Any]) -> dict[str, Any]:
    """Each field's default, templates rendered against `scope` (see `expression_scope`).

    A default that fails to render, or does not fit its field's type, becomes empty (None,
    or [] for multi_choice): it never raises. Bounds are checked only on submission.
    """
    return {field.name: _resolve_default(field, scope) for field in form.fields}


def validate_values(
    form: FormSpec, values: Mapping[str, Any], *, outcome: str | None = None
) -> dict[str, Any]:
    """The cleaned values of every field of `form`, in form order.

    Missing optional fields are None ([] for multi_choice). Raises FormInvalid naming every
    wrong field (and unknown fields, and an outcome that is not one of the form's).
    """
    cleaned: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for field in form.fields:
        try:
            cleaned[field.name] = _clean(field, values.get(field.name))
        except _Wrong as wrong:
            errors[field.name] = str(wrong)
    known = {field.name for field in form.fields}
    errors.update({str(name): f"Unknown field '{name}'" for name in values if name not in known})
    outcomes = [button.name for button in form.outcomes]
    if outcome is not None and outcome not in outcomes:
        errors["outcome"] = f"Choose one of: {', '.join(outcomes)}"
    if errors:
        raise FormInvalid(errors)
    return cleaned
