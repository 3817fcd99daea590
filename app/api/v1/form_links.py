"""/api/v1/workflows/{id}/form-links: the shared links of a form whose access is "link" (list,
create, revoke), as the editor's "Shared links" makes them (app.auth.form_links)."""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter
from pydantic import BaseModel, Field

from app.api.v1.deps import EngineDep, PrincipalDep
from app.api.v1.errors import ERRORS, engine_errors, invalid, not_found
from app.auth.form_links import MAX_LABEL, FormLink, FormLinkError, FormLinks, folder_form_links
from app.auth.principal import WORKFLOWS_READ, WORKFLOWS_WRITE
from app.engine.form_triggers import FormUnavailable, find_form
from app.engine.service import Engine
from app.engine.webhooks import hook_path

router = APIRouter(tags=["forms"], responses=ERRORS)
MAX_DAYS = 90


class FormLinkOut(BaseModel):
    id: str
    workflow_id: str
    path: str
    label: str
    created_by: str
    created_at: float
    expires_at: float | None = None
    revoked_at: float | None = None
    state: str = Field(description="open, expired or revoked")
    url: str | None = Field(None, description="the link's address on this server (while open)")


class NewFormLink(BaseModel):
    label: str = Field(
        min_length=1, max_length=MAX_LABEL, description='whom it is for, e.g. "flyer"'
    )
    path: str = Field("", max_length=500, description="the form's path (empty: /forms/<id>)")
    valid_days: int | None = Field(None, ge=1, le=MAX_DAYS, description="empty: until revoked")


def _links(engine: Engine) -> FormLinks:
    return folder_form_links(engine.folder.root, engine.folder.db_path)


def _out(links: FormLinks, link: FormLink) -> FormLinkOut:
    state = link.state(time.time())
    url = f"/f/{links.token_of(link)}" if state == "open" else None
    return FormLinkOut(**link.__dict__, state=state, url=url)


@router.get("/workflows/{workflow_id}/form-links", response_model=list[FormLinkOut])
async def list_form_links(
    workflow_id: str, engine: EngineDep, principal: PrincipalDep, path: str = ""
) -> list[FormLinkOut]:
    principal.require(WORKFLOWS_READ)
    with engine_errors():
        engine.workflows.draft(workflow_id)  # NotFound for an unknown or deleted workflow
    links = _links(engine)
    found = await asyncio.to_thread(links.of_form, workflow_id, hook_path(path))
    return [_out(links, link) for link in found]


@router.post("/workflows/{workflow_id}/form-links", status_code=201, response_model=FormLinkOut)
async def create_form_link(
    workflow_id: str, body: NewFormLink, engine: EngineDep, principal: PrincipalDep
) -> FormLinkOut:
    """A link that opens the published form at `path` for anyone, without an account; the
    form's access must be "link"."""
    principal.require(WORKFLOWS_WRITE)
    path = hook_path(body.path)
    try:
        form = find_form(engine, workflow_id, path)
    except FormUnavailable:
        raise not_found(f"no published form of workflow '{workflow_id}' at '{path}'") from None
    if form.config.access != "link":
        raise invalid("body.path", "this form is for people signed in: set its access to link")
    valid_s = body.valid_days * 86_400.0 if body.valid_days else None
    links = _links(engine)
    try:
        link, _ = await asyncio.to_thread(
            links.create, workflow_id, path, body.label, principal.name, valid_s
        )
    except FormLinkError as err:
        raise invalid("body.label", str(err)) from None
    return _out(links, link)


@router.post("/form-links/{link_id}/revoke", response_model=FormLinkOut)
async def revoke_form_link(link_id: str, engine: EngineDep, principal: PrincipalDep) -> FormLinkOut:
    """Close the link at once (revoking one already revoked changes nothing)."""
    principal.require(WORKFLOWS_WRITE)
    links = _links(engine)
    await asyncio.to_thread(links.revoke, link_id)
    link = await asyncio.to_thread(links.get, link_id)
    if link is None:
        raise not_found(f"no form link '{link_id}'")
    return _out(links, link)
