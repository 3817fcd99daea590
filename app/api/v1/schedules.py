"""/api/v1/schedules: list, read, create, change (timing, input, misfire, on/off), delete."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from app.api import ops
from app.api.v1.deps import EngineDep, PrincipalDep
from app.api.v1.errors import ERRORS, engine_errors, invalid
from app.api.v1.models import Removed
from app.auth.principal import SCHEDULES_READ, SCHEDULES_WRITE
from app.engine.schedules import ScheduleInvalid

router = APIRouter(tags=["schedules"], responses=ERRORS)


class ScheduleOut(BaseModel):
    id: str
    workflow_id: str
    cron: str | None = None
    interval_s: float | None = None
    timezone: str
    input: Any = None
    enabled: bool
    misfire: str
    last_fire_at: float | None = None
    created_at: float


class NewSchedule(BaseModel):
    workflow_id: str = Field(min_length=1)
    cron: str | None = Field(default=None, description='e.g. "0 7 * * mon-fri"')
    interval_s: float | None = Field(default=None, gt=0)
    timezone: str = "UTC"
    input: Any = None
    misfire: Literal["skip", "once", "all"] = "once"


class ScheduleChange(BaseModel):
    """The settings to change; those left out stay. A cron replaces an interval and back."""

    model_config = ConfigDict(extra="forbid")

    cron: str | None = Field(default=None, min_length=1, description='e.g. "0 7 * * mon-fri"')
    interval_s: float | None = Field(default=None, gt=0)
    timezone: str | None = Field(default=None, min_length=1)
    input: Any = None
    misfire: Literal["skip", "once", "all"] | None = None
    enabled: bool | None = None


NOT_NULL = ("timezone", "misfire", "enabled")


@router.get("/schedules", response_model=list[ScheduleOut])
async def list_schedules(engine: EngineDep, principal: PrincipalDep) -> list[ScheduleOut]:
    principal.require(SCHEDULES_READ)
    return [ScheduleOut(**s) for s in engine.schedules.all()]


@router.get("/schedules/{schedule_id}", response_model=ScheduleOut)
async def get_schedule(schedule_id: str, engine: EngineDep, principal: PrincipalDep) -> ScheduleOut:
    principal.require(SCHEDULES_READ)
    with engine_errors():
        return ScheduleOut(**engine.schedules.get(schedule_id))


@router.post("/schedules", status_code=201, response_model=ScheduleOut)
async def create_schedule(
    body: NewSchedule, engine: EngineDep, principal: PrincipalDep
) -> ScheduleOut:
    """Start runs of a published workflow by cron (in `timezone`) or every `interval_s`."""
    principal.require(SCHEDULES_WRITE)
    if (body.cron is None) == (body.interval_s is None):
        raise invalid("body.cron", "give either cron or interval_s")
    made = await ops.call(engine, "schedule_add", body.model_dump())
    return ScheduleOut(**made)


@router.patch("/schedules/{schedule_id}", response_model=ScheduleOut)
async def change_schedule(
    schedule_id: str, body: ScheduleChange, engine: EngineDep, principal: PrincipalDep
) -> ScheduleOut:
    """Change some settings at once; all are checked before any is written (audited)."""
    principal.require(SCHEDULES_WRITE)
    changes = body.model_dump(include=body.model_fields_set)
    if not changes:
        raise invalid("body", "give at least one setting to change")
    for name in NOT_NULL:
        if name in changes and changes[name] is None:
            raise invalid(f"body.{name}", "may not be null")
    if changes.get("cron") is not None and changes.get("interval_s") is not None:
        raise invalid("body.cron", "give either cron or interval_s, not both")
    with engine_errors():
        try:
            return ScheduleOut(**engine.schedules.update(schedule_id, changes))
        except ScheduleInvalid as err:
            raise invalid(f"body.{err.field or 'cron'}", str(err)) from None


@router.delete("/schedules/{schedule_id}", response_model=Removed)
async def delete_schedule(schedule_id: str, engine: EngineDep, principal: PrincipalDep) -> Removed:
    principal.require(SCHEDULES_WRITE)
    return Removed(**await ops.call(engine, "schedule_remove", {"schedule_id": schedule_id}))
