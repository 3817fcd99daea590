"""A Human task's outcome or a trigger with nothing after it is a problem before publishing,
as an If's unconnected output is: picked by a person, or fired, it would quietly do nothing."""

from __future__ import annotations

from typing import Any

from app.core.dsl import WorkflowSpec
from app.core.problems import Problem
from app.core.validate import validate
from app.nodes.catalog import default_catalog
from app.nodes.functions import FunctionRegistry

CATALOG = default_catalog(load_packs=False)


def problems(nodes: list[dict[str, Any]], edges: list[tuple[str, ...]]) -> list[Problem]:
    doc = {
        "nodes": nodes,
        "edges": [
            {"source": e[0], "target": e[1], **({"source_port": e[2]} if len(e) > 2 else {})}
            for e in edges
        ],
    }
    return validate(WorkflowSpec.model_validate(doc), CATALOG, FunctionRegistry())


def task(*outcomes: str) -> dict[str, Any]:
    config = {"title": "Expense", "outcomes": [{"name": o} for o in outcomes]}
    return {"id": "ask", "type": "human_task", "name": "Approve", "config": config}


START = {"id": "start", "type": "start"}
END = {"id": "end", "type": "end"}


def test_each_outcome_of_a_task_with_a_choice_is_connected() -> None:
    found = problems(
        [START, task("approve", "reject"), END], [("start", "ask"), ("ask", "end", "approve")]
    )
    [problem] = [p for p in found if p.code == "unconnected_outcome"]
    assert (problem.node_id, problem.field) == ("ask", "outputs.reject")
    assert "'reject' is not connected" in problem.message
    connected = [("start", "ask"), ("ask", "end", "approve"), ("ask", "end", "reject")]
    assert problems([START, task("approve", "reject"), END], connected) == []


def test_a_task_with_one_outcome_may_end_the_run() -> None:
    assert problems([START, task("done")], [("start", "ask")]) == []


def test_a_trigger_with_nothing_after_it_is_a_problem() -> None:
    hook = {"id": "hook", "type": "webhook", "config": {}}
    found = problems([START, hook, END], [("start", "end")])
    assert [(p.code, p.node_id) for p in found] == [("unconnected_trigger", "hook")]
    assert problems([START], []) == []  # a new workflow: only its start, nothing to flag
