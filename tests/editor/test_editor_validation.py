"""The editor checks a workflow in a worker thread: a big workflow's check (seconds at 100,000
nodes) never holds the page's event loop."""

from __future__ import annotations

import itertools
import threading
from typing import Any

from nicegui.testing import User

from app.core.dsl import WorkflowSpec
from app.core.problems import Problem
from app.ui import runtime

WID = "wf"


def chain(length: int) -> dict[str, Any]:
    """start -> n0 -> … -> n<length-1>, and one node no path reaches."""
    nodes: list[dict[str, Any]] = [{"id": "start", "type": "start"}]
    nodes += [{"id": f"n{i}", "type": "log", "config": {"message": "hi"}} for i in range(length)]
    edges = [{"source": a["id"], "target": b["id"]} for a, b in itertools.pairwise(nodes)]
    nodes.append({"id": "orphan", "type": "log", "config": {"message": "alone"}})
    return {"name": "Big", "nodes": nodes, "edges": edges}


async def test_validation_runs_off_the_event_loop(editor_user: User) -> None:
    engine = runtime.engine()
    engine.workflows.save(WorkflowSpec.model_validate(chain(2000)), WID)
    threads: list[int] = []
    check = engine.workflows.validate

    def watched(spec: WorkflowSpec, *args: Any, **kwargs: Any) -> list[Problem]:
        threads.append(threading.get_ident())
        return check(spec, *args, **kwargs)

    engine.workflows.validate = watched  # type: ignore[method-assign]
    try:
        await editor_user.open(f"/workflows/{WID}")
        await editor_user.should_see("Problems (1)")
        await editor_user.should_see("no path leads here from a start node")
    finally:
        engine.workflows.validate = check  # type: ignore[method-assign]
    assert threads
    assert threading.get_ident() not in threads
