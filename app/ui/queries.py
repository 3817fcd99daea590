"""The lists the pages show, read through the engine's store (the SQL lives in app.store.reads)."""

from __future__ import annotations

from app.engine.service import Engine
from app.store import reads
from app.store.reads import RunBrief
from app.store.schema import Event, Run, Step, Wait

RUN_LIST_LIMIT = 500


def run_briefs(
    engine: Engine,
    status: str | None = None,
    workflow_id: str | None = None,
    limit: int = RUN_LIST_LIMIT,
) -> list[RunBrief]:
    with engine.store.session() as session:
        return reads.list_run_briefs(session, status=status, workflow_id=workflow_id, limit=limit)


def run_brief(engine: Engine, run_id: str) -> RunBrief | None:
    with engine.store.session() as session:
        return reads.get_run_brief(session, run_id)


def run_counts(engine: Engine, workflow_id: str | None = None) -> dict[str, int]:
    with engine.store.session() as session:
        return reads.count_runs_by_status(session, workflow_id)


def workflow_name(engine: Engine, workflow_id: str) -> str | None:
    """The workflow's name, deleted workflows included (their runs are kept)."""
    with engine.store.session() as session:
        row = reads.get_workflow_any(session, workflow_id)
    return None if row is None else row.name


def step_attempts(engine: Engine, run_id: str, node_key: str) -> list[Step]:
    with engine.store.session() as session:
        return list(reads.list_step_attempts(session, run_id, node_key))


def recent_events(engine: Engine, run_id: str, count: int = 200) -> list[Event]:
    """The run's last `count` events, oldest first."""
    with engine.store.session() as session:
        last = reads.last_event_seq(session, run_id)
        return list(reads.list_events(session, run_id, max(0, last - count)))


def schedule_last_run(engine: Engine, schedule_id: str, workflow_id: str) -> Run | None:
    """The newest run a schedule started (its key is `sched:{schedule}:{fire time}`)."""
    with engine.store.session() as session:
        return reads.last_run_with_key_prefix(session, workflow_id, f"sched:{schedule_id}:")


def open_waits(engine: Engine, run_id: str) -> list[Wait]:
    with engine.store.session() as session:
        return list(reads.list_open_waits(session, run_id))
