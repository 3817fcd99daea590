"""GET /api/v1/audit: the audit log, newest first, for admins (filter by who, what, target)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from app.api.v1.deps import EngineDep, PrincipalDep
from app.api.v1.errors import ERRORS
from app.auth import audit_reader
from app.auth.audit import ACTIONS
from app.auth.principal import AUDIT_READ

router = APIRouter(tags=["audit"], responses=ERRORS)


class AuditEntryOut(BaseModel):
    id: int
    at: float
    who: str
    what: str
    target: str
    details: dict[str, Any]


class AuditPage(BaseModel):
    entries: list[AuditEntryOut]
    next_before: int | None  # pass as `before` for the next (older) page; null: no more


@router.get("/audit", response_model=AuditPage)
async def list_audit(
    engine: EngineDep,
    principal: PrincipalDep,
    who: Annotated[str | None, Query(max_length=200, description="who did it")] = None,
    what: Annotated[
        str | None, Query(max_length=100, description=f"one of: {', '.join(ACTIONS)}")
    ] = None,
    target: Annotated[str | None, Query(max_length=200, description="a run, task, …")] = None,
    before: Annotated[int | None, Query(ge=0, description="entries older than this id")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> AuditPage:
    principal.require(AUDIT_READ)
    found = await asyncio.to_thread(
        audit_reader.entries,
        engine.folder.db_path,
        who=who,
        what=what,
        target=target,
        before_id=before,
        limit=limit,
    )
    rows = [AuditEntryOut(**vars(e)) for e in found]
    return AuditPage(entries=rows, next_before=rows[-1].id if len(rows) == limit else None)
