"""/api/v1/runs: start (with an optional Idempotency-Key), list with filters and cursor pages,
read one with its steps, control it (pause, resume, cancel, retry, re-run from a node), send it
a signal and download its log as JSON Lines."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from app.api import ops
from app.api.v1 import paging
from app.api.v1.deps import EngineDep, PrincipalDep
from app.api.v1.errors import ERRORS, engine_errors
from app.api.v1.models import RunReport
from app.auth.principal import RUNS_CONTROL, RUNS_READ, RUNS_START
from app.engine.rerun import SAME_INPUT
from app.engine.service import Engine
from app.store.paging import RunFilter, run_page

router = APIRouter(tags=["runs"], responses=ERRORS)

MAX_KEY = 200  # characters of an Idempotency-Key


class StartRun(BaseModel):
    workflow: str = Field(min_length=1, description="the workflow's id")
    input: Any = Field(default=None, description="the run's input (the workflow's params)")
    version: int | None = Field(default=None, ge=1, description="default: the latest version")
    wait: bool = Field(default=False, description="answer once the run ends or waits")


class RunStarted(BaseModel):
    run_id: str
    status: str
    workflow_id: str
    created: bool = Field(description="false: the Idempotency-Key had started this run before")


class RunItem(BaseModel):
    run_id: str
    workflow_id: str
    workflow_name: str
    version: int
    status: str
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None


class RunPage(BaseModel):
    items: list[RunItem]
    next: str | None = Field(description="the cursor of the next page; null on the last page")


class Answered(BaseModel):
    id: str
    node_id: str
    title: str
    outcome: str | None = None
    completed_by: str | None = None
    completed_at: float | None = None


class RunDetail(RunReport):
    """A run with every wait it had (`waits`), who answered its tasks (`answered`) and the
    tokens its AI steps used (`usage`, null without any)."""

    answered: list[Answered] = Field(default_factory=list)
    usage: dict[str, int] | None = Field(
        default=None, description="tokens its AI steps used (prompt, completion, total)"
    )
    input: Any = None
    version_id: str
    parent_run_id: str | None = None
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None


class StepOut(BaseModel):
    node_key: str
    node_id: str
    attempt: int
    status: str
    input: Any = None
    output: Any = None
    error: Any = None
    ports: Any = None
    started_at: float | None = None
    finished_at: float


class Resume(BaseModel):
    inputs: dict[str, Any] | None = Field(
        default=None, description="edited step inputs by node key"
    )


class Rerun(BaseModel):
    node_id: str = Field(min_length=1)
    input: Any = Field(default=None, description="a new run input (default: the same one)")
    same_input: bool = Field(default=True, description="false: use `input`")


class Signal(BaseModel):
    name: str = Field(min_length=1)
    data: Any = None


@router.post("/runs", status_code=201, response_model=RunStarted)
async def start_run(
    body: StartRun,
    engine: EngineDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=MAX_KEY)] = None,
) -> RunStarted:
    """Start a run. The same Idempotency-Key never starts two runs: it answers the first."""
    principal.require(RUNS_START)
    key = idempotency_key or None
    if key is not None and (known := engine.store.run_id_for_key(key)) is not None:
        response.status_code = 200
        return _started(engine, known, created=False)
    with engine_errors():
        run_id = await engine.start_run(
            body.workflow, body.input, version=body.version, idempotency_key=key
        )
        if body.wait:
            await engine.wait(run_id)
    return _started(engine, run_id, created=True)


def _started(engine: Engine, run_id: str, created: bool) -> RunStarted:
    run = engine.get_run(run_id)
    return RunStarted(
        run_id=run.id, status=run.status, workflow_id=run.workflow_id, created=created
    )


@router.get("/runs", response_model=RunPage)
async def list_runs(
    engine: EngineDep,
    principal: PrincipalDep,
    workflow: str | None = None,
    status: str | None = None,
    since: float | None = Query(default=None, description="created at or after (Unix s)"),
    until: float | None = Query(default=None, description="created before (Unix s)"),
    search: str = Query(default="", max_length=200, description="in the id or the input"),
    cursor: str | None = Query(default=None, max_length=500),
    limit: int = Query(default=50, ge=1, le=500),
) -> RunPage:
    """Runs newest first, one page at a time (give `next` back as `cursor`)."""
    principal.require(RUNS_READ)
    after = paging.decode(cursor, (float, str))
    where = RunFilter(workflow, status, since, until, search)
    with engine.store.session() as session:
        page = run_page(session, where, after, limit)
    items = [
        RunItem(
            run_id=b.id,
            workflow_id=b.workflow_id,
            workflow_name=b.workflow_name,
            version=b.version,
            status=b.status,
            created_at=b.created_at,
            started_at=b.started_at,
            finished_at=b.finished_at,
        )
        for b in page.rows
    ]
    return RunPage(items=items, next=paging.encode(page.next))


@router.get("/runs/{run_id}", response_model=RunDetail)
async def get_run(run_id: str, engine: EngineDep, principal: PrincipalDep) -> RunDetail:
    principal.require(RUNS_READ)
    with engine_errors():
        run = engine.get_run(run_id)
    report = await ops.call(engine, "show", {"run_id": run_id})
    return RunDetail(
        **report,
        input=run.input,
        version_id=run.version_id,
        parent_run_id=run.parent_run_id,
        created_at=run.created_at,
        started_at=run.started_at,
        finished_at=run.finished_at,
    )


@router.get("/runs/{run_id}/steps", response_model=list[StepOut])
async def list_steps(run_id: str, engine: EngineDep, principal: PrincipalDep) -> list[StepOut]:
    """Every attempt of every step, with its input and output, in order."""
    principal.require(RUNS_READ)
    with engine_errors():
        engine.get_run(run_id)
    return [StepOut.model_validate(step, from_attributes=True) for step in engine.steps(run_id)]


@router.get(
    "/runs/{run_id}/log",
    response_model=None,
    responses={200: {"content": {"application/x-ndjson": {"schema": {"type": "string"}}}}},
)
async def run_log(run_id: str, engine: EngineDep, principal: PrincipalDep) -> PlainTextResponse:
    """The run's events as JSON Lines (one JSON object a line)."""
    principal.require(RUNS_READ)
    lines = await ops.call(engine, "run_log", {"run_id": run_id})
    return PlainTextResponse(
        "".join(line + "\n" for line in lines),
        media_type="application/x-ndjson",
        headers={"Content-Disposition": f'attachment; filename="run-{run_id}.jsonl"'},
    )


async def _control(engine: Engine, name: str, args: dict[str, Any]) -> RunReport:
    return RunReport(**await ops.call(engine, name, args))


@router.post("/runs/{run_id}/pause", response_model=RunReport)
async def pause(run_id: str, engine: EngineDep, principal: PrincipalDep) -> RunReport:
    principal.require(RUNS_CONTROL)
    return await _control(engine, "pause", {"run_id": run_id})


@router.post("/runs/{run_id}/resume", response_model=RunReport)
async def resume(
    run_id: str, engine: EngineDep, principal: PrincipalDep, body: Resume | None = None
) -> RunReport:
    principal.require(RUNS_CONTROL)
    inputs = body.inputs if body is not None else None
    return await _control(engine, "resume", {"run_id": run_id, "inputs": inputs})


@router.post("/runs/{run_id}/cancel", response_model=RunReport)
async def cancel(run_id: str, engine: EngineDep, principal: PrincipalDep) -> RunReport:
    principal.require(RUNS_CONTROL)
    return await _control(engine, "cancel", {"run_id": run_id})


@router.post("/runs/{run_id}/retry", response_model=RunReport)
async def retry(run_id: str, engine: EngineDep, principal: PrincipalDep) -> RunReport:
    principal.require(RUNS_CONTROL)
    return await _control(engine, "retry", {"run_id": run_id})


@router.post("/runs/{run_id}/rerun", response_model=RunReport)
async def rerun(run_id: str, body: Rerun, engine: EngineDep, principal: PrincipalDep) -> RunReport:
    """A new run from `node_id`, reusing the steps before it."""
    principal.require(RUNS_CONTROL)
    given = SAME_INPUT if body.same_input else body.input
    args = {"run_id": run_id, "node_id": body.node_id, "input": given}
    return await _control(engine, "rerun", args)


@router.post("/runs/{run_id}/signals", response_model=RunReport)
async def signal(
    run_id: str, body: Signal, engine: EngineDep, principal: PrincipalDep
) -> RunReport:
    """Send a named signal to a run waiting for it."""
    principal.require(RUNS_START)
    return await _control(
        engine, "signal", {"run_id": run_id, "name": body.name, "data": body.data}
    )
