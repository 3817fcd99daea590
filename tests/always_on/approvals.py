"""A workflow that waits on a person's approval (a human task), its outcomes leading on."""

from __future__ import annotations

from typing import Any

from tests.engine.test_waits import APPROVAL, flow


def approval_flow(workflow_id: str, assignee: str | None = None) -> dict[str, Any]:
    task: dict[str, Any] = dict(APPROVAL)
    config = {**task["config"], **({"assignee": assignee} if assignee else {})}
    done = {"id": "done", "type": "end"}
    edges = [("start", "review"), ("review", "done", "approve"), ("review", "done", "reject")]
    return flow(workflow_id, [{**task, "config": config}, done], edges)
