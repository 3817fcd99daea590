"""Many runs and open tasks at once, written straight through the store's batch writes (one
transaction, no engine at work): for the tests and benches of lists, inboxes and metrics."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from app.store import writes
from app.store.writes import Batch

if TYPE_CHECKING:
    from app.engine.service import Engine

Version = tuple[str, str]  # (workflow id, version id)


def ask_workflow(workflow_id: str, name: str) -> dict[str, Any]:
    """start → a human task at node `ask` ("Approve?") → end."""
    return {
        "schema": "ren.workflow/1",
        "id": workflow_id,
        "name": name,
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "ask", "type": "human_task", "config": {"title": "Approve?"}},
            {"id": "end", "type": "end"},
        ],
        "edges": [
            {"source": "start", "target": "ask"},
            {"source": "ask", "source_port": "submit", "target": "end"},
        ],
    }


def publish_all(engine: Engine, workflows: Iterable[dict[str, Any]]) -> list[Version]:
    """Import and publish each workflow; their (workflow id, version id), in order."""
    versions = []
    for workflow in workflows:
        published = engine.import_workflow(workflow)
        assert not isinstance(published, str), published
        versions.append((workflow["id"], published.version_id))
    return versions


def add_run(batch: Batch, run_id: str, version: Version, status: str, at: float, data: str) -> None:
    """A run of `version` with input `data` (JSON text), created, started and updated at `at`."""
    workflow_id, version_id = version
    batch.add(
        writes.INSERT_RUN, run_id, workflow_id, version_id, status, data, None, None, at, at, at
    )


def add_open_task(
    batch: Batch,
    run_id: str,
    at: float,
    title: str,
    *,
    data: str,
    description: str = "",
    outcomes: str = "[]",
    assignee: str | None = None,
    due: float | None = None,
) -> None:
    """The run waits at its `ask` node on an open task; the wait and the task have its id."""
    batch.add(writes.INSERT_WAIT, run_id, run_id, "ask", "ask", "task", None, None, data, at)
    batch.add(writes.INSERT_TASK, run_id, run_id, "ask", "ask", title, description, "[]",
              outcomes, assignee, None, due, at)  # fmt: skip
