"""The app's reads (lists, pages, the facade's getters), as SQLModel queries returning table rows.

The engine's own bookkeeping reads go through the writer connection instead: app.store.runs,
waits, timers, tasks and schedules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import Select, func
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from app.store.schema import Event, Run, Step, Wait, Workflow, WorkflowVersion


def get_workflow(session: Session, workflow_id: str) -> Workflow | None:
    wf = session.get(Workflow, workflow_id)
    return None if wf is None or wf.deleted_at is not None else wf


def list_workflows(session: Session, search: str = "") -> Sequence[Workflow]:
    query = select(Workflow).where(col(Workflow.deleted_at).is_(None))
    if search:
        query = query.where(col(Workflow.name).icontains(search))
    return session.exec(query.order_by(col(Workflow.updated_at).desc())).all()


def get_version(session: Session, version_id: str) -> WorkflowVersion | None:
    return session.get(WorkflowVersion, version_id)


def get_version_by_number(
    session: Session, workflow_id: str, number: int
) -> WorkflowVersion | None:
    query = select(WorkflowVersion).where(
        WorkflowVersion.workflow_id == workflow_id, WorkflowVersion.number == number
    )
    return session.exec(query).first()


def list_versions(session: Session, workflow_id: str) -> Sequence[WorkflowVersion]:
    """Published versions, newest first (test versions, numbered below 0, are left out)."""
    query = select(WorkflowVersion).where(
        WorkflowVersion.workflow_id == workflow_id, col(WorkflowVersion.number) > 0
    )
    return session.exec(query.order_by(col(WorkflowVersion.number).desc())).all()


NOT_TEST = col(Run.is_test).is_(False)  # lists and counts leave the editor's test runs out


def get_run(session: Session, run_id: str) -> Run | None:
    return session.get(Run, run_id)


def list_runs(
    session: Session,
    *,
    status: str | None = None,
    workflow_id: str | None = None,
    limit: int = 100,
) -> Sequence[Run]:
    query = select(Run).where(NOT_TEST)
    if status:
        query = query.where(Run.status == status)
    if workflow_id:
        query = query.where(Run.workflow_id == workflow_id)
    return session.exec(query.order_by(col(Run.created_at).desc()).limit(limit)).all()


def runs_with_status(session: Session, statuses: Sequence[str]) -> Sequence[Run]:
    return session.exec(select(Run).where(col(Run.status).in_(statuses))).all()


def list_steps(session: Session, run_id: str) -> Sequence[Step]:
    query = select(Step).where(Step.run_id == run_id).order_by(col(Step.id))
    return session.exec(query).all()


def list_events(
    session: Session, run_id: str, after_seq: int = 0, limit: int = 10_000
) -> Sequence[Event]:
    query = (
        select(Event)
        .where(Event.run_id == run_id, Event.seq > after_seq)
        .order_by(col(Event.seq))
        .limit(limit)
    )
    return session.exec(query).all()


def last_event_seq(session: Session, run_id: str) -> int:
    value = session.exec(select(func.max(Event.seq)).where(Event.run_id == run_id)).one()
    return int(value or 0)


# -- the app's lists (workflows page, runs page) ------------------------------------------------


class RunBrief(NamedTuple):
    """A run as lists show it: no input, output or error payloads."""

    id: str
    workflow_id: str
    workflow_name: str
    version: int
    status: str
    created_at: float
    started_at: float | None
    finished_at: float | None


_BriefQuery = Select[str, str, str, int, str, float, float | None, float | None]


def _run_briefs() -> _BriefQuery:
    return (
        sa_select(
            col(Run.id),
            col(Run.workflow_id),
            col(Workflow.name),
            col(WorkflowVersion.number),
            col(Run.status),
            col(Run.created_at),
            col(Run.started_at),
            col(Run.finished_at),
        )
        .join(Workflow, col(Workflow.id) == col(Run.workflow_id))
        .join(WorkflowVersion, col(WorkflowVersion.id) == col(Run.version_id))
    )


def list_run_briefs(
    session: Session,
    *,
    status: str | None = None,
    workflow_id: str | None = None,
    limit: int = 500,
) -> list[RunBrief]:
    query = _run_briefs().where(NOT_TEST)
    if status:
        query = query.where(col(Run.status) == status)
    if workflow_id:
        query = query.where(col(Run.workflow_id) == workflow_id)
    rows = session.execute(query.order_by(col(Run.created_at).desc()).limit(limit)).all()
    return [RunBrief._make(row) for row in rows]


def get_run_brief(session: Session, run_id: str) -> RunBrief | None:
    row = session.execute(_run_briefs().where(col(Run.id) == run_id)).first()
    return None if row is None else RunBrief._make(row)


def latest_versions(session: Session, workflow_ids: Sequence[str]) -> dict[str, tuple[int, str]]:
    """(number, hash) of each workflow's latest version (workflows never published are absent)."""
    query = select(
        col(WorkflowVersion.workflow_id), col(WorkflowVersion.number), col(WorkflowVersion.hash)
    ).join(
        Workflow,
        (col(Workflow.id) == col(WorkflowVersion.workflow_id))
        & (col(Workflow.latest_version) == col(WorkflowVersion.number)),
    )
    rows = session.exec(query.where(col(Workflow.id).in_(workflow_ids))).all()
    return {workflow_id: (number, digest) for workflow_id, number, digest in rows}


def last_runs(session: Session, workflow_ids: Sequence[str]) -> dict[str, RunBrief]:
    """Each workflow's newest run (workflows never run are absent)."""
    newest = (
        sa_select(col(Run.workflow_id), func.max(col(Run.created_at)).label("created"))
        .where(col(Run.workflow_id).in_(workflow_ids), NOT_TEST)
        .group_by(col(Run.workflow_id))
        .subquery()
    )
    query = _run_briefs().join(
        newest,
        (newest.c.workflow_id == col(Run.workflow_id)) & (newest.c.created == col(Run.created_at)),
    )
    return {brief.workflow_id: brief for brief in map(RunBrief._make, session.execute(query).all())}


def count_runs(session: Session, workflow_id: str) -> int:
    query = select(func.count()).select_from(Run).where(Run.workflow_id == workflow_id, NOT_TEST)
    return int(session.exec(query).one())


def workflow_id_taken(session: Session, workflow_id: str) -> bool:
    """True when any workflow, deleted ones included, has this id."""
    return session.get(Workflow, workflow_id) is not None


def count_runs_by_status(session: Session, workflow_id: str | None = None) -> dict[str, int]:
    query = select(col(Run.status), func.count()).where(NOT_TEST).group_by(col(Run.status))
    if workflow_id:
        query = query.where(col(Run.workflow_id) == workflow_id)
    return {status: int(n) for status, n in session.exec(query).all()}


def get_workflow_any(session: Session, workflow_id: str) -> Workflow | None:
    """The workflow even if it was deleted (its runs still name it)."""
    return session.get(Workflow, workflow_id)


def list_step_attempts(session: Session, run_id: str, node_key: str) -> Sequence[Step]:
    """Every attempt of one step, first attempt first."""
    query = select(Step).where(Step.run_id == run_id, Step.node_key == node_key)
    return session.exec(query.order_by(col(Step.attempt), col(Step.id))).all()


def list_open_waits(session: Session, run_id: str) -> Sequence[Wait]:
    """What the run sleeps on now, oldest first."""
    query = select(Wait).where(Wait.run_id == run_id, Wait.status == "open")
    return session.exec(query.order_by(col(Wait.created_at))).all()


def last_run_with_key_prefix(session: Session, workflow_id: str, prefix: str) -> Run | None:
    """The workflow's newest run whose idempotency key starts with `prefix` (a range on the
    key's unique index: LIKE would not use it, being case-insensitive)."""
    key = col(Run.idempotency_key)
    query = select(Run).where(
        Run.workflow_id == workflow_id, key >= prefix, key < prefix + "\U0010ffff"
    )
    return session.exec(query.order_by(col(Run.created_at).desc()).limit(1)).first()
