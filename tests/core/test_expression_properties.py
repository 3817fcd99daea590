"""Property tests: generated hostile expressions, templates and JSON Logic rules (up to 64 KB of
source) end within 1 s and 64 MB wherever expressions are evaluated."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core.conditions import evaluate_condition
from app.core.expressions import ExpressionError, evaluate, expression_scope
from app.core.forms import FormField, FormSpec, resolve_defaults
from app.core.templates import render_config, render_template

SCOPE = expression_scope(
    input={"items": list(range(300)), "text": "abc" * 300, "rows": [{"a": i} for i in range(300)]},
    nodes={},
    params={},
    run={},
)

ATOMS = ["items", "text", "rows", "[1] * 9999", "'x' * 9999", "10 ** 999", "9", "[x]", "x"]

BINARY = ["{} + {}", "{} * {}", "{} ** {}", "{} % {}", "{} == {}", "{} in {}", "[{}, {}]"]
UNARY = [
    "[{} for x in items]",
    "[{} for x in [1] * 999]",
    "{{'k': {}}}",
    "sum({})",
    "sorted({})",
    "max({})",
    "str({})",
    "upper({})",
    "f'{{{}}}'",
    "'%s%s' % ({}, 1)",
    "'%0100d' % {}",
    "[*{}]",
]


def _combine(children: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    binary = st.tuples(st.sampled_from(BINARY), children, children).map(
        lambda t: t[0].format(f"({t[1]})", f"({t[2]})")
    )
    unary = st.tuples(st.sampled_from(UNARY), children).map(lambda t: t[0].format(t[1]))
    return binary | unary


EXPRESSIONS = st.recursive(st.sampled_from(ATOMS), _combine, max_leaves=40)


def _within_limits(action: Callable[[], Any]) -> None:
    def run() -> None:
        try:
            action()
        except ExpressionError as err:
            assert "\n" not in err.message and "Traceback" not in err.message

    started = time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    tracemalloc.start()  # a second run for memory: tracemalloc slows allocation a lot
    try:
        run()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert seconds < 1, f"took {seconds:.2f} s"
    assert peak < 64 * 2**20, f"peak {peak / 2**20:.0f} MB"


PROPERTY = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(EXPRESSIONS)
def test_expressions_in_if_and_set_end_fast(source: str) -> None:
    _within_limits(lambda: evaluate(source, SCOPE))  # `set` values, `switch`, `filter`
    _within_limits(lambda: evaluate_condition(source, SCOPE))  # `if` and edge `when`


@PROPERTY
@given(st.lists(EXPRESSIONS, min_size=1, max_size=400))
def test_templates_and_task_defaults_end_fast(sources: list[str]) -> None:
    text = " ".join(f"{{{{ {source} }}}}" for source in sources)[: 64 * 1024]
    _within_limits(lambda: render_template(text, SCOPE))
    _within_limits(lambda: render_config({"a": text, "b": [text, text]}, SCOPE))
    # Built without validation: a default that does not compile must still render safely.
    form = FormSpec.model_construct(fields=[FormField.model_construct(name="f", default=text)])
    _within_limits(lambda: resolve_defaults(form, SCOPE))


JSON_ATOMS = st.sampled_from(
    [{"var": "items"}, {"var": "text"}, {"var": "accumulator"}, {"var": "current"}, "x", 1]
)


def _logic(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return (
        st.tuples(children, children).map(lambda t: {"cat": [t[0], t[0], t[1]]})
        | st.tuples(children, children).map(lambda t: {"reduce": [{"var": "items"}, t[0], t[1]]})
        | st.tuples(children).map(lambda t: {"map": [{"var": "items"}, t[0]]})
        | st.tuples(children, children).map(lambda t: {"merge": [t[0], t[1], t[0]]})
        | st.tuples(children, children).map(lambda t: {"+": [t[0], t[1]]})
    )


@PROPERTY
@given(st.recursive(JSON_ATOMS, _logic, max_leaves=30))
def test_json_logic_conditions_end_fast(rule: Any) -> None:
    if not isinstance(rule, dict):
        rule = {"!!": [rule]}
    _within_limits(lambda: evaluate_condition(rule, SCOPE))
