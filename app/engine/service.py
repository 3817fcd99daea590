"""The engine's facade: everything the UI, the REST API, the CLI and Python callers use.

One `Engine` per data folder and process. It owns the store, the journal and the runs that are
being advanced right now; a run that is not being advanced holds nothing in memory.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.catalog import FunctionLookup
from app.core.dsl import WorkflowSpec
from app.core.ids import new_id
from app.core.problems import Problem
from app.engine.alarms import AlarmClock
from app.engine.compiled import CompiledWorkflow
from app.engine.control import Controls
from app.engine.events import EventBus, JsonlLog, LogWriter, RunEvent
from app.engine.inputs import check_input
from app.engine.journal import Journal, RunLog
from app.engine.lock import FolderLock
from app.engine.paths import DataFolder
from app.engine.runner import RUN_TERMINAL, RunDriver
from app.engine.schedules import Schedules
from app.engine.state import RunState, StepRecord, WaitInfo
from app.engine.tasks import Tasks
from app.engine.waits import WaitBook, record_key
from app.engine.workflows import NotFound, Published, Workflows
from app.nodes.catalog import NodeCatalog, default_catalog
from app.nodes.functions import REGISTRY
from app.store import reads, writes
from app.store.db import Synchronous
from app.store.schema import Event, Run, Step
from app.store.store import Store
from app.store.writes import Batch

log = logging.getLogger(__name__)

RESUMABLE = ("pending", "running")


@dataclass(eq=False)
class LiveRun:
    state: RunState
    task: asyncio.Task[str]


class Engine:
    def __init__(
        self,
        home: str | Path | None = None,
        *,
        synchronous: Synchronous = "NORMAL",
        catalog: NodeCatalog | None = None,
        functions: FunctionLookup = REGISTRY,
    ) -> None:
        self.folder = DataFolder.resolve(home)
        self.lock = FolderLock(self.folder.root)
        self.lock.acquire()  # raises EngineBusy when another process serves this folder
        self.catalog = catalog or default_catalog()
        try:
            self.store = Store(self.folder.db_path, synchronous)
        except BaseException:
            self.lock.release()
            raise
        self.bus = EventBus()
        self.logs = LogWriter()
        self.journal = Journal(self.store, self.bus, self.logs)
        self.workflows = Workflows(self.store, self.catalog, functions)
        self.waits = WaitBook(self)
        self.tasks = Tasks(self)
        self.control = Controls(self)
        self.schedules = Schedules(self)
        self.alarms = AlarmClock(self.tasks.on_timer, self._on_schedule)
        self._live: dict[str, LiveRun] = {}
        self._started = False

    # -- life cycle ----------------------------------------------------------------------

    async def start(self, recover: bool = True) -> None:
        """Begin serving; with `recover`, continue every run that was running, re-arm timers
        and schedules, and apply the schedules' misfire policies."""
        self._started = True
        self.alarms.start()
        if not recover:
            return
        for run_id in self.store.runs_to_resume():
            self.relaunch(run_id)
        for timer in self.store.rows("SELECT id, due_at FROM timer WHERE status='pending'"):
            self.alarms.arm(timer["id"], timer["due_at"])
        await self._reconcile_children()
        await self.schedules.start()

    async def stop(self) -> None:
        """Stop advancing runs. They stay `running` in the database and continue next start."""
        self.alarms.stop()
        tasks = [live.task for live in self._live.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._started:
            self.journal.flush()
        self.logs.stop()
        self.store.close()
        self.lock.release()

    async def __aenter__(self) -> Engine:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- workflows -----------------------------------------------------------------------

    def validate(self, spec: WorkflowSpec) -> list[Problem]:
        return self.workflows.validate(spec)

    def import_workflow(
        self, source: Path | str | dict[str, Any], publish: bool = True
    ) -> Published | str:
        """Import a file, JSON text or dict in any supported format; publish it if asked."""
        spec = self.workflows.import_document(source)
        if spec.id is None and isinstance(source, Path):
            spec.id = source.stem
        workflow_id = self.workflows.save(spec)
        return self.workflows.publish(workflow_id) if publish else workflow_id

    # -- runs ----------------------------------------------------------------------------

    async def start_run(
        self,
        workflow_id: str,
        input: Any = None,
        *,
        version: int | None = None,
        idempotency_key: str | None = None,
        parent_run_id: str | None = None,
    ) -> str:
        """Create a run of the workflow's latest (or given) version and start advancing it."""
        row = self.workflows.version(workflow_id, version)
        compiled = self.workflows.compiled(row.id)
        input = {} if input is None else input
        check_input(compiled.spec.params, input)
        run_id = new_id()
        now = time.time()
        input, input_json = writes.normalize(input)
        events = [
            RunEvent(
                run_id,
                1,
                "run.created",
                None,
                {"workflow_id": workflow_id, "version": row.number},
                now,
            )
        ]
        batch = Batch()
        # Trigger nodes complete as the run is created: their output is the run's input.
        triggers = [
            n for n in compiled.graph.scope_nodes(None) if compiled.nodes[n].type.is_trigger
        ]
        for node_id in triggers:
            batch.step(
                run_id,
                node_id,
                node_id,
                1,
                "succeeded",
                input_json=input_json,
                output_json=input_json,
                error=None,
                ports=("out",),
                started_at=now,
                finished_at=now,
            )
            events.append(
                RunEvent(
                    run_id,
                    len(events) + 1,
                    "step.completed",
                    node_id,
                    {
                        "node_id": node_id,
                        "attempt": 1,
                        "status": "succeeded",
                        "ports": ["out"],
                        "ms": 0.0,
                    },
                    now,
                )
            )
        texts = [batch.event(e.run_id, e.seq, e.type, e.node_key, e.data, e.at) for e in events]
        run_row = (
            run_id,
            workflow_id,
            row.id,
            "running",
            input_json,
            idempotency_key,
            parent_run_id,
            now,
            now,
            now,
        )
        if idempotency_key is None:  # nothing can conflict: commit with others (group commit)
            creation = Batch()
            creation.add(writes.INSERT_RUN, *run_row)
            creation.extend(batch)
            await self.journal.commit(None, creation)
        elif not self.store.insert_run(run_row, batch):
            existing = self.store.run_id_for_key(idempotency_key)
            assert existing is not None
            return existing
        run_log = RunLog(run_id, len(events) + 1, JsonlLog(self.folder.run_dir(run_id)))
        self.logs.submit(run_log.jsonl, events, texts)
        for event in events:
            self.bus.publish(event)
        state = RunState(run_id, workflow_id, row.id, compiled, input, now, run_log)
        for node_id in triggers:
            state.record(node_id, StepRecord(node_id, 1, "succeeded", input, ("out",)))
        self._launch(state)
        return run_id

    async def wait(self, run_id: str, timeout: float | None = None) -> Run:
        """Wait until the run is no longer being advanced (ended, paused or waiting)."""
        live = self._live.get(run_id)
        if live is not None:
            await asyncio.wait_for(asyncio.shield(live.task), timeout)
        return self.get_run(run_id)

    def get_run(self, run_id: str) -> Run:
        run = self.store.fetch_run(run_id)
        if run is None:
            raise NotFound(f"no run '{run_id}'")
        return run

    async def run(self, workflow_id: str, input: Any = None, **kwargs: Any) -> Run:
        return await self.wait(await self.start_run(workflow_id, input, **kwargs))

    def idle(self) -> bool:
        """No run is being advanced and no alarm is due now (what `ren worker --until-idle`
        waits for)."""
        if self._live:
            return False
        now = time.time()
        return not self.store.rows(
            "SELECT id FROM timer WHERE status='pending' AND due_at <= ? LIMIT 1", now
        )

    def is_live(self, run_id: str) -> bool:
        return run_id in self._live

    def list_runs(self, status: str | None = None, limit: int = 100) -> Sequence[Run]:
        with self.store.session() as session:
            return reads.list_runs(session, status=status, limit=limit)

    def steps(self, run_id: str) -> Sequence[Step]:
        with self.store.session() as session:
            return reads.list_steps(session, run_id)

    def events(self, run_id: str, after_seq: int = 0) -> Sequence[Event]:
        with self.store.session() as session:
            return reads.list_events(session, run_id, after_seq)

    # -- waits and control (used by app.engine.waits, tasks, control) -------------------

    def live_state(self, run_id: str) -> RunState | None:
        live = self._live.get(run_id)
        return None if live is None else live.state

    def compiled_for_run(self, run_id: str) -> CompiledWorkflow:
        run = self.store.run_row(run_id)
        if run is None:
            raise NotFound(f"no run '{run_id}'")
        return self.workflows.compiled(run["version_id"])

    def relaunch(self, run_id: str) -> None:
        """Advance a run from its committed state (unless it is being advanced already)."""
        if run_id in self._live:
            return
        self._launch(self._load_state(run_id))

    async def halt_live(self, run_id: str) -> None:
        """Cancel a live run's driver and its in-flight steps (for cancel)."""
        live = self._live.get(run_id)
        if live is None:
            return
        live.state.control.cancel_requested = True
        live.state.control.pause_requested = True
        live.task.cancel()
        await asyncio.gather(live.task, return_exceptions=True)

    def note(self, run_id: str, type_: str, node_key: str | None, data: dict[str, Any]) -> None:
        """Append an event to a run's log, whether the run is live or sleeping."""
        live = self.live_state(run_id)
        if live is not None:
            self.journal.emit(live.log, type_, node_key, data)
            return
        self.journal.flush()
        event = RunEvent(
            run_id, self.store.next_event_seq(run_id), type_, node_key, data, time.time()
        )
        batch = Batch()
        text = batch.event(
            event.run_id, event.seq, event.type, event.node_key, event.data, event.at
        )
        self.store.write(batch)
        self._publish_sleeping(run_id, [event], [text])

    def after_wake(
        self,
        run_id: str,
        events: list[RunEvent],
        texts: list[str | None],
        live: RunState | None,
        wkey: str,
        stored: Any,
        record: StepRecord | None,
        woke: bool,
    ) -> None:
        """After a wait was resolved: tell the live run, or wake the sleeping one."""
        if live is not None:
            live.log.next_seq += len(events)
            self.logs.submit(live.log.jsonl, events, texts)
            for event in events:
                self.bus.publish(event)
            info = live.waits.get(wkey)
            kind = info.kind if info else "wait"
            live.waits[wkey] = WaitInfo(info.id if info else "", kind, "done", stored)
            if record is not None:
                live.record(record_key(wkey), record)
            live.wake()
            return
        self._publish_sleeping(run_id, events, texts)
        if woke:  # it was waiting (a paused run stays paused)
            self.relaunch(run_id)

    async def start_child(self, parent_run_id: str, wkey: str, child: dict[str, Any]) -> None:
        """Start a sub-workflow's run (at most once per parent step: the key is unique)."""
        try:
            child_id = await self.start_run(
                child["workflow_id"],
                child.get("input"),
                version=child.get("version"),
                idempotency_key=f"child:{parent_run_id}:{wkey}",
                parent_run_id=parent_run_id,
            )
        except Exception as err:
            wait = self.store.row(
                "SELECT id FROM wait WHERE run_id=? AND node_key=?", parent_run_id, wkey
            )
            if wait is not None:
                error = {"type": type(err).__name__, "message": f"sub-workflow: {err}"}
                self.waits.resolve(wait["id"], {}, error=error)
            return
        batch = Batch()
        batch.add(
            "UPDATE wait SET key=? WHERE run_id=? AND node_key=?", child_id, parent_run_id, wkey
        )
        self.store.write(batch)
        run = self.get_run(child_id)
        if run.status in RUN_TERMINAL:  # it was quicker than us
            self.run_ended(child_id, run.status)

    def run_ended(self, run_id: str, status: str) -> None:
        """A run ended: if it is a sub-workflow's child, wake its parent."""
        run = self.get_run(run_id)
        key = run.idempotency_key or ""
        if not key.startswith("child:") or status not in RUN_TERMINAL:
            return
        _, parent_id, wkey = key.split(":", 2)
        wait = self.store.row(
            "SELECT id FROM wait WHERE run_id=? AND node_key=? AND status='open'", parent_id, wkey
        )
        if wait is None:
            return
        if status == "succeeded":
            self.waits.resolve(wait["id"], {"run_id": run_id, "output": run.output})
        else:
            message = (run.error or {}).get("message", status)
            error = {
                "type": "ChildRunFailed",
                "message": f"sub-workflow run {run_id} {status}: {message}",
                "child_run_id": run_id,
            }
            self.waits.resolve(wait["id"], {}, error=error)

    async def _reconcile_children(self) -> None:
        """At start: start children a crash kept from starting; wake parents of ended ones."""
        for wait in self.store.rows("SELECT * FROM wait WHERE kind='child' AND status='open'"):
            if wait["key"] is None:
                node = self.compiled_for_run(wait["run_id"]).nodes[wait["node_id"]]
                state_input = wait["input"]
                config = node.config
                child = {
                    "workflow_id": getattr(config, "workflow", ""),
                    "version": getattr(config, "version", None),
                    "input": state_input
                    if getattr(config, "input", None) is None
                    else getattr(config, "input", None),
                }
                await self.start_child(wait["run_id"], wait["node_key"], child)
            else:
                child_run = self.store.fetch_run(wait["key"])
                if child_run is not None and child_run.status in RUN_TERMINAL:
                    self.run_ended(child_run.id, child_run.status)

    async def _on_schedule(self, schedule_id: str) -> None:
        try:
            await self.schedules.catch_up(schedule_id)
        except Exception:
            log.exception("schedule %s could not start its run", schedule_id)

    def _publish_sleeping(
        self, run_id: str, events: list[RunEvent], texts: list[str | None]
    ) -> None:
        jsonl = JsonlLog(self.folder.run_dir(run_id))
        self.logs.submit(jsonl, events, texts)
        self.logs.close_log(jsonl)
        for event in events:
            self.bus.publish(event)

    # -- internals -----------------------------------------------------------------------

    def _launch(self, state: RunState) -> None:
        task = asyncio.get_running_loop().create_task(
            self._drive(state), name=f"run {state.run_id}"
        )
        self._live[state.run_id] = LiveRun(state, task)

    async def _drive(self, state: RunState) -> str:
        try:
            while True:
                generation = state.wake_generation
                driver = RunDriver(state, self.journal, self.folder.runs_dir, self.waits)
                status = await driver.drive()
                if status == "waiting" and state.wake_generation != generation:
                    continue  # a wait was resolved while the run went to sleep: go on
                break
            if status in RUN_TERMINAL:
                self.run_ended(state.run_id, status)
            return status
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception(
                "run %s stopped by an engine error; it continues at the next start", state.run_id
            )
            return "running"
        finally:
            self._live.pop(state.run_id, None)
            self.logs.close_log(state.log.jsonl)

    def _load_state(self, run_id: str) -> RunState:
        """Rebuild a run's state from its committed steps (the latest attempt of each)."""
        run = self.store.run_row(run_id)
        if run is None:
            raise NotFound(f"no run '{run_id}'")
        compiled = self.workflows.compiled(run["version_id"])
        run_log = RunLog(
            run_id, self.store.next_event_seq(run_id), JsonlLog(self.folder.run_dir(run_id))
        )
        state = RunState(
            run_id,
            run["workflow_id"],
            run["version_id"],
            compiled,
            run["input"],
            run["started_at"] or run["created_at"],
            run_log,
        )
        for step in self.store.rows(  # ordered by id: later attempts overwrite earlier ones
            "SELECT node_key, node_id, attempt, status, output, ports FROM step"
            " WHERE run_id=? ORDER BY id",
            run_id,
        ):
            state.record(
                step["node_key"],
                StepRecord(
                    step["node_id"],
                    step["attempt"],
                    step["status"],
                    step["output"],
                    tuple(step["ports"] or ()),
                ),
            )
        for wait in self.store.rows(
            "SELECT id, node_key, kind, status, result FROM wait WHERE run_id=?", run_id
        ):
            state.waits[wait["node_key"]] = WaitInfo(
                wait["id"], wait["kind"], wait["status"], wait["result"]
            )
        state.overrides = dict(run["overrides"] or {})
        return state


__all__ = ["RUN_TERMINAL", "Engine", "NotFound"]
