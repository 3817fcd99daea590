import json
import re
from pathlib import Path
from typing import Any

import pytest

from app.core.expressions import ExpressionError
from app.core.jsonlogic import JsonLogicError, apply_jsonlogic, jsonlogic_problem, jsonlogic_truthy

# jsonlogic.com's official tests.json, from GoPlasmatic/datalogic-rs tests/tests.json @ 2149879ac.
SUITE = Path(__file__).parent.parent / "data" / "jsonlogic_official_tests.json"


def official_cases() -> list[Any]:
    cases: list[Any] = []
    section = "start"
    for entry in json.loads(SUITE.read_text()):
        if isinstance(entry, str):
            section = re.sub(r"[^a-z0-9]+", "-", entry.lower()).strip("-")
            continue
        rule, data, expected = entry
        cases.append(pytest.param(rule, data, expected, id=f"{len(cases):03d}-{section}"))
    return cases


CASES = official_cases()


def test_the_whole_suite_is_there() -> None:
    assert len(CASES) == 278


@pytest.mark.parametrize(("rule", "data", "expected"), CASES)
def test_official_suite(rule: Any, data: Any, expected: Any) -> None:
    result = apply_jsonlogic(rule, data)
    assert result == expected
    assert type(result) is type(expected)


def test_seed_example() -> None:
    rule = {">=": [{"var": "product_count"}, 100]}
    assert apply_jsonlogic(rule, {"product_count": 150}) is True
    assert apply_jsonlogic(rule, {"product_count": 50}) is False
    assert jsonlogic_problem(rule) is None


def test_bare_strings_are_values_not_json_text() -> None:
    # datalogic-py reads a Python str as JSON text; we pass strings as values.
    assert apply_jsonlogic("apple", {}) == "apple"
    assert apply_jsonlogic("[1]", {}) == "[1]"
    assert apply_jsonlogic({"var": ""}, "apple") == "apple"
    assert jsonlogic_problem("apple") is None


def test_dotted_var_reaches_nested_data() -> None:
    data = {"nodes": {"scrape": {"product_count": 3}}}
    assert apply_jsonlogic({"var": "nodes.scrape.product_count"}, data) == 3


@pytest.mark.parametrize(
    ("rule", "data", "message"),
    [
        ({"foo": [1]}, {}, "unknown operator 'foo'"),
        ({"==": [1]}, {}, "wrong arguments for '=='"),
        ({"+": ["a", 1]}, {}, "'+' did not get numbers it can compute with (result is NaN)"),
        ({"throw": "oops"}, {}, 'Thrown: {"type":"oops"}'),
        ({"var": "x"}, {"x": object()}, "data is not plain JSON data: "),
        (object(), {}, "invalid JSON Logic rule: "),
    ],
)
def test_errors(rule: Any, data: Any, message: str) -> None:
    with pytest.raises(JsonLogicError) as info:
        apply_jsonlogic(rule, data)
    assert str(info.value).startswith(message)
    assert isinstance(info.value, ExpressionError)
    assert info.value.expression


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ({"and": [{"var": "a"}, True]}, None),
        ({"foo": [1]}, "unknown operator `foo`"),
        ({"==": [1]}, "`==` takes at least 2 arguments, not 1"),
        ({"and": [{"==": [1]}]}, "`==` takes at least 2 arguments, not 1 at /and/0"),
    ],
)
def test_jsonlogic_problem(rule: Any, problem: str | None) -> None:
    assert jsonlogic_problem(rule) == problem


def test_unparsable_rule_problem() -> None:
    problem = jsonlogic_problem(object())
    assert problem is not None
    assert problem.startswith("invalid JSON Logic rule: ")


@pytest.mark.parametrize(
    ("value", "truthy"),
    [
        (True, True),
        (False, False),
        (None, False),
        (0, False),
        (0.0, False),
        (float("nan"), False),
        (1, True),
        ("", False),
        ("0", True),
        ([], False),
        ([0], True),
        ({}, False),
        ({"a": 1}, True),
    ],
)
def test_truthiness_matches_the_engine(value: Any, truthy: bool) -> None:
    assert jsonlogic_truthy(value) is truthy
    # the engine's own `if` agrees
    assert apply_jsonlogic({"if": [{"var": "v"}, True, False]}, {"v": value}) is truthy
