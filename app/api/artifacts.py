"""Downloading an artifact: `GET /artifacts/<id>` sends its file as an attachment.

Mounted on the app's FastAPI, behind the same Host/Origin guard as every route (app.api.guard):
another site's page cannot fetch it through the user's browser. The file is always sent as an
attachment with `nosniff`, so an HTML or SVG artifact is never rendered as one of Ren's pages.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from fastapi import APIRouter
from fastapi.responses import FileResponse, PlainTextResponse, Response

from app.engine.service import Engine
from app.nodes.context import ArtifactNotFound


def download_name(name: str) -> str:
    """The artifact's name as a Content-Disposition filename: no folders, quotes, backslashes
    or control characters (a step chose the name; it must not break the header)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join("_" if c == '"' or ord(c) < 32 or ord(c) == 127 else c for c in base)
    return cleaned.strip() or "download"


def download_url(artifact_id: str) -> str:
    return f"/artifacts/{artifact_id}"


def artifact_router(get_engine: Callable[[], Engine]) -> APIRouter:
    router = APIRouter()

    @router.get("/artifacts/{artifact_id}")
    async def download(artifact_id: str) -> Response:
        try:
            artifact, path = await asyncio.to_thread(get_engine().artifacts.file, artifact_id)
        except ArtifactNotFound:
            return PlainTextResponse("no such artifact", status_code=404)
        return FileResponse(
            path,
            media_type=artifact.media_type,
            filename=download_name(artifact.name),  # attachment; RFC 5987 for non-ASCII
            content_disposition_type="attachment",
            headers={"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"},
        )

    return router
