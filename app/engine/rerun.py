"""Re-run from here: a new run of an ended run's version that starts at a chosen node.

Every step of the old run that is neither the chosen node nor after it (everything upstream of
it, and side branches that do not lead through it) is copied into the new run as it ended, so
those nodes are not run again; the new run is then advanced from its committed state like a
recovered run, and the chosen node is the first to run. Its input is the old step's input,
or the one the builder edited (kept as the run's override for that node, the same way
"resume with edited input" works). The new run's `run.created` event names the run and node
it came from (seed 003's time travel).

Only top-level nodes can be chosen: a node inside a loop runs once per item, so "from here"
means the loop node around it.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from app.core.graph import Graph
from app.core.ids import new_id
from app.engine.compiled import CompiledWorkflow
from app.engine.events import LogWriter, RunEvent
from app.engine.journal import Journal
from app.engine.log_files import JsonlLog
from app.engine.workflows import NotFound, Workflows
from app.store import reads, writes
from app.store.schema import Run, Step
from app.store.store import Store
from app.store.writes import Batch

ENDED = ("succeeded", "failed", "canceled")
SAME_INPUT: Any = object()  # rerun_from without an input: the node keeps its old one


class RerunRefused(ValueError):
    """The re-run cannot start: the run has not ended, or the node cannot be started at."""


class RerunHost(Protocol):
    """What a re-run needs from the engine."""

    store: Store
    workflows: Workflows
    journal: Journal
    logs: LogWriter
    log_file: JsonlLog

    def relaunch(self, run_id: str) -> None: ...


@dataclass(frozen=True)
class RerunPlan:
    """What a re-run from `node_id` keeps and where it starts."""

    run: Run
    compiled: CompiledWorkflow
    node_id: str
    kept: list[Step]  # the old run's steps copied as they are (latest attempt of each)
    input: Any  # the chosen node's input in the old run


def downstream(graph: Graph, node_id: str) -> set[str]:
    """`node_id` and every top-level node reachable from it."""
    seen = {node_id}
    todo = [node_id]
    while todo:
        for edge in graph.out_edges[todo.pop()]:
            if edge.target not in seen:
                seen.add(edge.target)
                todo.append(edge.target)
    return seen


def _top_level(graph: Graph, node_id: str) -> str:
    """The top-level node a node belongs to (itself, or the outermost loop around it)."""
    node = graph.nodes.get(node_id)
    while node is not None and node.parent is not None:
        node = graph.nodes.get(node.parent)
    return node.id if node is not None else node_id


def latest_attempts(steps: Sequence[Step]) -> dict[str, Step]:
    """The latest attempt of each step, by node key (steps come in the order written)."""
    latest: dict[str, Step] = {}
    for step in steps:
        latest[step.node_key] = step
    return latest


def plan_rerun(host: RerunHost, run_id: str, node_id: str) -> RerunPlan:
    """Check that the run can be re-run from the node; say what it keeps."""
    run = host.store.fetch_run(run_id)
    if run is None:
        raise NotFound(f"no run '{run_id}'")
    if run.status not in ENDED:
        raise RerunRefused(
            f"run {run_id} is {run.status}: a run can be re-run from a node once it has "
            "ended (succeeded, failed or canceled)"
        )
    compiled = host.workflows.compiled(run.version_id)
    graph = compiled.graph
    node = graph.nodes.get(node_id)
    if node is None:
        raise RerunRefused(f"the workflow of run {run_id} has no node '{node_id}'")
    if node.parent is not None:
        raise RerunRefused(
            f"node '{node_id}' is inside the loop '{_top_level(graph, node_id)}': "
            "re-run from the loop node"
        )
    if compiled.nodes[node_id].type.is_trigger:
        raise RerunRefused(f"node '{node_id}' is a trigger: use Run again for a whole new run")
    with host.store.session() as session:
        latest = latest_attempts(reads.list_steps(session, run_id))
    mine = latest.get(node_id)
    if mine is None or mine.status == "skipped":
        raise RerunRefused(
            f"node '{node_id}' did not run in run {run_id} (it was skipped or never reached), "
            "so there is no input to start it with"
        )
    redo = downstream(graph, node_id)
    kept = [
        step
        for key, step in latest.items()
        if "@" not in key
        and _top_level(graph, step.node_id) not in redo
        and (step.status in ("succeeded", "skipped") or bool(step.ports))
    ]
    return RerunPlan(run, compiled, node_id, kept, mine.input)


async def rerun_from(host: RerunHost, run_id: str, node_id: str, input: Any = SAME_INPUT) -> str:
    """Start the new run; returns its id. `input`: the chosen node's input (default: as in
    the old run)."""
    plan = plan_rerun(host, run_id, node_id)
    run = plan.run
    new_run = new_id()
    now = time.time()
    _input, input_json = writes.normalize(run.input)
    with host.store.session() as session:
        version = reads.get_version(session, run.version_id)
    number = version.number if version is not None else None
    batch = Batch()
    batch.add(
        writes.INSERT_RUN,
        new_run,
        run.workflow_id,
        run.version_id,
        "running",
        input_json,
        None,
        None,
        now,
        now,
        now,
    )
    if getattr(run, "is_test", False):  # a re-run of an editor's test run is a test run too
        batch.add("UPDATE run SET is_test=1 WHERE id=?", new_run)
    if input is not SAME_INPUT:
        batch.add(writes.SET_RUN_OVERRIDES, writes.to_json({node_id: input}), new_run)
    created = {
        "workflow_id": run.workflow_id,
        "version": number,
        "rerun_of": run.id,
        "from": node_id,
        "edited_input": input is not SAME_INPUT,
    }
    events = [RunEvent(new_run, 1, "run.created", None, created, now)]
    for step in plan.kept:
        batch.step(
            new_run,
            step.node_key,
            step.node_id,
            step.attempt,
            step.status,
            input_json=writes.to_json(step.input),
            output_json=writes.to_json(step.output),
            error=step.error,
            ports=tuple(step.ports or ()),
            started_at=step.started_at,
            finished_at=step.finished_at,
        )
        kind = "step.skipped" if step.status == "skipped" else "step.completed"
        data: dict[str, Any] = {"node_id": step.node_id, "reused_from": run.id}
        if kind == "step.completed":
            data.update(attempt=step.attempt, status=step.status, ports=list(step.ports or ()))
            if step.started_at is not None:
                data["ms"] = round((step.finished_at - step.started_at) * 1000, 3)
        events.append(RunEvent(new_run, len(events) + 1, kind, step.node_key, data, now))
    texts = [batch.event(e.run_id, e.seq, e.type, e.node_key, e.data, e.at) for e in events]
    host.journal.flush()  # nothing of the engine's queued writes goes in between
    host.store.write(batch)
    host.logs.submit(host.log_file, events, texts)
    host.journal.announce_written(events)
    host.relaunch(new_run)  # from its committed steps, like a recovered run
    return new_run


def rerun_origin(events: Sequence[Any]) -> tuple[str, str] | None:
    """(old run id, node id) when a run's first event says it is a re-run, else None."""
    if not events:
        return None
    first = events[0]
    data = first.data or {}
    if first.type != "run.created" or not data.get("rerun_of"):
        return None
    return str(data["rerun_of"]), str(data.get("from") or "")
