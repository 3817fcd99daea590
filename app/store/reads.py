"""Every read Ren makes, as SQLModel queries returning table rows."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.store.schema import Event, Run, Step, Workflow, WorkflowVersion


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
    query = select(WorkflowVersion).where(WorkflowVersion.workflow_id == workflow_id)
    return session.exec(query.order_by(col(WorkflowVersion.number).desc())).all()


def get_run(session: Session, run_id: str) -> Run | None:
    return session.get(Run, run_id)


def list_runs(
    session: Session,
    *,
    status: str | None = None,
    workflow_id: str | None = None,
    limit: int = 100,
) -> Sequence[Run]:
    query = select(Run)
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
