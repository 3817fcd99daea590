"""Runs to purge: finished runs with artifacts, log lines and a run folder, and waiting runs."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from app.engine.service import Engine
from app.store.schema import Run
from tests.conftest import chain_workflow

DAY = 86_400.0


def files_flow(wid: str, target: Path) -> dict[str, Any]:
    """start -> write_file (keeping the file as an artifact) -> end."""
    config = {
        "path": str(target),
        "format": "json",
        "content": "{{ input }}",
        "keep_artifact": True,
    }
    return chain_workflow({"type": "write_file", "config": config}, wid=wid)


def ask_flow(wid: str = "ask") -> dict[str, Any]:
    return chain_workflow(
        {"type": "human_task", "config": {"title": "Go?", "outcomes": [{"name": "out"}]}}, wid=wid
    )


def failing_flow(wid: str = "bad") -> dict[str, Any]:
    return chain_workflow({"type": "read_file", "config": {"path": "/nonexistent/x.json"}}, wid=wid)


def publish(engine: Engine, doc: dict[str, Any]) -> str:
    """Import, trust (as a person reviewing it would) and publish."""
    wid = engine.import_workflow(doc, publish=False)
    assert isinstance(wid, str)
    engine.workflows.trust.trust_spec(wid, engine.workflows.draft(wid), "review")
    engine.workflows.publish(wid)
    return wid


async def finished_run(engine: Engine, wid: str, data: Any = None) -> Run:
    run = await engine.run(wid, data or {"n": 1})
    assert run.status in ("succeeded", "failed"), run.error
    return run


def age(engine: Engine, run_id: str, days: float) -> None:
    """Make a run look `days` old (created and ended then)."""
    then = time.time() - days * DAY
    engine.store.write_raw(
        "UPDATE run SET created_at=?, started_at=?, finished_at=CASE WHEN finished_at IS NULL"
        " THEN NULL ELSE ? END, updated_at=? WHERE id=?",
        then,
        then,
        then + 1,
        then + 1,
        run_id,
    )


def traces(engine: Engine, run_id: str) -> dict[str, int]:
    """Rows that name the run, per table (the run table and its tasks' links included)."""
    from app.engine.retention_purge import own_connection, run_references

    with own_connection(engine.store.db_path) as conn:
        found = {
            table: conn.execute(
                f'SELECT count(*) FROM "{table}" WHERE "{column}"=?', (run_id,)
            ).fetchone()[0]
            for table, column in run_references(conn)
        }
        found["run"] = conn.execute("SELECT count(*) FROM run WHERE id=?", (run_id,)).fetchone()[0]
        found["task_links"] = conn.execute(  # no foreign key: they name one of its tasks
            "SELECT count(*) FROM task_links WHERE task_id IN (SELECT id FROM task WHERE run_id=?)",
            (run_id,),
        ).fetchone()[0]
    return {table: count for table, count in found.items() if count}
