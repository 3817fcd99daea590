"""Validation against the real node catalogue: every problem names its node, edge and field."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.dsl import WorkflowSpec
from app.core.problems import Problem
from app.core.validate import validate
from app.nodes.catalog import default_catalog
from app.nodes.functions import FunctionRegistry

FUNCTIONS = FunctionRegistry()


@FUNCTIONS.register("ok.fn")
def ok_fn(state: dict[str, Any], limit: int, mode: str = "a") -> dict[str, Any]:
    return {}


CATALOG = default_catalog(load_packs=False)


def problems(doc: dict[str, Any]) -> list[Problem]:
    return validate(WorkflowSpec.model_validate(doc), CATALOG, FUNCTIONS)


def base(*extra_nodes: dict[str, Any], edges: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {
        "nodes": [{"id": "start", "type": "start"}, *extra_nodes],
        "edges": edges
        if edges is not None
        else [{"source": "start", "target": n["id"]} for n in extra_nodes if not n.get("parent")],
    }


def codes(found: list[Problem]) -> set[tuple[str, str | None, str | None]]:
    return {(p.code, p.node_id or p.edge_id, p.field) for p in found}


def test_a_valid_workflow_has_no_problems() -> None:
    doc = base(
        {"id": "f", "type": "function", "config": {"function": "ok.fn", "args": {"limit": 3}}},
        {"id": "e", "type": "end"},
        edges=[{"source": "start", "target": "f"}, {"source": "f", "target": "e"}],
    )
    assert problems(doc) == []


def test_unknown_type_names_the_node_and_lists_known_types() -> None:
    (p,) = problems(base({"id": "x", "type": "teleport"}))
    assert (p.code, p.node_id, p.field) == ("unknown_node_type", "x", "type")
    assert "'teleport'" in p.message and "function" in p.message


def test_bad_config_gives_pydantic_message_and_field_path() -> None:
    found = problems(
        base(
            {
                "id": "loop",
                "type": "foreach",
                "config": {"items": "input.x", "concurrency": 0, "typo": 1},
            },
            {"id": "body", "type": "log", "parent": "loop", "config": {"message": "hi"}},
        )
    )
    assert ("bad_config", "loop", "config.concurrency") in codes(found)
    assert ("bad_config", "loop", "config.typo") in codes(found)


def test_function_not_registered_and_bad_args() -> None:
    found = problems(
        base(
            {"id": "a", "type": "function", "config": {"function": "nope.fn"}},
            {"id": "b", "type": "function", "config": {"function": "ok.fn", "args": {"limt": 1}}},
        )
    )
    messages = {(p.node_id, p.field): p.message for p in found}
    assert messages[("a", "config.function")] == "function 'nope.fn' is not registered"
    assert "no argument 'limt'" in messages[("b", "config.args.limt")]
    assert "needs argument 'limit'" in messages[("b", "config.args.limit")]


def test_bad_expressions_are_flagged_where_they_are() -> None:
    found = problems(
        base(
            {"id": "c", "type": "if", "config": {"condition": "amount >"}},
            {"id": "s", "type": "set", "config": {"values": {"x": "{{ 1 + }}"}}},
            edges=[
                {"source": "start", "target": "c"},
                {"source": "start", "target": "s", "when": "a ==="},
                {"source": "c", "source_port": "true", "target": "s"},
            ],
        )
    )
    assert ("bad_config", "c", "config.condition") in codes(found)
    assert ("bad_config", "s", "config.values.x") in codes(found)
    assert any(p.code == "bad_expression" and p.field == "when" for p in found)


def test_edges_dangling_duplicate_and_unknown_ports() -> None:
    found = problems(
        base(
            {"id": "a", "type": "log", "config": {"message": "m"}},
            edges=[
                {"id": "e1", "source": "start", "target": "a"},
                {"id": "e2", "source": "start", "target": "a"},
                {"id": "e3", "source": "start", "target": "ghost"},
                {"id": "e4", "source": "a", "source_port": "nope", "target": "a"},
            ],
        )
    )
    got = codes(found)
    assert ("duplicate_edge", "e2", None) in got
    assert ("dangling_edge", "e3", None) in got
    assert ("unknown_port", "e4", "source_port") in got
    assert ("self_loop", "e4", None) in got


def test_type_mismatch_between_ports() -> None:
    found = problems(
        base(
            {"id": "m", "type": "merge", "config": {"mode": "list"}},
            {"id": "f", "type": "function", "config": {"function": "ok.fn", "args": {"limit": 1}}},
            edges=[
                {"source": "start", "target": "m"},
                {"id": "bad", "source": "m", "target": "f", "target_port": "in"},
            ],
        )
    )
    (p,) = found
    assert (p.code, p.edge_id) == ("type_mismatch", "bad")
    assert p.message == "output 'out' of 'm' gives list but input 'in' of 'f' takes object"


def test_cycles_unreachable_nodes_and_missing_start() -> None:
    found = problems(
        {
            "nodes": [
                {"id": "a", "type": "log", "config": {"message": "m"}},
                {"id": "b", "type": "log", "config": {"message": "m"}},
            ],
            "edges": [{"source": "a", "target": "b"}, {"source": "b", "target": "a"}],
        }
    )
    got = {p.code for p in found}
    assert {"cycle", "no_start"} <= got
    cycle = next(p for p in found if p.code == "cycle")
    assert "'a' -> 'b' -> 'a'" in cycle.message or "'b' -> 'a' -> 'b'" in cycle.message
    found = problems(base({"id": "lonely", "type": "log", "config": {"message": "m"}}, edges=[]))
    assert ("unreachable", "lonely", None) in codes(found)


def test_branch_outcome_without_edge() -> None:
    found = problems(
        base(
            {"id": "c", "type": "if", "config": {"condition": "true"}},
            {"id": "t", "type": "end"},
            edges=[
                {"source": "start", "target": "c"},
                {"source": "c", "source_port": "true", "target": "t"},
            ],
        )
    )
    assert ("unconnected_outcome", "c", "outputs.false") in codes(found)


def test_loop_body_rules() -> None:
    found = problems(
        base(
            {"id": "each", "type": "foreach", "config": {"items": "input.xs"}},
            {"id": "inner", "type": "log", "parent": "each", "config": {"message": "m"}},
            {"id": "wrong_parent", "type": "log", "parent": "start", "config": {"message": "m"}},
            edges=[
                {"source": "start", "target": "each"},
                {"id": "x", "source": "each", "target": "inner"},
            ],
        )
    )
    got = codes(found)
    assert ("cross_scope_edge", "x", None) in got
    assert ("bad_parent", "wrong_parent", "parent") in got
    empty = problems(base({"id": "each", "type": "foreach", "config": {"items": "input.xs"}}))
    assert ("empty_loop", "each", None) in codes(empty)


@pytest.mark.parametrize(
    "node_type",
    [
        "start",
        "end",
        "if",
        "switch",
        "merge",
        "set",
        "filter",
        "foreach",
        "function",
        "log",
        "webhook",
    ],
)
def test_every_node_type_describes_itself(node_type: str) -> None:
    info = CATALOG.lookup(node_type, 1)
    assert info is not None
    described = info.describe()
    assert described["type"] == node_type and described["title"]
    assert (
        "properties" in described["config_schema"] or described["config_schema"]["type"] == "object"
    )


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7)), max_size=16))
def test_validation_never_crashes_and_flags_every_cycle(pairs: list[tuple[int, int]]) -> None:
    nodes = [{"id": "start", "type": "start"}] + [
        {"id": f"n{i}", "type": "log", "config": {"message": "m"}} for i in range(8)
    ]
    edges = [{"source": "start", "target": "n0"}] + [
        {"source": f"n{a}", "target": f"n{b}"} for a, b in pairs
    ]
    found = problems({"nodes": nodes, "edges": edges})
    import networkx as nx

    g = nx.DiGraph([(e["source"], e["target"]) for e in edges if e["source"] != e["target"]])
    has_cycle = not nx.is_directed_acyclic_graph(g)
    assert has_cycle == any(p.code == "cycle" for p in found)
    assert all(str(p) for p in found)
