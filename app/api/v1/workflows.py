"""/api/v1/workflows: list, read, create, update the draft, delete, import, export; and their
versions: list, read, publish, restore into the draft, diff."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.api.v1.deps import EngineDep, PrincipalDep
from app.api.v1.errors import ERRORS, ApiError, engine_errors
from app.api.v1.models import Removed
from app.auth.principal import WORKFLOWS_READ, WORKFLOWS_WRITE
from app.core.diff import diff_specs
from app.core.dsl import WorkflowSpec, parse_workflow
from app.engine.service import Engine
from app.engine.workflows import DraftChanged

router = APIRouter(tags=["workflows"], responses=ERRORS)

Document = dict[str, Any]  # a workflow document (ren.workflow/1, or a format Ren imports)


class WorkflowBrief(BaseModel):
    id: str
    name: str
    description: str
    nodes: int
    version: int | None = Field(description="the latest published version; null: none yet")
    draft_changed: bool = Field(description="the draft differs from the latest version")
    updated_at: float


class WorkflowOut(BaseModel):
    id: str
    name: str
    revision: int = Field(description="give it back when saving the draft")
    version: int | None = None
    draft: Document


class CreateWorkflow(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class SaveDraft(BaseModel):
    document: Document
    revision: int | None = Field(
        default=None, description="the revision read; a save in between answers 409"
    )


class ImportWorkflow(BaseModel):
    document: Document
    replace: bool = Field(default=False, description="over the workflow with the same id")
    publish: bool = False


class Imported(BaseModel):
    id: str
    version: int | None = None


class Publish(BaseModel):
    message: str = Field(default="", max_length=2000)


class VersionBrief(BaseModel):
    number: int
    message: str
    created_at: float


class VersionOut(VersionBrief):
    workflow_id: str
    definition: Document


class Published(BaseModel):
    workflow_id: str
    number: int
    created: bool = Field(description="false: the draft equals the latest version")


class Change(BaseModel):
    kind: str
    subject: str
    id: str
    field: str | None = None
    before: Any = None
    after: Any = None
    line: str


class Diff(BaseModel):
    changes: list[Change]
    moved: list[str]
    lines: list[str]


def _latest_number(engine: Engine, workflow_id: str) -> int | None:
    versions = engine.workflows.versions(workflow_id)
    return versions[0].number if versions else None


@router.get("/workflows", response_model=list[WorkflowBrief])
async def list_workflows(
    engine: EngineDep, principal: PrincipalDep, search: str = Query("", max_length=200)
) -> list[WorkflowBrief]:
    principal.require(WORKFLOWS_READ)
    return [
        WorkflowBrief.model_validate(s, from_attributes=True)
        for s in engine.workflows.summaries(search)
    ]


@router.post("/workflows", status_code=201, response_model=WorkflowOut)
async def create_workflow(
    body: CreateWorkflow, engine: EngineDep, principal: PrincipalDep
) -> WorkflowOut:
    """A new workflow whose draft holds one Start node."""
    principal.require(WORKFLOWS_WRITE)
    return _workflow(engine, engine.workflows.create(body.name))


@router.post("/workflows/import", status_code=201, response_model=Imported)
async def import_workflow(
    body: ImportWorkflow, engine: EngineDep, principal: PrincipalDep
) -> Imported:
    """Import a document in any format Ren reads; a new workflow unless `replace`."""
    principal.require(WORKFLOWS_WRITE)
    with engine_errors():
        spec = engine.workflows.import_document(body.document)
        if body.replace and spec.id:
            workflow_id = engine.workflows.save(spec, spec.id)
        else:
            workflow_id = engine.workflows.add_imported(spec)
        version = engine.workflows.publish(workflow_id).number if body.publish else None
    return Imported(id=workflow_id, version=version)


@router.get("/workflows/{workflow_id}", response_model=WorkflowOut)
async def get_workflow(workflow_id: str, engine: EngineDep, principal: PrincipalDep) -> WorkflowOut:
    principal.require(WORKFLOWS_READ)
    return _workflow(engine, workflow_id)


def _workflow(engine: Engine, workflow_id: str) -> WorkflowOut:
    with engine_errors():
        draft = engine.workflows.load(workflow_id)
    return WorkflowOut(
        id=workflow_id,
        name=draft.spec.name,
        revision=draft.revision,
        version=_latest_number(engine, workflow_id),
        draft=draft.spec.to_dict(),
    )


@router.put("/workflows/{workflow_id}/draft", response_model=WorkflowOut)
async def save_draft(
    workflow_id: str, body: SaveDraft, engine: EngineDep, principal: PrincipalDep
) -> WorkflowOut:
    """Replace the draft (kept even when invalid: publishing says why)."""
    principal.require(WORKFLOWS_WRITE)
    with engine_errors():
        current = engine.workflows.load(workflow_id)
        spec = parse_workflow(body.document, "body.document")
        spec = spec.model_copy(update={"id": workflow_id})
        revision = current.revision if body.revision is None else body.revision
        try:
            engine.workflows.save_draft(spec, workflow_id, revision)
        except DraftChanged as err:
            raise ApiError(409, "conflict", str(err)) from None
    return _workflow(engine, workflow_id)


@router.delete("/workflows/{workflow_id}", response_model=Removed)
async def delete_workflow(workflow_id: str, engine: EngineDep, principal: PrincipalDep) -> Removed:
    """Hide the workflow (its versions and runs are kept) and remove its schedules."""
    principal.require(WORKFLOWS_WRITE)
    with engine_errors():
        engine.workflows.load(workflow_id)
        engine.delete_workflow(workflow_id)
    return Removed(removed=workflow_id)


@router.get("/workflows/{workflow_id}/export", response_model=Document)
async def export_workflow(
    workflow_id: str, engine: EngineDep, principal: PrincipalDep
) -> JSONResponse:
    """The draft as a ren.workflow/1 document (a file to import elsewhere)."""
    principal.require(WORKFLOWS_READ)
    with engine_errors():
        spec = engine.workflows.draft(workflow_id)
    return JSONResponse(
        spec.to_dict(),
        headers={"Content-Disposition": f'attachment; filename="{workflow_id}.json"'},
    )


@router.get("/workflows/{workflow_id}/versions", response_model=list[VersionBrief])
async def list_versions(
    workflow_id: str, engine: EngineDep, principal: PrincipalDep
) -> list[VersionBrief]:
    principal.require(WORKFLOWS_READ)
    with engine_errors():
        engine.workflows.load(workflow_id)
    return [
        VersionBrief.model_validate(v, from_attributes=True)
        for v in engine.workflows.versions(workflow_id)
    ]


@router.get("/workflows/{workflow_id}/versions/{number}", response_model=VersionOut)
async def get_version(
    workflow_id: str, number: int, engine: EngineDep, principal: PrincipalDep
) -> VersionOut:
    principal.require(WORKFLOWS_READ)
    with engine_errors():
        row = engine.workflows.version(workflow_id, number)
    return VersionOut.model_validate(row, from_attributes=True)


@router.post("/workflows/{workflow_id}/publish", response_model=Published)
async def publish(
    workflow_id: str, engine: EngineDep, principal: PrincipalDep, body: Publish | None = None
) -> Published:
    """Freeze the draft as a new version; an invalid draft answers 422 with its problems."""
    principal.require(WORKFLOWS_WRITE)
    with engine_errors():
        done = engine.workflows.publish(workflow_id, body.message if body else "")
    return Published(workflow_id=workflow_id, number=done.number, created=done.created)


@router.post("/workflows/{workflow_id}/versions/{number}/restore", response_model=WorkflowOut)
async def restore_version(
    workflow_id: str, number: int, engine: EngineDep, principal: PrincipalDep
) -> WorkflowOut:
    """Put a version back into the draft (publish it to make it the latest again)."""
    principal.require(WORKFLOWS_WRITE)
    with engine_errors():
        engine.workflows.load(workflow_id)
        row = engine.workflows.version(workflow_id, number)
        spec = parse_workflow(row.definition, f"version {number}")
        engine.workflows.save(spec, workflow_id)
    return _workflow(engine, workflow_id)


@router.get("/workflows/{workflow_id}/diff", response_model=Diff)
async def diff(
    workflow_id: str,
    engine: EngineDep,
    principal: PrincipalDep,
    base: int | None = Query(default=None, ge=1, description="default: the latest version"),
    to: int | None = Query(default=None, ge=1, description="default: the draft"),
) -> Diff:
    """What changed from version `base` to version `to` (or the draft)."""
    principal.require(WORKFLOWS_READ)
    with engine_errors():
        old = _spec(engine, workflow_id, base, latest=True)
        new = _spec(engine, workflow_id, to, latest=False)
    found = diff_specs(old, new)
    changes = [
        Change(
            kind=c.kind,
            subject=c.subject,
            id=c.id,
            field=c.field,
            before=c.before,
            after=c.after,
            line=c.line,
        )
        for c in found.changes
    ]
    return Diff(changes=changes, moved=list(found.moved), lines=found.lines)


def _spec(engine: Engine, workflow_id: str, number: int | None, latest: bool) -> WorkflowSpec:
    if number is None and not latest:
        return engine.workflows.draft(workflow_id)
    engine.workflows.load(workflow_id)  # NotFound for an unknown or deleted workflow
    row = engine.workflows.version(workflow_id, number)
    return parse_workflow(row.definition, f"version {row.number}")
