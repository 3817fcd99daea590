"""Operations in JSON form: what the `ren` commands and the HTTP API do, in one place.

Each operation takes an Engine and plain JSON arguments and returns plain JSON. The CLI calls
them on its own engine, or — when another Ren process serves the data folder — through that
process's API (app.api.rpc), so every command behaves the same either way.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from app.core.dsl import WorkflowFormatError
from app.core.forms import FormInvalid
from app.core.importers import import_workflow
from app.engine.code_trust import Guarded
from app.engine.inputs import InputInvalid, input_problems
from app.engine.log_files import event_line
from app.engine.rerun import SAME_INPUT, RerunRefused, rerun_from
from app.engine.schedules import ScheduleInvalid
from app.engine.service import Engine
from app.engine.tasks import NoLongerPossible
from app.engine.webhooks import hook_url
from app.engine.workflows import NotFound, WorkflowInvalid
from app.nodes.ai_model_usage import ai_node_ids, run_usage
from app.nodes.functions import load_functions

Op = Callable[..., Awaitable[Any]]
OPS: dict[str, Op] = {}


class OpError(Exception):
    """A failed operation, as the CLI reports it: a kind (→ exit code), a message, details."""

    def __init__(self, kind: str, message: str, problems: list[str] | None = None) -> None:
        self.kind = kind  # invalid | not_found | no_longer_possible
        self.message = message
        self.problems = problems or []
        super().__init__(message)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "message": self.message, "problems": self.problems}


def op(fn: Op) -> Op:
    OPS[fn.__name__] = fn
    return fn


async def call(engine: Engine, name: str, args: dict[str, Any]) -> Any:
    """Run an operation, turning the engine's exceptions into OpErrors."""
    if name not in OPS:
        raise OpError("invalid", f"unknown operation '{name}'")
    try:
        inspect.signature(OPS[name]).bind(engine, **args)
    except TypeError as err:
        raise OpError("invalid", f"{name}: {err}") from None
    try:
        return await OPS[name](engine, **args)
    except NotFound as err:
        raise OpError("not_found", str(err)) from None
    except NoLongerPossible as err:
        raise OpError("no_longer_possible", str(err)) from None
    except FormInvalid as err:
        lines = [f"{field}: {message}" for field, message in err.errors.items()]
        raise OpError("invalid", "the answer does not fit the form", lines) from None
    except WorkflowInvalid as err:
        raise OpError("invalid", str(err), [str(p) for p in err.problems]) from None
    except (InputInvalid, WorkflowFormatError, ScheduleInvalid) as err:
        raise OpError("invalid", str(err)) from None


# -- reports -------------------------------------------------------------------------------


def run_report(engine: Engine, run_id: str) -> dict[str, Any]:
    """A run with the latest attempt of each step and, while it waits, its open tasks."""
    run = engine.get_run(run_id)
    latest: dict[str, Any] = {}
    for step in engine.steps(run_id):
        latest[step.node_key] = step
    report: dict[str, Any] = {
        "run_id": run.id,
        "workflow_id": run.workflow_id,
        "status": run.status,
        "output": run.output,
        "error": run.error,
        "steps": [
            {"node_id": s.node_id, "node_key": s.node_key, "status": s.status, "attempt": s.attempt}
            for s in latest.values()
        ],
    }
    if run.status in ("waiting", "paused"):
        report["tasks"] = [task_brief(t) for t in engine.tasks.open_tasks(run_id=run_id)]
        report["waits"] = engine.store.open_wait_briefs(run_id)
    return report


def task_brief(task: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": task["id"],
        "run_id": task["run_id"],
        "node_id": task["node_id"],
        "title": task["title"],
        "assignee": task.get("assignee"),
        "due_at": task.get("due_at"),
        "fields": task.get("form") or [],
        "outcomes": [o["name"] for o in task.get("outcomes") or []],
    }


# -- operations ------------------------------------------------------------------------------


@op
async def run_document(
    engine: Engine, document: Any, source: str, input: Any, functions: list[str]
) -> dict[str, Any]:
    """Import, validate, publish and run a workflow document; wait until it ends or waits."""
    for ref in functions:
        load_functions(ref)
    spec = import_workflow(document, source)
    problems = [f"{source}: {p}" for p in engine.validate(spec, check_trust=False)]
    problems += [f"{source}: {p}" for p in input_problems(spec.params, input)]
    if problems:
        raise OpError("invalid", f"{source} cannot run", problems)
    if spec.id is None:
        spec.id = Path(source).stem
    workflow_id = engine.workflows.save(spec)
    engine.workflows.trust.trust_spec(workflow_id, spec, "run")  # running a file trusts it
    engine.workflows.publish(workflow_id)
    run = await engine.run(workflow_id, input)
    return run_report(engine, run.id)


@op
async def start(
    engine: Engine,
    workflow_id: str,
    input: Any = None,
    wait: bool = True,
    idempotency_key: str | None = None,
) -> dict[str, Any]:
    """Start a run of a published workflow (its latest version); with `wait`, answer once it
    ends or waits. The same `idempotency_key` never starts two runs: it answers the first."""
    run_id = await engine.start_run(workflow_id, input, idempotency_key=idempotency_key)
    if wait:
        await engine.wait(run_id)
    return run_report(engine, run_id)


@op
async def trust(engine: Engine, workflow_id: str) -> dict[str, Any]:
    """Trust what the workflow's guarded nodes run (code, commands, file changes: a person
    reviewed it), then publish the draft when it is valid, so it can run."""
    spec = engine.workflows.draft(workflow_id)
    untrusted = engine.workflows.trust.untrusted(workflow_id, spec)
    engine.workflows.trust.trust_spec(workflow_id, spec, "cli")
    report: dict[str, Any] = {
        "workflow_id": workflow_id,
        "trusted": [_guarded_brief(g) for g in untrusted],
        "code_nodes": len(engine.workflows.trust.guarded(spec)),  # every node needing trust
    }
    problems = engine.validate(spec, workflow_id)
    report["problems"] = [str(p) for p in problems]
    report["version"] = None if problems else engine.workflows.publish(workflow_id).number
    return report


@op
async def untrusted_code(engine: Engine, workflow_id: str) -> list[dict[str, Any]]:
    """The nodes of the workflow's draft (code, commands, ...) whose text no person trusted."""
    spec = engine.workflows.draft(workflow_id)
    return [_guarded_brief(g) for g in engine.workflows.trust.untrusted(workflow_id, spec)]


def _guarded_brief(guarded: Guarded) -> dict[str, Any]:
    """A node needing trust: "code" holds what it runs (code, or a command as JSON)."""
    node = guarded.node
    return {"node_id": node.id, "type": node.type, "code": guarded.text}


@op
async def tasks(engine: Engine, assignee: str | None = None) -> list[dict[str, Any]]:
    return [task_brief(t) for t in engine.tasks.open_tasks(assignee)]


@op
async def complete(
    engine: Engine, task_id: str, outcome: str, values: dict[str, Any], by: str
) -> dict[str, Any]:
    run_id = engine.tasks.complete(task_id, outcome, values, by)
    await engine.wait(run_id)
    return run_report(engine, run_id)


@op
async def signal(engine: Engine, run_id: str, name: str, data: Any = None) -> dict[str, Any]:
    engine.tasks.signal(run_id, name, data)
    await engine.wait(run_id)
    return run_report(engine, run_id)


@op
async def runs(engine: Engine, status: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    return [
        {
            "run_id": r.id,
            "workflow_id": r.workflow_id,
            "status": r.status,
            "created_at": r.created_at,
            "finished_at": r.finished_at,
        }
        for r in engine.list_runs(status=status, limit=limit)
    ]


@op
async def show(engine: Engine, run_id: str) -> dict[str, Any]:
    report = run_report(engine, run_id)
    report["waits"] = engine.store.wait_briefs(run_id)
    report["answered"] = engine.store.rows(  # who answered each task, and how
        "SELECT id, node_id, title, outcome, completed_by, completed_at FROM task"
        " WHERE run_id=? AND status='completed' ORDER BY completed_at",
        run_id,
    )
    spec = engine.workflows.compiled(engine.get_run(run_id).version_id).spec
    report["usage"] = run_usage(engine.steps(run_id), ai_node_ids(spec.nodes))  # AI tokens
    return report


@op
async def run_log(engine: Engine, run_id: str) -> list[str]:
    """A run's JSON Lines log, rebuilt from the database (the day's log files mix all runs)."""
    engine.get_run(run_id)  # NotFound for an unknown run
    lines: list[str] = []
    after = 0
    while events := engine.events(run_id, after):
        for e in events:
            data = json.dumps(e.data, ensure_ascii=False, default=str)
            lines.append(event_line(e.run_id, e.seq, e.type, e.node_key, data, e.at).rstrip("\n"))
        after = events[-1].seq
    return lines


@op
async def pause(engine: Engine, run_id: str) -> dict[str, Any]:
    await engine.control.pause(run_id)
    return run_report(engine, run_id)


@op
async def resume(
    engine: Engine, run_id: str, inputs: dict[str, Any] | None = None
) -> dict[str, Any]:
    await engine.control.resume(run_id, inputs)
    await engine.wait(run_id)
    return run_report(engine, run_id)


@op
async def cancel(engine: Engine, run_id: str) -> dict[str, Any]:
    await engine.control.cancel(run_id)
    return run_report(engine, run_id)


@op
async def retry(engine: Engine, run_id: str) -> dict[str, Any]:
    await engine.control.retry(run_id)
    await engine.wait(run_id)
    return run_report(engine, run_id)


@op
async def rerun(
    engine: Engine, run_id: str, node_id: str, input: Any = SAME_INPUT
) -> dict[str, Any]:
    """A new run from `node_id`, reusing what came before it (app.engine.rerun)."""
    try:
        new_run = await rerun_from(engine, run_id, node_id, input)
    except RerunRefused as err:
        raise OpError("invalid", str(err)) from None
    await engine.wait(new_run)
    return {**run_report(engine, new_run), "rerun_of": run_id, "from": node_id}


@op
async def schedule_add(
    engine: Engine,
    workflow_id: str,
    cron: str | None,
    interval_s: float | None,
    timezone: str,
    input: Any,
    misfire: str,
) -> dict[str, Any]:
    return engine.schedules.add(
        workflow_id,
        cron=cron,
        interval_s=interval_s,
        timezone=timezone,
        input=input,
        misfire=misfire,
    )


@op
async def schedule_list(engine: Engine) -> list[dict[str, Any]]:
    return engine.schedules.all()


@op
async def schedule_remove(engine: Engine, schedule_id: str) -> dict[str, Any]:
    engine.schedules.remove(schedule_id)
    return {"removed": schedule_id}


@op
async def webhook(engine: Engine, workflow_id: str, regenerate: bool = False) -> dict[str, Any]:
    """The workflow's webhook secret (made now if it has none, or replaced) and the webhooks
    of its published version."""
    engine.workflows.draft(workflow_id)  # NotFound for an unknown or deleted workflow
    secrets = engine.webhooks.secrets
    secret = secrets.regenerate(workflow_id) if regenerate else secrets.get(workflow_id)
    published = engine.webhooks.published(workflow_id)
    return {
        "workflow_id": workflow_id,
        "secret": secret,
        "version": published.version if published else None,
        "hooks": [
            {"node_id": h.node_id, "method": h.method, "path": hook_url("", workflow_id, h.path)}
            for h in (published.hooks if published else [])
        ],
    }
