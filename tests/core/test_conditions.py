from typing import Any

import pytest

from app.core.conditions import condition_problem, evaluate_condition
from app.core.expressions import ExpressionError, expression_scope
from app.core.jsonlogic import JsonLogicError

SCOPE = expression_scope(
    input={"product_count": 150, "data": {"amount": 1500}, "tags": [], "meta": {}},
    nodes={"scrape": {"product_count": 150, "status": "ok"}},
    params={"threshold": 100},
    run={"id": "run-1"},
    extra={"item": {"price": 5}},
)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        (None, True),
        (True, True),
        (False, False),
        ("true", True),
        ("TRUE", True),
        (" False ", False),
        ("", True),
        ("   ", True),
        ("data.amount > 1000", True),
        ("product_count < params.threshold", False),
        ("nodes.scrape.status == 'ok'", True),
        ("item.price", True),
        ("tags", False),
        ("meta", False),
        ("len(tags) == 0", True),
        ({">=": [{"var": "product_count"}, 100]}, True),
        ({">=": [{"var": "product_count"}, 200]}, False),
        ({">=": [{"var": "nodes.scrape.product_count"}, {"var": "params.threshold"}]}, True),
        ({"==": [{"var": "input.data.amount"}, 1500]}, True),
        ({"==": [{"var": "run.id"}, "run-1"]}, True),
        ({"var": "item.price"}, True),
        ({"var": "tags"}, False),
        ({"var": "meta"}, False),
        ({"var": "missing"}, False),
        ({"merge": [[]]}, False),
        ({"cat": ["a"]}, True),
    ],
)
def test_evaluate_condition(condition: Any, expected: bool) -> None:
    assert evaluate_condition(condition, SCOPE) is expected
    assert condition_problem(condition) is None


def test_jsonlogic_sees_input_keys_even_in_a_minimal_scope() -> None:
    scope = {"input": {"product_count": 150}}
    assert evaluate_condition({">=": [{"var": "product_count"}, 100]}, scope) is True


def test_expression_errors_propagate() -> None:
    with pytest.raises(ExpressionError, match="unknown name 'amout'"):
        evaluate_condition("amout > 1", SCOPE)
    with pytest.raises(JsonLogicError, match="unknown operator 'nope'"):
        evaluate_condition({"nope": [1]}, SCOPE)


@pytest.mark.parametrize(
    ("condition", "problem"),
    [
        ("open('x')", "function 'open' is not allowed"),
        ("a ==", "syntax error at the end of the expression: invalid syntax"),
        ({"foo": [1]}, "unknown operator `foo`"),
        (5, "a condition must be true/false, an expression or a JSON Logic object, not int"),
        ([1], "a condition must be true/false, an expression or a JSON Logic object, not list"),
    ],
)
def test_condition_problem(condition: Any, problem: str) -> None:
    assert condition_problem(condition) == problem


def test_wrong_condition_type_raises() -> None:
    with pytest.raises(ExpressionError, match="not int"):
        evaluate_condition(5, SCOPE)  # type: ignore[arg-type]
