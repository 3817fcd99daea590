"""A GET webhook's query parameters as a run's input, converted where `params` says so."""

from __future__ import annotations

from app.core.query_input import query_input

SCHEMA = {
    "type": "object",
    "properties": {
        "count": {"type": "integer"},
        "price": {"type": "number"},
        "urgent": {"type": "boolean"},
        "code": {"type": "string"},
        "tags": {"type": "array", "items": {"type": "integer"}},
        "either": {"type": ["integer", "null"]},
    },
}


def test_values_are_converted_as_params_declare() -> None:
    pairs = [
        ("count", "3"),
        ("price", "2.5"),
        ("urgent", "TRUE"),
        ("code", "007"),
        ("tags", "1"),
        ("either", "4"),
        ("other", "9"),
    ]
    assert query_input(SCHEMA, pairs) == {
        "count": 3,
        "price": 2.5,
        "urgent": True,
        "code": "007",  # declared text stays text
        "tags": [1],  # an array, even with one value
        "either": 4,
        "other": "9",  # undeclared: text
    }


def test_what_does_not_convert_stays_text_for_the_params_check_to_name() -> None:
    pairs = [("count", "2.5"), ("price", "nan"), ("urgent", "maybe")]
    assert query_input(SCHEMA, pairs) == {"count": "2.5", "price": "nan", "urgent": "maybe"}


def test_a_repeated_name_is_a_list() -> None:
    assert query_input({}, [("a", "1"), ("a", "2"), ("b", "x")]) == {"a": ["1", "2"], "b": "x"}
    assert query_input({"properties": "broken"}, []) == {}
