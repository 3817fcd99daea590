"""Request and response bodies of /api/v1 shared by several resources."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class StepBrief(BaseModel):
    node_id: str
    node_key: str
    status: str
    attempt: int


class TaskOut(BaseModel):
    id: str
    run_id: str
    node_id: str
    title: str
    assignee: str | None = None
    due_at: float | None = None
    fields: list[Any] = []
    outcomes: list[str] = []


class RunReport(BaseModel):
    """A run with the latest attempt of each step and, while it waits, its open tasks."""

    run_id: str
    workflow_id: str
    status: str
    output: Any = None
    error: Any = None
    steps: list[StepBrief] = []
    tasks: list[TaskOut] = []
    waits: list[dict[str, Any]] = []
    rerun_of: str | None = None


class Removed(BaseModel):
    removed: str


class Accepted(BaseModel):
    ok: bool = Field(default=True)
