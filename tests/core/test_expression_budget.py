"""The work budget of expressions, JSON Logic and templates: known bombs stop fast, with a
clear message, on their own and inside a real run (whose event loop stays responsive)."""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest

from app.core.conditions import evaluate_condition
from app.core.expression_budget import Budget
from app.core.expressions import MAX_STEPS, ExpressionError, evaluate, expression_scope
from app.core.jsonlogic import JsonLogicError, apply_jsonlogic, jsonlogic_problem
from app.core.templates import render_config, render_template
from app.engine.service import Engine
from tests.conftest import chain_workflow

STEPS = f"more than {MAX_STEPS:,} steps (limit)"

# (expression, a part of the message it must fail with)
BOMBS = [
    ("'%0*d' % (10**9, 1)", "'*' width in '%' formatting is not allowed"),
    ('"%0100000000d" % 1', "width 100000000 in '%' formatting is too large (limit 100)"),
    ('"%.100000000f" % 1', "precision 100000000 in '%' formatting is too large"),
    ("'%s' % [[0] * 9000]", "result of '%' would be too long"),
    ("'%s' * 20 % (" + "9 ** 1000, " * 20 + ")", "result of '%' would be too long"),
    ("3999999 ** 3999999", "exponent 3999999 is too large"),
    ("(9 ** 1000) * (9 ** 1000) * (9 ** 1000) * (9 ** 1000)", "result of '*' would be too large"),
    ("[ [1] * 9999 + [1] * 9999 for y in [1] * 999]", STEPS),
    ("[[x * y for x in [1] * 999] for y in [1] * 999]", "comprehension visits more than 1000"),
    ("[10 ** 999 * 10 ** 999 for y in [1] * 999]", STEPS),
    ("[sum([1] * 9999) for y in [1] * 999]", STEPS),
    ("[max([1] * 9999) for y in [1] * 999]", STEPS),
    ("[sorted([1] * 9999) for y in [1] * 999]", STEPS),
    ("[[1] * 9999 == [1] * 9999 for y in [1] * 999]", STEPS),
    ("[y in [1] * 9999 for y in [2] * 999]", STEPS),
    ("[([1] * 9999)[1:] for y in [1] * 999]", STEPS),
    ("[[*([1] * 9999), *([1] * 9999)] for y in [1] * 999]", STEPS),
    ("[f'{y}' * 9999 for y in [1] * 999]", STEPS),
    ("[upper('a' * 9999) for y in [1] * 999]", STEPS),
    ("[str([0] * 3000) for y in [1] * 999]", STEPS),
    # Shared parts: each level doubles what the result would write out.
    (
        "[[[[[[[[[[[[[[[[[[[[[a, a] for a in [[b, b]]] for b in [[c, c]]] for c in [[d, d]]]"
        " for d in [[e, e]]] for e in [[f, f]]] for f in [[g, g]]] for g in [[h, h]]]"
        " for h in [[i, i]]] for i in [[j, j]]] for j in [[k, k]]] for k in [[l, l]]]"
        " for l in [[m, m]]] for m in [[n, n]]] for n in [[o, o]]] for o in [[p, p]]]"
        " for p in [[q, q]]] for q in [[r, r]]] for r in [[s, s]]] for s in [[t, t]]]"
        " for t in [['x' * 9999]]]",
        "would be too large (more than 1,000,000 items and characters",
    ),
    ("[big for y in [1] * 999]", STEPS),  # weighing big data is work too
    ("[small for y in [1] * 999]", "would be too large"),
    ("[small, small, small, small, small, small, small, small, small]", "would be too large"),
    ("str(big)", "str() would be too long"),
    ("[big == big2 for y in [1] * 999]", STEPS),
]

BIG: dict[str, Any] = {"big": [{"name": "x" * 100, "n": i} for i in range(10_000)]}
BIG["big2"] = [dict(item) for item in BIG["big"]]
BIG["small"] = ["x" * 9000] * 15  # 135,000 characters


def measured(action: Callable[[], Any]) -> tuple[Any, float, int]:
    """(the result or the error raised, seconds, peak bytes allocated).

    Timed on its own, then run again under tracemalloc (which slows allocation a lot).
    """

    def outcome() -> Any:
        try:
            return action()
        except ExpressionError as err:
            return err

    started = time.perf_counter()
    result = outcome()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        outcome()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, seconds, peak


@pytest.mark.parametrize(("source", "message"), BOMBS)
def test_bombs_stop_with_a_clear_message(source: str, message: str) -> None:
    outcome, seconds, peak = measured(lambda: evaluate(source, BIG))
    assert isinstance(outcome, ExpressionError), outcome
    assert message in outcome.message
    assert "\n" not in outcome.message
    assert seconds < 1 and peak < 64 * 2**20


def test_the_budget_stops_a_deep_nest_fast() -> None:
    source = "[[[a + b + c for a in [1] * 9] for b in [1] * 9] for c in [1] * 9]"
    assert len(evaluate(source, {})) == 9  # 729 items: fine
    hungry = (
        "[[[[a + b + c + d for a in [1] * 10] for b in [1] * 10] for c in [1] * 9] for d in [1, 1]]"
    )
    assert "comprehension visits more than 1000 items" in str(_error(hungry))
    many_steps = "[" + " + ".join(["len([x, x, x, x, x])"] * 50) + " for x in [1] * 400]"
    assert STEPS in str(_error(many_steps))


def _error(source: str, names: dict[str, Any] | None = None) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        evaluate(source, names or {})
    return caught.value


def test_legitimate_expressions_keep_working() -> None:
    rows = [{"id": i, "name": f"n{i}", "ok": i % 2 == 0} for i in range(1000)]
    names = {"rows": rows, "big": BIG["big"], "some": BIG["big"][:1000]}
    assert (
        len(evaluate("[{'id': r.id, 'label': upper(r.name)} for r in rows if r.ok]", names)) == 500
    )
    assert evaluate("sum([r.id for r in rows])", names) == sum(range(1000))
    assert evaluate("len(big)", names) == 10_000
    assert evaluate("big", names) is BIG["big"]  # passing data on costs nothing
    assert evaluate("big[-1].n", names) == 9999
    assert evaluate("{'rows': some, 'count': len(some)}", names)["count"] == 1000
    assert evaluate("'%05d-%s' % (42, 'x')", {}) == "00042-x"
    assert evaluate("'%.2f%%' % 12.345", {}) == "12.35%"
    assert evaluate("'%(a)s' % {'a': 1}", {}) == "1"


def test_a_shared_budget_counts_every_evaluation() -> None:
    budget = Budget(100)
    evaluate("[x for x in [1] * 40]", {}, budget)
    with pytest.raises(ExpressionError, match="more than 100 steps"):
        evaluate("[x for x in [1] * 40]", {}, budget)


def test_templates_share_one_budget_per_rendering() -> None:
    part = "{{ len([x + x + x + x for x in [1] * 999]) }}"
    assert render_template(part, {}) == 999
    with pytest.raises(ExpressionError, match="steps"):
        render_template(" ".join([part] * 20), {})
    with pytest.raises(ExpressionError, match="steps"):
        render_config({f"k{i}": part for i in range(20)}, {})


def test_template_text_is_capped() -> None:
    names = {"big": ["x" * 1000] * 600}  # 600 KB as text
    assert len(render_template("a {{ big }}", names)) > 600_000
    with pytest.raises(ExpressionError, match=r"too long|too large|steps"):
        render_template("{{ big }}" * 4, names)


# --- JSON Logic --------------------------------------------------------------------------

CAT_DOUBLING = {
    "reduce": [
        {"var": "items"},
        {"cat": [{"var": "accumulator"}, {"var": "accumulator"}, "x"]},
        "y",
    ]
}
MAP_REDUCE = {
    "map": [
        {"var": "items"},
        {"reduce": [{"var": "items"}, {"+": [{"var": "current"}, {"var": "accumulator"}]}, 0]},
    ]
}


@pytest.mark.parametrize("rule", [CAT_DOUBLING, MAP_REDUCE])
def test_json_logic_bombs_stop_within_the_budget(rule: dict[str, Any]) -> None:
    data = {"items": [{"items": list(range(400))} for _ in range(400)]}
    outcome, seconds, peak = measured(lambda: apply_jsonlogic(rule, data))
    assert isinstance(outcome, JsonLogicError)
    assert "JSON Logic rule used more than 100,000 operations (limit)" in outcome.message
    assert seconds < 1 and peak < 64 * 2**20


def test_json_logic_rule_size_is_capped() -> None:
    rule = {"in": ["a", ["x" * 100] * 1000]}
    problem = jsonlogic_problem(rule)
    assert problem is not None and problem.startswith("JSON Logic rule is too long")
    with pytest.raises(JsonLogicError, match="too long"):
        apply_jsonlogic(rule, {})


def test_json_logic_conditions_still_work() -> None:
    scope = expression_scope(input={"n": 5}, nodes={}, params={}, run={})
    assert evaluate_condition({">": [{"var": "n"}, 3]}, scope) is True
    assert apply_jsonlogic({"map": [{"var": "xs"}, {"*": [{"var": ""}, 2]}]}, {"xs": [1, 2]}) == [
        2,
        4,
    ]


# --- in a run ----------------------------------------------------------------------------


async def _run_watching_the_loop(engine: Engine, doc: dict[str, Any]) -> tuple[Any, float]:
    """Run `doc`; return the run and the longest the event loop went without a tick."""
    longest = 0.0
    done = False

    async def tick() -> None:
        nonlocal longest
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            longest, last = max(longest, now - last), now

    ticker = asyncio.create_task(tick())
    engine.import_workflow(doc)
    run = await asyncio.wait_for(engine.run(doc["id"], {"items": [1, 2, 3]}), 30)
    done = True
    await ticker
    return run, longest


@pytest.mark.parametrize(
    "node",
    [
        {
            "type": "set",
            "config": {"values": {"x": "{{ [[1] * 9999 + [1] * 9999 for y in [1] * 999] }}"}},
        },
        {"type": "set", "config": {"values": {"x": "{{ '%0*d' % (10**9, 1) }}"}}},
        {"type": "log", "config": {"message": "{{ [max([1] * 9999) for y in [1] * 999] }}"}},
    ],
)
async def test_a_bomb_fails_its_step_promptly_with_the_message(
    engine: Engine, node: dict[str, Any]
) -> None:
    run, longest = await _run_watching_the_loop(engine, chain_workflow(node))
    assert run.status == "failed"
    assert run.error["node_key"] == "n1"
    message = run.error["message"]
    assert STEPS in message or "'*' width in '%' formatting is not allowed" in message
    assert longest < 0.5  # the loop kept ticking (measured: a few ms)


async def test_a_bomb_on_an_edge_fails_the_step_and_the_run(engine: Engine) -> None:
    doc = chain_workflow({"type": "set", "config": {"values": {"a": 1}}})
    doc["edges"][1]["when"] = "len([[1] * 9999 == [1] * 9999 for y in [1] * 999]) > 0"
    run, longest = await _run_watching_the_loop(engine, doc)
    failed = {step.node_key: step.error for step in engine.steps(run.id) if step.status == "failed"}
    assert STEPS in failed["n1"]["message"]
    assert run.status == "failed"  # not "succeeded" with the rest of the graph skipped
    assert run.error["node_key"] == "n1"
    assert longest < 0.5


def if_doc(condition: Any) -> dict[str, Any]:
    return {
        "id": "wf",
        "name": "wf",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "n1", "type": "if", "config": {"condition": condition}},
            {"id": "yes", "type": "set", "config": {"values": {"went": "yes"}}},
            {"id": "no", "type": "set", "config": {"values": {"went": "no"}}},
        ],
        "edges": [
            {"source": "start", "target": "n1"},
            {"source": "n1", "source_port": "true", "target": "yes"},
            {"source": "n1", "source_port": "false", "target": "no"},
        ],
    }


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ("len([sum([1] * 9999) for y in [1] * 999]) > 0", STEPS),
        ({"reduce": [[1] * 40, CAT_DOUBLING["reduce"][1], "y"]}, "100,000 operations (limit)"),
    ],
)
async def test_a_bomb_in_an_if_fails_the_step(engine: Engine, condition: Any, message: str) -> None:
    run, longest = await _run_watching_the_loop(engine, if_doc(condition))
    assert run.status == "failed"
    assert run.error["node_key"] == "n1"
    assert message in run.error["message"]
    assert longest < 0.5


async def test_a_filter_over_a_long_list_yields_to_the_loop_and_its_timeout(engine: Engine) -> None:
    # Each item's condition has its own budget, so only yielding bounds the whole list.
    node = {
        "type": "filter",
        "config": {"items": "params['many']", "condition": "len([y for y in [1] * 900]) > 0"},
        "timeout_s": 1,
    }
    doc = chain_workflow(node)
    longest = 0.0
    done = False

    async def tick() -> None:
        nonlocal longest
        last = time.perf_counter()
        while not done:
            await asyncio.sleep(0.001)
            now = time.perf_counter()
            longest, last = max(longest, now - last), now

    ticker = asyncio.create_task(tick())
    engine.import_workflow(doc)
    started = time.perf_counter()
    run = await asyncio.wait_for(engine.run(doc["id"], {"many": list(range(50_000))}), 60)
    took = time.perf_counter() - started
    done = True
    await ticker
    assert run.status == "failed"
    assert "timed out after 1" in run.error["message"]
    assert took < 10  # the whole list would take far longer; the timeout cut it short
    assert longest < 0.5
