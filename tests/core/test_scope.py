"""The scope model: which names and upstream nodes each node's expressions can use."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.core import scope as scope_module
from app.core.dsl import WorkflowSpec
from app.core.scope import BASE_NAMES, LOOP_NAMES, all_names, edge_names, names_at


def expense(**extra: Any) -> WorkflowSpec:
    """start -> approve (human task) -> pay (set) -> each (foreach: line -> check) -> done."""
    return WorkflowSpec.model_validate(
        {
            "name": "Expense",
            "params": {
                "type": "object",
                "properties": {"amount": {"type": "integer"}, "who": {"type": "string"}},
                "additionalProperties": False,
            },
            "nodes": [
                {"id": "start", "type": "start"},
                {
                    "id": "approve",
                    "type": "human_task",
                    "name": "Approve",
                    "config": {
                        "title": "Expense of {{ params.amount }}",
                        "fields": [{"name": "approved_amount", "type": "number"}],
                        "outcomes": [{"name": "approve"}, {"name": "reject"}],
                    },
                },
                {"id": "pay", "type": "set", "config": {"values": {"paid": "{{ true }}"}}},
                {"id": "each", "type": "foreach", "config": {"items": "params.lines"}},
                {"id": "line", "type": "set", "parent": "each", "config": {"values": {}}},
                {"id": "check", "type": "set", "parent": "each", "config": {"values": {}}},
                {"id": "done", "type": "end"},
                {"id": "other", "type": "end"},
            ],
            "edges": [
                {"id": "e1", "source": "start", "target": "approve"},
                {"id": "e2", "source": "approve", "source_port": "approve", "target": "pay"},
                {"id": "e3", "source": "approve", "source_port": "reject", "target": "other"},
                {"id": "e4", "source": "pay", "target": "each"},
                {"id": "e5", "source": "line", "target": "check"},
                {"id": "e6", "source": "each", "target": "done"},
            ],
            **extra,
        }
    )


def test_every_node_sees_the_base_names_and_loop_bodies_see_item_and_index() -> None:
    spec = expense()
    at = all_names(spec)
    for node_id in ("start", "approve", "pay", "each", "done", "other"):
        assert at[node_id].names == BASE_NAMES
        assert at[node_id].loop is None
    for node_id in ("line", "check"):
        assert at[node_id].names == BASE_NAMES + LOOP_NAMES
        assert at[node_id].loop == "each"


def test_upstream_is_the_ancestors_and_a_loop_body_sees_the_loops_upstream() -> None:
    spec = expense()
    assert names_at(spec, "start").upstream == ()
    assert names_at(spec, "approve").upstream == ("start",)
    assert names_at(spec, "pay").upstream == ("start", "approve")
    assert names_at(spec, "other").upstream == ("start", "approve")
    assert names_at(spec, "done").upstream == ("start", "approve", "pay", "each")
    # the loop itself has not finished while its body runs
    assert names_at(spec, "line").upstream == ("start", "approve", "pay")
    assert names_at(spec, "check").upstream == ("start", "approve", "pay", "line")


def test_input_after_a_human_task_is_its_answer() -> None:
    spec = expense()
    pay = names_at(spec, "pay")
    assert pay.input_shape is not None and pay.input_shape.closed
    assert set(pay.input_shape.fields) == {"outcome", "values", "completed_by", "completed_at"}
    values = pay.input_shape.fields["values"]
    assert values is not None and set(values.fields) == {"approved_amount"}
    # the start node's output is the run input, known from the params schema
    approve = names_at(spec, "approve")
    assert approve.input_shape is not None
    assert set(approve.input_shape.fields) == {"amount", "who"}
    assert approve.params_shape == approve.input_shape
    # a loop body's first node receives {item, index}
    line = names_at(spec, "line")
    assert line.input_shape is not None and set(line.input_shape.fields) == {"item", "index"}
    # a Set node that keeps its input adds its keys to what it received
    each = names_at(spec, "each")
    assert each.input_shape is not None
    assert set(each.input_shape.fields) == {
        "outcome",
        "values",
        "completed_by",
        "completed_at",
        "paid",
    }
    assert set(names_at(spec, "done").input_shape.fields) == {"results", "count"}  # type: ignore[union-attr]


def test_an_edge_condition_sees_its_source_and_the_sources_output() -> None:
    spec = expense()
    edge = spec.edges[1]
    at = edge_names(spec, edge)
    assert at.upstream == ("start", "approve")
    assert at.input_shape is not None and "outcome" in at.input_shape.fields


def test_open_params_schema_gives_hints_but_is_not_closed() -> None:
    spec = expense(params={"type": "object", "properties": {"amount": {"type": "number"}}})
    approve = names_at(spec, "approve")
    assert approve.input_shape is not None and not approve.input_shape.closed
    assert names_at(spec, "approve").to_dict()["input"] == {
        "fields": {"amount": None},
        "closed": False,
    }


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), max_size=30))
def test_remembered_ancestors_match_a_walk_of_the_graph(pairs: list[tuple[int, int]]) -> None:
    """Cycles included: the remembered sets (small workflows) and the plain walk (huge ones)
    give the same upstream nodes."""
    spec = WorkflowSpec.model_validate(
        {
            "nodes": [{"id": f"n{i}", "type": "set"} for i in range(10)],
            "edges": [{"source": f"n{a}", "target": f"n{b}"} for a, b in pairs if a != b],
        }
    )
    graph = scope_module._Graph(spec)
    walked = {n: _walk(spec, n) for n in graph.nodes}
    assert {n: graph.ancestors(n) for n in graph.nodes} == walked


def _walk(spec: WorkflowSpec, node_id: str) -> set[str]:
    incoming: dict[str, list[str]] = {}
    for edge in spec.edges:
        incoming.setdefault(edge.target, []).append(edge.source)
    seen: set[str] = set()
    todo = [node_id]
    while todo:
        for source in incoming.get(todo.pop(), []):
            if source not in seen:
                seen.add(source)
                todo.append(source)
    seen.discard(node_id)
    return seen
