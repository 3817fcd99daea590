"""/api/v1/tasks: the open tasks the caller may answer, one task, and completing it."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.api import ops
from app.api.v1.deps import EngineDep, PrincipalDep
from app.api.v1.errors import ERRORS, engine_errors, not_found
from app.api.v1.models import RunReport, TaskOut
from app.auth.principal import TASKS_COMPLETE, TASKS_READ, VIA_LOCAL, Principal
from app.engine.service import Engine

router = APIRouter(tags=["tasks"], responses=ERRORS)


class TaskDetail(TaskOut):
    description: str = ""
    status: str
    assignee_group: str | None = None
    outcome: str | None = None
    values: Any = None
    completed_by: str | None = None
    completed_at: float | None = None
    created_at: float


class Complete(BaseModel):
    outcome: str = Field(min_length=1, description="which button, e.g. approve")
    values: dict[str, Any] = Field(default_factory=dict, description="the form's values")
    by: str | None = Field(default=None, max_length=200, description="who answers (local use only)")


def _visible(principal: Principal, task: dict[str, Any]) -> bool:
    return principal.may_see_task(task.get("assignee"), task.get("assignee_group"))


@router.get("/tasks", response_model=list[TaskOut])
async def list_tasks(
    engine: EngineDep, principal: PrincipalDep, assignee: str | None = None
) -> list[TaskOut]:
    """Open tasks, oldest first: those the caller may answer (with `assignee`: only theirs
    and unassigned ones)."""
    principal.require(TASKS_READ)
    found = engine.tasks.open_tasks(assignee)
    return [TaskOut(**ops.task_brief(t)) for t in found if _visible(principal, t)]


@router.get("/tasks/{task_id}", response_model=TaskDetail)
async def get_task(task_id: str, engine: EngineDep, principal: PrincipalDep) -> TaskDetail:
    principal.require(TASKS_READ)
    return _task(engine, principal, task_id)


def _task(engine: Engine, principal: Principal, task_id: str) -> TaskDetail:
    with engine_errors():
        task = engine.tasks.get(task_id)
    if not _visible(principal, task):  # as if it did not exist: ids are not disclosed
        raise not_found(f"no task '{task_id}'")
    return TaskDetail(
        **ops.task_brief(task),
        description=task.get("description") or "",
        status=task["status"],
        assignee_group=task.get("assignee_group"),
        outcome=task.get("outcome"),
        values=task.get("values"),
        completed_by=task.get("completed_by"),
        completed_at=task.get("completed_at"),
        created_at=task["created_at"],
    )


@router.post("/tasks/{task_id}/complete", response_model=RunReport)
async def complete(
    task_id: str, body: Complete, engine: EngineDep, principal: PrincipalDep
) -> RunReport:
    """Answer the task, then advance its run until it ends or waits again."""
    principal.require(TASKS_COMPLETE)
    _task(engine, principal, task_id)
    by = body.by if principal.via == VIA_LOCAL and body.by else principal.name
    args = {"task_id": task_id, "outcome": body.outcome, "values": body.values, "by": by}
    return RunReport(**await ops.call(engine, "complete", args))
