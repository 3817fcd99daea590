"""/api/v1/runs/{id}/artifacts and /api/v1/artifacts/{id}: list a run's files, download one
(sent as app.api.artifacts sends them: an attachment, never rendered)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from fastapi.responses import FileResponse
from pydantic import BaseModel

from app.api.artifacts import download_name
from app.api.v1.deps import EngineDep, PrincipalDep
from app.api.v1.errors import ERRORS, engine_errors, not_found
from app.auth.principal import RUNS_READ
from app.nodes.context import ArtifactNotFound

router = APIRouter(tags=["artifacts"], responses=ERRORS)


class ArtifactOut(BaseModel):
    id: str
    name: str
    media_type: str
    size: int | None = None
    node_key: str | None = None
    created_at: float | None = None


@router.get("/runs/{run_id}/artifacts", response_model=list[ArtifactOut])
async def list_artifacts(
    run_id: str, engine: EngineDep, principal: PrincipalDep
) -> list[ArtifactOut]:
    principal.require(RUNS_READ)
    with engine_errors():
        engine.get_run(run_id)
    return [
        ArtifactOut.model_validate(a, from_attributes=True) for a in engine.artifacts.of_run(run_id)
    ]


@router.get(
    "/artifacts/{artifact_id}",
    response_model=None,
    responses={200: {"content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}},
)
async def download(artifact_id: str, engine: EngineDep, principal: PrincipalDep) -> FileResponse:
    principal.require(RUNS_READ)
    try:
        artifact, path = await asyncio.to_thread(engine.artifacts.file, artifact_id)
    except ArtifactNotFound:
        raise not_found(f"no artifact '{artifact_id}'") from None
    return FileResponse(
        path,
        media_type=artifact.media_type,
        filename=download_name(artifact.name),
        content_disposition_type="attachment",
        headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
    )
