from datetime import date, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from app.core.expressions import expression_scope
from app.core.forms import (
    Choice,
    FormField,
    FormInvalid,
    FormSpec,
    Outcome,
    humanize,
    resolve_defaults,
    validate_values,
)

SCOPE = expression_scope(
    input={},
    nodes={"fetch": {"rows": [{"tag": "b"}]}},
    params={"amount": 3, "email": "ann@example.org", "tags": ["a", "c"]},
    run={"id": "run-1"},
)


def one(kind: str, **options: Any) -> FormSpec:
    return FormSpec(fields=[FormField(name="x", type=kind, **options)])


def clean(form: FormSpec, value: Any) -> Any:
    return validate_values(form, {"x": value})["x"]


def error(form: FormSpec, value: Any) -> str:
    with pytest.raises(FormInvalid) as caught:
        validate_values(form, {"x": value})
    return caught.value.errors["x"]


# --- the model -----------------------------------------------------------------------


def test_labels_default_to_the_humanized_name() -> None:
    assert humanize("due_date") == "Due date"
    assert humanize("_private__name") == "Private name"
    assert FormField(name="due_date").label == "Due date"
    assert FormField(name="due_date", label="When").label == "When"
    assert Outcome(name="send_back").label == "Send back"


def test_a_form_has_a_submit_button_by_default() -> None:
    form = FormSpec()
    assert form.fields == []
    assert [(o.name, o.label, o.style) for o in form.outcomes] == [("submit", "Submit", "primary")]


def test_choices_and_outcomes_accept_plain_values() -> None:
    field = FormField(name="x", type="choice", choices=["low", 2, 2.5, True, {"value": "h"}])
    assert [(c.value, c.label) for c in field.choices] == [
        ("low", "low"),
        (2, "2"),
        (2.5, "2.5"),
        (True, "True"),
        ("h", "h"),
    ]
    assert Choice.model_validate("low") == Choice(value="low", label="low")
    form = FormSpec.model_validate(
        {"outcomes": ["approve", {"name": "reject", "style": "negative"}]}
    )
    assert [(o.name, o.label, o.style) for o in form.outcomes] == [
        ("approve", "Approve", "primary"),
        ("reject", "Reject", "negative"),
    ]


def test_a_form_round_trips_through_json() -> None:
    form = FormSpec(
        fields=[FormField(name="level", type="choice", choices=["a", "b"], required=True)],
        outcomes=[Outcome(name="ok")],
    )
    assert FormSpec.model_validate_json(form.model_dump_json()) == form


@pytest.mark.parametrize(
    ("definition", "message"),
    [
        ({"type": "choice"}, "field 'x': a choice field needs choices"),
        ({"type": "multi_choice", "choices": []}, "field 'x': a multi_choice field needs choices"),
        ({"type": "text", "choices": ["a"]}, "field 'x': choices only apply to choice"),
        ({"type": "choice", "choices": ["a", "a"]}, "field 'x': duplicate choice 'a'"),
        ({"type": "choice", "choices": [1, 1.0]}, "field 'x': duplicate choice 1.0"),
        ({"pattern": "(ab"}, "field 'x': pattern '(ab' is not a valid regular expression"),
        ({"type": "integer", "pattern": "[0-9]+"}, "field 'x': pattern only applies to text"),
        ({"type": "integer", "min": 10, "max": 5}, "field 'x': min (10) is greater than max (5)"),
        ({"type": "text", "min": 2.5, "max": 1}, "field 'x': min (2.5) is greater than max (1)"),
        (
            {"type": "date", "min": 1},
            "field 'x': min/max do not apply to date fields (use min_date",
        ),
        ({"type": "yes_no", "max": 1}, "field 'x': min/max do not apply to yes_no fields"),
        ({"type": "text", "min_date": "2026-01-01"}, "field 'x': min_date/max_date only apply"),
        ({"type": "date", "min_date": "soon"}, "field 'x': min_date 'soon' is not valid: Use"),
        (
            {"type": "date", "min_date": "2026-02-01", "max_date": "2026-01-01"},
            "field 'x': min_date (2026-02-01) is after max_date (2026-01-01)",
        ),
        ({"type": "integer", "default": "many"}, "field 'x': default 'many' is not valid: Enter"),
        ({"type": "choice", "choices": ["a"], "default": "b"}, "default 'b' is not valid: Choose"),
        ({"type": "date", "default": "22/11/2026"}, "default '22/11/2026' is not valid: Use"),
        ({"default": "{{ params. }}"}, "field 'x': default: {{ params. }}"),
    ],
)
def test_bad_definitions_name_the_field(definition: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match="Value error") as caught:
        FormField(name="x", **definition)
    assert message in str(caught.value)


@pytest.mark.parametrize("name", ["", "1st", "has space", "dash-ed", "x" * 65])
def test_field_and_outcome_names_are_identifiers(name: str) -> None:
    with pytest.raises(ValidationError):
        FormField(name=name)
    with pytest.raises(ValidationError):
        Outcome(name=name)


def test_unknown_options_are_rejected() -> None:
    with pytest.raises(ValidationError, match="colour"):
        FormField.model_validate({"name": "x", "colour": "red"})
    with pytest.raises(ValidationError, match="Input should be 'text'"):
        FormField.model_validate({"name": "x", "type": "password"})


def test_names_are_unique_and_errors_name_the_duplicate() -> None:
    with pytest.raises(ValidationError, match="duplicate field name 'a'"):
        FormSpec(fields=[FormField(name="a"), FormField(name="b"), FormField(name="a")])
    with pytest.raises(ValidationError, match="duplicate outcome name 'approve'"):
        FormSpec(outcomes=[Outcome(name="approve"), Outcome(name="approve")])
    with pytest.raises(ValidationError, match="at least 1 item"):
        FormSpec(outcomes=[])


def test_good_literal_defaults_are_accepted() -> None:
    FormField(name="x", type="integer", default=5)
    FormField(name="x", type="number", default="2.5")
    FormField(name="x", type="yes_no", default=False)
    FormField(name="x", type="multi_choice", choices=["a", "b"], default=["b"])
    FormField(name="x", type="datetime", default="2026-11-22T10:00")
    FormField(name="x", type="integer", min=0, max=10, default=50)  # bounds apply to answers


# --- reading each type ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "options", "sent", "expected"),
    [
        ("text", {}, "  hello  ", "hello"),
        ("text", {}, 12, "12"),
        ("long_text", {}, "line one\nline two", "line one\nline two"),
        ("integer", {}, "42", 42),
        ("integer", {}, " -7 ", -7),
        ("integer", {}, 42, 42),
        ("integer", {}, 42.0, 42),
        ("number", {}, "3.5", 3.5),
        ("number", {}, "42", 42),
        ("number", {}, "-1e3", -1000.0),
        ("number", {}, ".5", 0.5),
        ("number", {}, 7, 7),
        ("number", {}, 2.25, 2.25),
        ("yes_no", {}, True, True),
        ("yes_no", {}, False, False),
        ("yes_no", {}, "true", True),
        ("yes_no", {}, "FALSE", False),
        ("yes_no", {}, "yes", True),
        ("yes_no", {}, "no", False),
        ("yes_no", {}, "on", True),
        ("yes_no", {}, "off", False),
        ("yes_no", {}, 1, True),
        ("yes_no", {}, "0", False),
        ("choice", {"choices": ["Low", "High"]}, "High", "High"),
        ("choice", {"choices": ["Low", "High"]}, " Low ", "Low"),
        ("choice", {"choices": [1, 2, 3]}, "1", 1),
        ("choice", {"choices": [1, 2, 3]}, 2.0, 2),
        ("choice", {"choices": [0.5, 1.5]}, "1.5", 1.5),
        ("choice", {"choices": ["1", "2"]}, 1, "1"),
        ("choice", {"choices": [True, False]}, "no", False),
        ("choice", {"choices": [{"value": "h", "label": "High"}]}, "h", "h"),
        ("multi_choice", {"choices": ["a", "b", "c"]}, ["c", "a"], ["a", "c"]),
        ("multi_choice", {"choices": ["a", "b", "c"]}, "c, a", ["a", "c"]),
        ("multi_choice", {"choices": ["a", "b", "c"]}, "a,a,,b", ["a", "b"]),
        ("multi_choice", {"choices": [1, 2, 3]}, ["3", 1], [1, 3]),
        ("date", {}, "2026-11-22", "2026-11-22"),
        ("date", {}, " 2026-11-22 ", "2026-11-22"),
        ("date", {}, date(2026, 11, 22), "2026-11-22"),
        ("datetime", {}, "2026-11-22T10:30", "2026-11-22T10:30:00"),
        ("datetime", {}, "2026-11-22 10:30:15", "2026-11-22T10:30:15"),
        ("datetime", {}, "2026-11-22T10:30Z", "2026-11-22T10:30:00+00:00"),
        ("datetime", {}, "2026-11-22T10:30:00+01:00", "2026-11-22T10:30:00+01:00"),
        ("datetime", {}, "2026-11-22", "2026-11-22T00:00:00"),
        ("datetime", {}, datetime(2026, 11, 22, 9), "2026-11-22T09:00:00"),
        ("email", {}, " ann@example.org ", "ann@example.org"),
        ("email", {}, "first.last+tag@mail.example.co.uk", "first.last+tag@mail.example.co.uk"),
        ("url", {}, "https://example.org/a?b=c", "https://example.org/a?b=c"),
        ("url", {}, "http://localhost:8080", "http://localhost:8080"),
        ("url", {}, "HTTPS://EXAMPLE.ORG", "HTTPS://EXAMPLE.ORG"),
    ],
)
def test_each_type_accepts_and_coerces(
    kind: str, options: dict[str, Any], sent: Any, expected: Any
) -> None:
    value = clean(one(kind, **options), sent)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("kind", "options", "sent", "message"),
    [
        ("text", {}, ["a"], "Enter text"),
        ("text", {}, True, "Enter text"),
        ("integer", {}, "4.5", "Enter a whole number"),
        ("integer", {}, "42.0", "Enter a whole number"),
        ("integer", {}, 4.5, "Enter a whole number"),
        ("integer", {}, "four", "Enter a whole number"),
        ("integer", {}, "1_000", "Enter a whole number"),
        ("integer", {}, True, "Enter a whole number"),
        ("number", {}, "3,5", "Enter a number"),
        ("number", {}, "nan", "Enter a number"),
        ("number", {}, float("inf"), "Enter a number"),
        ("number", {}, "1e999", "Enter a number"),
        ("number", {}, False, "Enter a number"),
        ("yes_no", {}, "maybe", "Choose yes or no"),
        ("yes_no", {}, 2, "Choose yes or no"),
        ("choice", {"choices": ["Low", "High"]}, "Medium", "Choose one of: Low, High"),
        ("choice", {"choices": ["Low", "High"]}, "low", "Choose one of: Low, High"),
        ("choice", {"choices": [{"value": "l", "label": "Low"}]}, "Low", "Choose one of: Low"),
        ("choice", {"choices": [1, 2]}, True, "Choose one of: 1, 2"),
        ("choice", {"choices": [True, False]}, 1, "Choose one of: True, False"),
        ("multi_choice", {"choices": ["a", "b"]}, ["a", "z"], "'z' is not a choice; choose from"),
        ("multi_choice", {"choices": ["a", "b"]}, {"a": 1}, "Choose from: a, b"),
        ("date", {}, "22/11/2026", "Use the format YYYY-MM-DD"),
        ("date", {}, "2026-02-30", "Use the format YYYY-MM-DD"),
        ("date", {}, "2026-11-22T10:30", "Use the format YYYY-MM-DD"),
        ("date", {}, 20261122, "Use the format YYYY-MM-DD"),
        ("datetime", {}, "tomorrow", "Use the format YYYY-MM-DD HH:MM"),
        ("datetime", {}, "2026-11-22T25:00", "Use the format YYYY-MM-DD HH:MM"),
        ("email", {}, "ann", "Enter a valid email address"),
        ("email", {}, "ann@example", "Enter a valid email address"),
        ("email", {}, "ann@@example.org", "Enter a valid email address"),
        ("email", {}, "ann smith@example.org", "Enter a valid email address"),
        ("email", {}, "ann@.org", "Enter a valid email address"),
        ("url", {}, "example.org", "Enter a web address starting with http:// or https://"),
        ("url", {}, "ftp://example.org", "Enter a web address starting with http:// or https://"),
        ("url", {}, "https://", "Enter a web address starting with http:// or https://"),
        ("url", {}, "https://exa mple.org", "Enter a web address starting with http://"),
        ("url", {}, "http://[::1", "Enter a web address starting with http:// or https://"),
        ("url", {}, "http://example.org:99999", "Enter a web address starting with http://"),
    ],
)
def test_each_type_rejects_with_a_plain_message(
    kind: str, options: dict[str, Any], sent: Any, message: str
) -> None:
    assert error(one(kind, **options), sent).startswith(message)


# --- required and optional -----------------------------------------------------------


@pytest.mark.parametrize("kind", ["text", "integer", "date", "email", "url", "yes_no"])
@pytest.mark.parametrize("sent", [None, "", "   "])
def test_empty_answers_count_as_missing(kind: str, sent: Any) -> None:
    assert clean(one(kind), sent) is None
    assert error(one(kind, required=True), sent) == "This field is required"


def test_missing_keys_are_missing_answers() -> None:
    form = FormSpec(
        fields=[
            FormField(name="note"),
            FormField(name="tags", type="multi_choice", choices=["a", "b"]),
            FormField(name="name", required=True),
        ]
    )
    with pytest.raises(FormInvalid) as caught:
        validate_values(form, {})
    assert caught.value.errors == {"name": "This field is required"}
    assert validate_values(form, {"name": "Ann"}) == {"note": None, "tags": [], "name": "Ann"}


def test_multi_choice_empty_is_an_empty_list() -> None:
    form = one("multi_choice", choices=["a", "b"])
    for sent in (None, "", [], " , "):
        assert clean(form, sent) == []
    required = one("multi_choice", choices=["a", "b"], required=True)
    for sent in ([], "", [""], ","):
        assert error(required, sent) == "This field is required"


def test_required_yes_no_accepts_no_as_an_answer() -> None:
    form = one("yes_no", required=True)
    assert clean(form, False) is False
    assert clean(form, "off") is False
    assert error(form, None) == "This field is required"


def test_zero_is_an_answer() -> None:
    assert clean(one("integer", required=True), 0) == 0
    assert clean(one("number", required=True), "0") == 0


# --- bounds and pattern --------------------------------------------------------------


def test_number_bounds() -> None:
    form = one("number", min=0.5, max=100)
    assert clean(form, "0.5") == 0.5
    assert clean(form, 100) == 100
    assert error(form, "100.01") == "Must be at most 100"
    assert error(form, 0) == "Must be at least 0.5"
    integer = one("integer", min=-3, max=3)
    assert error(integer, "4") == "Must be at most 3"
    assert error(integer, "-4") == "Must be at least -3"


def test_text_length_bounds() -> None:
    form = one("text", min=2, max=5)
    assert clean(form, "ab") == "ab"
    assert clean(form, "  abcde  ") == "abcde"  # measured after trimming
    assert error(form, "a") == "Enter at least 2 characters"
    assert error(form, "abcdef") == "Enter at most 5 characters"
    assert error(one("long_text", min=1, max=1), "ab") == "Enter at most 1 character"


def test_multi_choice_count_bounds() -> None:
    form = one("multi_choice", choices=["a", "b", "c"], min=2, max=2)
    assert clean(form, "a,b") == ["a", "b"]
    assert error(form, ["a"]) == "Choose at least 2"
    assert error(form, ["a", "b", "c"]) == "Choose at most 2"
    assert clean(form, ["a", "a", "b"]) == ["a", "b"]  # duplicates count once


def test_date_bounds() -> None:
    form = one("date", min_date="2026-01-01", max_date="2026-12-31")
    assert clean(form, "2026-01-01") == "2026-01-01"
    assert clean(form, "2026-12-31") == "2026-12-31"
    assert error(form, "2025-12-31") == "Must be on or after 2026-01-01"
    assert error(form, "2027-01-01") == "Must be on or before 2026-12-31"


def test_datetime_bounds() -> None:
    form = one("datetime", min_date="2026-01-01T09:00", max_date="2026-01-01T17:00:00+00:00")
    assert clean(form, "2026-01-01T09:00") == "2026-01-01T09:00:00"
    assert error(form, "2026-01-01T08:59") == "Must be on or after 2026-01-01T09:00"
    assert error(form, "2026-01-01T17:01Z") == "Must be on or before 2026-01-01T17:00:00+00:00"
    assert error(form, "2026-01-01T19:00+01:00") == (
        "Must be on or before 2026-01-01T17:00:00+00:00"
    )
    assert clean(form, "2026-01-01T18:00+01:00") == "2026-01-01T18:00:00+01:00"


def test_pattern_must_match_the_whole_text() -> None:
    form = one("text", pattern=r"[A-Z]{3}-[0-9]{2}")
    assert clean(form, "ABC-12") == "ABC-12"
    assert clean(form, " ABC-12 ") == "ABC-12"
    assert error(form, "ABC-123") == "Does not match the expected format"
    assert error(form, "xABC-12") == "Does not match the expected format"
    email = one("email", pattern=r".*@example\.org")
    assert error(email, "ann@example.com") == "Does not match the expected format"


# --- the whole form ------------------------------------------------------------------

ORDER = FormSpec(
    fields=[
        FormField(name="amount", type="integer", required=True, min=1, max=100),
        FormField(name="email", type="email", required=True),
        FormField(name="level", type="choice", choices=["Low", "High"]),
        FormField(name="due", type="date"),
        FormField(name="urgent", type="yes_no"),
    ],
    outcomes=[Outcome(name="approve"), Outcome(name="reject", style="negative")],
)


def test_a_good_answer_is_cleaned() -> None:
    values = {"amount": "42", "email": "ann@example.org", "urgent": "on", "due": ""}
    assert validate_values(ORDER, values, outcome="approve") == {
        "amount": 42,
        "email": "ann@example.org",
        "level": None,
        "due": None,
        "urgent": True,
    }


def test_all_errors_are_collected_at_once() -> None:
    values = {"amount": "420", "email": "ann", "level": "Mid", "due": "soon", "colour": "red"}
    with pytest.raises(FormInvalid) as caught:
        validate_values(ORDER, values, outcome="maybe")
    err = caught.value
    assert err.errors == {
        "amount": "Must be at most 100",
        "email": "Enter a valid email address",
        "level": "Choose one of: Low, High",
        "due": "Use the format YYYY-MM-DD",
        "colour": "Unknown field 'colour'",
        "outcome": "Choose one of: approve, reject",
    }
    assert str(err).startswith("amount: Must be at most 100; email: Enter a valid email address;")
    assert isinstance(err, ValueError)


def test_unknown_fields_are_errors() -> None:
    with pytest.raises(FormInvalid) as caught:
        validate_values(FormSpec(), {"x": 1})
    assert caught.value.errors == {"x": "Unknown field 'x'"}
    assert str(caught.value) == "x: Unknown field 'x'"


def test_the_outcome_must_be_one_of_the_form() -> None:
    values = {"amount": 1, "email": "a@b.org"}
    assert validate_values(ORDER, values, outcome="reject")["amount"] == 1
    assert validate_values(ORDER, values)["amount"] == 1  # no outcome given: not checked
    with pytest.raises(FormInvalid) as caught:
        validate_values(ORDER, values, outcome="submit")
    assert caught.value.errors == {"outcome": "Choose one of: approve, reject"}


def test_validation_does_not_change_the_sent_values() -> None:
    values = {"amount": "42", "email": " ann@example.org "}
    validate_values(ORDER, values)
    assert values == {"amount": "42", "email": " ann@example.org "}


# --- defaults ------------------------------------------------------------------------


def test_defaults_are_rendered_against_run_data() -> None:
    form = FormSpec(
        fields=[
            FormField(name="amount", type="number", default="{{ params.amount * 2 }}"),
            FormField(name="email", type="email", default="{{ params.email }}"),
            FormField(name="note", default="Run {{ run.id }} for {{ params.amount }}"),
            FormField(name="count", type="integer", default="{{ str(params.amount) }}"),
            FormField(
                name="tags",
                type="multi_choice",
                choices=["a", "b", "c"],
                default="{{ params.tags }}",
            ),
            FormField(
                name="tag",
                type="choice",
                choices=["a", "b"],
                default="{{ nodes.fetch.rows[0].tag }}",
            ),
            FormField(name="level", type="choice", choices=["low", "high"], default="high"),
            FormField(name="ok", type="yes_no", default=False),
            FormField(name="when", type="date", default="2026-11-22"),
            FormField(name="plain"),
        ]
    )
    assert resolve_defaults(form, SCOPE) == {
        "amount": 6,
        "email": "ann@example.org",
        "note": "Run run-1 for 3",
        "count": 3,
        "tags": ["a", "c"],
        "tag": "b",
        "level": "high",
        "ok": False,
        "when": "2026-11-22",
        "plain": None,
    }


def test_a_default_that_fails_to_render_is_empty_and_does_not_raise() -> None:
    form = FormSpec(
        fields=[
            FormField(name="missing", default="{{ params.nope }}"),
            FormField(name="division", type="number", default="{{ 1 / 0 }}"),
            FormField(name="wrong_type", type="integer", default="{{ params.email }}"),
            FormField(
                name="not_a_choice", type="choice", choices=["a"], default="{{ params.email }}"
            ),
            FormField(name="tags", type="multi_choice", choices=["a"], default="{{ nodes.x }}"),
        ]
    )
    assert resolve_defaults(form, SCOPE) == {
        "missing": None,
        "division": None,
        "wrong_type": None,
        "not_a_choice": None,
        "tags": [],
    }


def test_defaults_are_not_bound_checked() -> None:
    form = FormSpec(fields=[FormField(name="n", type="integer", max=5, default="{{ 10 }}")])
    assert resolve_defaults(form, SCOPE) == {"n": 10}
    with pytest.raises(FormInvalid, match="Must be at most 5"):
        validate_values(form, resolve_defaults(form, SCOPE))


# --- property ------------------------------------------------------------------------


@given(
    low=st.none() | st.integers(-1000, 1000),
    span=st.none() | st.integers(0, 2000),
    value=st.integers(-5000, 5000),
    as_text=st.booleans(),
)
def test_integer_fields_accept_exactly_the_values_in_range(
    low: int | None, span: int | None, value: int, as_text: bool
) -> None:
    high = None if span is None else (low or 0) + span
    form = FormSpec(fields=[FormField(name="n", type="integer", min=low, max=high)])
    in_range = (low is None or value >= low) and (high is None or value <= high)
    sent = str(value) if as_text else value
    if in_range:
        assert validate_values(form, {"n": sent}) == {"n": value}
    else:
        with pytest.raises(FormInvalid) as caught:
            validate_values(form, {"n": sent})
        too_low = low is not None and value < low
        expected = f"Must be at least {low}" if too_low else f"Must be at most {high}"
        assert caught.value.errors == {"n": expected}
