"""Validation of the names expressions read (app.core.validate_scope), through `validate`."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.dsl import WorkflowSpec
from app.core.problems import Problem
from app.core.validate import validate
from app.nodes.catalog import default_catalog
from app.nodes.functions import FunctionRegistry

CATALOG = default_catalog(load_packs=False)

PARAMS = {
    "type": "object",
    "properties": {"amount": {"type": "integer"}, "lines": {"type": "array"}},
    "additionalProperties": False,
}


def workflow(pay: dict[str, Any], *, when: Any = None, params: Any = None) -> WorkflowSpec:
    """start -> Approve (human task) -approve-> pay -> done; -reject-> done."""
    return WorkflowSpec.model_validate(
        {
            "params": PARAMS if params is None else params,
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
                {"id": "pay", "name": "Pay", **pay},
                {"id": "done", "type": "end"},
            ],
            "edges": [
                {"source": "start", "target": "approve"},
                {"source": "approve", "source_port": "approve", "target": "pay", "when": when},
                {"source": "approve", "source_port": "reject", "target": "done"},
                {"source": "pay", "target": "done"},
            ],
        }
    )


def references(spec: WorkflowSpec, *, structure_ok: bool = True) -> list[Problem]:
    """The reference problems; the workflow has no other problems unless told."""
    problems = validate(spec, CATALOG, FunctionRegistry())
    others = [p for p in problems if p.code != "bad_reference"]
    assert not structure_ok or others == [], others
    return [p for p in problems if p.code == "bad_reference"]


def set_node(text: str) -> dict[str, Any]:
    return {"type": "set", "config": {"values": {"x": text}}}


def test_input_after_a_human_task_is_the_answer_and_the_problem_says_where_to_look() -> None:
    (problem,) = references(workflow(set_node("Paid {{ input.amount }}")))
    assert problem.node_id == "pay" and problem.field == "config.values.x"
    assert "'input' has no key 'amount'" in problem.message
    assert "the output of Approve [approve]" in problem.message
    assert "params.amount" in problem.message
    assert str(problem).startswith("node Pay [pay] config.values.x: ")


def test_the_answer_the_run_input_and_upstream_outputs_are_fine() -> None:
    texts = [
        "{{ input.values.approved_amount }}",
        "{{ input.outcome }} by {{ input.completed_by }}",
        "{{ params.amount * 2 }}",
        "{{ nodes.approve.values.approved_amount }}",
        "{{ nodes.start.amount }}",
        "{{ values.approved_amount }}",  # input's keys are names too
        "{{ [line for line in params.lines if line] }}",  # bound names are not free
        "{{ run.id }}",
        "{{ true if null is None else false }}",
    ]
    for text in texts:
        assert references(workflow(set_node(text))) == [], text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{{ nodes.done }}", "'done' cannot have run before this node"),
        ("{{ nodes.aprove.outcome }}", "there is no node 'aprove' (did you mean 'approve'?)"),
        ("{{ nodes.approve.values.amount }}", "'nodes.approve.values' has no key 'amount'"),
        ("{{ params.amuont }}", "'params' has no key 'amuont' (did you mean 'amount'?)"),
        ("{{ run.owner }}", "run has no key 'owner'"),
        ("{{ amount }}", "unknown name 'amount' (the run's input has it: use params.amount)"),
        ("{{ item }}", "unknown name 'item'"),
    ],
)
def test_names_that_cannot_exist_here(text: str, expected: str) -> None:
    (problem,) = references(workflow(set_node(text)))
    assert expected in problem.message


def test_a_node_that_cannot_be_upstream_is_named_by_its_name() -> None:
    spec = workflow(set_node("{{ params.amount }}"))
    spec.nodes[1].config["title"] = "Pay {{ nodes.pay.x }}"
    (problem,) = references(spec)
    assert problem.node_id == "approve" and problem.field == "config.title"
    assert problem.message.startswith("Pay [pay] cannot have run before this node")


def test_conditions_edges_and_json_logic_are_checked() -> None:
    # (an If's true/false ports are left unconnected here: other problems)
    good = workflow({"type": "if", "config": {"condition": "input.outcome == 'approve'"}})
    assert references(good, structure_ok=False) == []
    bad = workflow({"type": "if", "config": {"condition": "input.amount > 1000"}})
    (problem,) = references(bad, structure_ok=False)
    assert problem.field == "config.condition" and "params.amount" in problem.message
    logic = workflow({"type": "if", "config": {"condition": {">": [{"var": "amount"}, 5]}}})
    (problem,) = references(logic, structure_ok=False)
    assert "unknown name 'amount'" in problem.message
    on_edge = workflow(set_node("{{ params.amount }}"), when="input.amount > 5")
    (problem,) = references(on_edge)
    assert problem.edge_id and problem.field == "when"
    assert references(workflow(set_node("x"), when="input.outcome == 'approve'")) == []


def test_unknown_input_keys_are_accepted_where_the_input_is_not_known() -> None:
    # no params schema: the start node's output (the run input) may have any key
    spec = workflow(set_node("{{ input.values.approved_amount }}"), params={})
    spec.nodes[1].config["title"] = "Expense of {{ amount }} ({{ input.whatever }})"
    assert references(spec) == []


def test_loop_bodies_see_item_and_index_and_filters_their_item() -> None:
    spec = WorkflowSpec.model_validate(
        {
            "nodes": [
                {"id": "start", "type": "start"},
                {
                    "id": "keep",
                    "type": "filter",
                    "config": {"items": "input.rows", "condition": "item.ok"},
                },
                {"id": "each", "type": "foreach", "config": {"items": "input.items"}},
                {
                    "id": "one",
                    "type": "set",
                    "parent": "each",
                    "config": {"values": {"n": "{{ index }}: {{ item.name }} {{ nodes.keep }}"}},
                },
                {
                    "id": "two",
                    "type": "set",
                    "parent": "each",
                    "config": {"values": {"m": "{{ nodes.one.n }} {{ input.item }}"}},
                },
                {"id": "after", "type": "log", "config": {"message": "{{ input.count }}"}},
            ],
            "edges": [
                {"source": "start", "target": "keep"},
                {"source": "keep", "target": "each"},
                {"source": "one", "target": "two"},
                {"source": "each", "target": "after"},
            ],
        }
    )
    assert references(spec) == []
    spec.nodes[5].config["message"] = "{{ input.results }} {{ nodes.one }} {{ item }}"
    messages = [p.message for p in references(spec)]
    assert any("One" in m or "'one' cannot have run" in m for m in messages)
    assert any("unknown name 'item'" in m for m in messages)


def test_a_misspelt_literal_is_a_problem_even_where_the_input_is_not_known() -> None:
    spec = workflow(set_node("{{ params.amount }}"), params={})
    spec.nodes[1].config["title"] = "{{ 'yes' if flag == ture else 'no' }}"
    (problem,) = references(spec)
    assert problem.message == "unknown name 'ture' (did you mean 'true'?)"
    spec.nodes[1].config["title"] = "{{ 'yes' if flag == true else 'no' }} {{ index }}"
    assert references(spec) == []  # `flag` and `index` may be keys of the input
