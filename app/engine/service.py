"""The engine's facade: everything the UI, the REST API, the CLI and Python callers use.

One `Engine` per data folder and process. It owns the store, the journal and the runs that are
being advanced right now; a run that is not being advanced holds nothing in memory.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.auth import audit
from app.core.dsl import WorkflowSpec
from app.core.ids import new_id
from app.core.problems import Problem
from app.credentials.vault import close_vault
from app.engine.alarms import AlarmClock
from app.engine.artifacts import Artifacts
from app.engine.child_runs import ChildRuns
from app.engine.compiled import CompiledWorkflow
from app.engine.control import Controls
from app.engine.events import EventBus, LogWriter, RunEvent
from app.engine.file_watch import FileWatches
from app.engine.inputs import check_input
from app.engine.journal import Journal, RunLog
from app.engine.live_runs import LiveRuns
from app.engine.lock import FolderLock
from app.engine.log_files import JsonlLog
from app.engine.paths import DataFolder
from app.engine.retention import Retention
from app.engine.run_removal import delete_runs
from app.engine.runner import RUN_TERMINAL
from app.engine.schedules import Schedules
from app.engine.state import RunState, StepRecord
from app.engine.tasks import Tasks
from app.engine.test_runs import TestRuns
from app.engine.timer_window import TimerWindow
from app.engine.waits import WaitBook
from app.engine.webhooks import Webhooks
from app.engine.workflows import NotFound, Published, Workflows
from app.nodes.ai_agent import AiAgentNode
from app.nodes.catalog import NodeCatalog, default_catalog
from app.nodes.code import CodeNode
from app.nodes.function import FunctionNode
from app.nodes.functions import REGISTRY, FunctionRegistry
from app.nodes.library import FunctionLibrary, library_folder
from app.nodes.library_watch import LibraryWatcher
from app.store import reads, writes
from app.store.db import Synchronous
from app.store.integrity import BackgroundCheck, check_in_background
from app.store.kv import Storage
from app.store.schema import Event, Run, Step
from app.store.store import Store
from app.store.writes import Batch

log = logging.getLogger(__name__)

STOP_WAIT_S = 1.0  # how long stop() waits for canceled runs to end


class Engine:
    def __init__(
        self,
        home: str | Path | None = None,
        *,
        synchronous: Synchronous = "NORMAL",
        catalog: NodeCatalog | None = None,
        functions: FunctionRegistry = REGISTRY,
        watch_functions: bool = False,
    ) -> None:
        """`functions` are the process-wide ones; the folder's library (`functions/`) is
        loaded over them, and with `watch_functions` reloaded whenever it changes."""
        self.folder = DataFolder.resolve(home)
        self.lock = FolderLock(self.folder.root)
        self.quick_check: BackgroundCheck | None = None  # a big database's check at start
        self.lock.acquire()  # raises EngineBusy when another process serves this folder
        self.functions = FunctionLibrary(library_folder(self.folder.root), functions)
        self.functions.reload()
        self.watcher = LibraryWatcher(self.functions) if watch_functions else None
        self.catalog = catalog or default_catalog()
        if catalog is None:  # function nodes call this folder's functions
            self.catalog.register(FunctionNode(self.functions))
            self.catalog.register(AiAgentNode(self.functions))  # its function tools too
        try:
            self.store = Store(self.folder.db_path, synchronous)
        except BaseException:
            self.lock.release()
            raise
        self.bus = EventBus()  # every event, as it happens (live pages)
        self.committed = EventBus()  # events once durable: what they say can be read back
        self.logs = LogWriter()
        self.log_file = JsonlLog(self.folder.logs_dir)  # every run's events, one file a day
        self.journal = Journal(self.store, self.bus, self.logs, self.committed)
        self.storage = Storage(self.store)  # the storage node's keys, from Python
        self.artifacts = Artifacts(self.store, self.folder.root)  # files steps saved
        self.workflows = Workflows(self.store, self.catalog, self.functions)
        if catalog is None:  # Code nodes run only code a person trusted for their workflow
            self.catalog.register(CodeNode(self.workflows.trust))
        self.waits = WaitBook(self)
        self.tasks = Tasks(self)
        self.control = Controls(self)
        self.schedules = Schedules(self)
        self.file_watches = FileWatches(self)  # file triggers' folders, watched once started
        self.webhooks = Webhooks(self)
        self.alarms = AlarmClock(self.tasks.on_timer, self._on_schedule)
        self.live_runs = LiveRuns(self)
        self.child_runs = ChildRuns(self)
        self.test_runs = TestRuns(self)  # the editor's test runs and pins
        self.retention = Retention(self, self.artifacts.root, self.folder.runs_dir)
        self._started = False

    # -- life cycle ----------------------------------------------------------------------

    async def start(self, recover: bool = True) -> None:
        """Begin serving; with `recover`, continue every run that was running, re-arm timers
        and schedules, and apply the schedules' misfire policies."""
        self._started = True
        self.alarms.start()
        if self.watcher is not None:
            self.watcher.start()
        if not recover:
            return
        self.quick_check = check_in_background(self.folder.db_path)  # big files: not at start
        self.artifacts.sweep_orphans(self.store.runs_to_resume())  # a crash left them unrecorded
        for run_id in self.store.runs_to_resume():
            self.relaunch(run_id)
        TimerWindow(self.alarms, self.store.earliest_pending_timers).refill()
        await self.child_runs.reconcile()
        await self.schedules.start()
        await self.file_watches.start()
        self.retention.schedule(self.alarms.scheduler)  # old runs deleted hourly, by policy

    async def stop(self) -> None:
        """Stop advancing runs. They stay `running` in the database and continue next start."""
        self.retention.stop()  # a purge under way ends after its current batch
        self.alarms.stop()
        await self.file_watches.stop()
        if self.watcher is not None:
            await self.watcher.stop()
        tasks = [live.task for live in self.live_runs.runs.values()]
        for task in tasks:
            task.cancel()
        if tasks:  # bounded: a function that ignores cancellation must not hold up the stop
            _, stuck = await asyncio.wait(tasks, timeout=STOP_WAIT_S)
            if stuck:
                log.warning(
                    "%d run(s) did not stop within %g s (a function ignores cancellation); "
                    "they continue at the next start",
                    len(stuck),
                    STOP_WAIT_S,
                )
        if self._started:
            self.journal.flush()
        self.logs.stop()
        self.store.close()
        close_vault(self.folder.root)  # the credentials' connection, opened by a step or page
        self.lock.release()

    async def __aenter__(self) -> Engine:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- workflows -----------------------------------------------------------------------

    def validate(
        self, spec: WorkflowSpec, workflow_id: str | None = None, *, check_trust: bool = True
    ) -> list[Problem]:
        return self.workflows.validate(spec, workflow_id, check_trust=check_trust)

    def trust_code(self, workflow_id: str) -> int:
        """Trust the code of every Code node in the workflow's draft, as a person who
        reviewed it (`ren trust`); returns how many nodes were not trusted before."""
        spec = self.workflows.draft(workflow_id)
        return len(self.workflows.trust.trust_spec(workflow_id, spec, "review"))

    def import_workflow(
        self, source: Path | str | dict[str, Any], publish: bool = True
    ) -> Published | str:
        """Import a file, JSON text or dict in any supported format; publish it if asked."""
        spec = self.workflows.import_document(source)
        if spec.id is None and isinstance(source, Path):
            spec.id = source.stem
        workflow_id = self.workflows.save(spec)
        return self.workflows.publish(workflow_id) if publish else workflow_id

    def delete_workflow(self, workflow_id: str) -> int:
        """Hide a workflow (its versions and past runs are kept) and remove its schedules,
        which would otherwise go on starting runs of it. Returns how many were removed."""
        removed = self.schedules.remove_all_of(workflow_id)
        self.workflows.delete(workflow_id)
        return removed

    # -- runs ----------------------------------------------------------------------------

    async def start_run(
        self,
        workflow_id: str,
        input: Any = None,
        *,
        version: int | None = None,
        idempotency_key: str | None = None,
        parent_run_id: str | None = None,
        test: bool = False,
    ) -> str:
        """Create a run of the workflow's latest (or given) version and start advancing it.

        `test`: a test run from the editor (app.engine.test_runs), left out of lists."""
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
        if test:  # in the run's creating transaction: it never shows up in a list
            batch.add("UPDATE run SET is_test=1 WHERE id=?", run_id)
        elif parent_run_id is None:  # who started it (a child run is its parent's doing)
            details = {"workflow_id": workflow_id, "version": row.number}
            audit.add_entry(batch, audit.STARTED, run_id, details)
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
        run_log = RunLog(run_id, len(events) + 1, self.log_file)
        self.logs.submit(run_log.jsonl, events, texts)
        self.journal.announce_written(events)
        state = RunState(run_id, workflow_id, row.id, compiled, input, now, run_log)
        for node_id in triggers:
            state.record(node_id, StepRecord(node_id, 1, "succeeded", input, ("out",)))
        self.live_runs.launch(state)
        return run_id

    async def wait(self, run_id: str, timeout: float | None = None) -> Run:
        """Wait until the run is no longer being advanced (ended, paused or waiting)."""
        live = self.live_runs.runs.get(run_id)
        if live is not None:  # a run task canceled (Ren stopping) ends the wait, not an error
            done, _ = await asyncio.wait({live.task}, timeout=timeout)
            if not done:
                raise TimeoutError(f"run {run_id} is still being advanced after {timeout:g} s")
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
        if self.live_runs.runs:
            return False
        return not self.store.has_due_timer(time.time())

    def is_live(self, run_id: str) -> bool:
        return run_id in self.live_runs.runs

    def list_runs(self, status: str | None = None, limit: int = 100) -> Sequence[Run]:
        with self.store.session() as session:
            return reads.list_runs(session, status=status, limit=limit)

    def steps(self, run_id: str) -> Sequence[Step]:
        with self.store.session() as session:
            return reads.list_steps(session, run_id)

    async def delete_runs(self, run_ids: Sequence[str]) -> int:
        """Delete finished runs with their steps, events, artifacts and files."""
        return await delete_runs(self, run_ids)

    def run_folder(self, run_id: str) -> Path:
        return self.folder.run_dir(run_id)

    def events(self, run_id: str, after_seq: int = 0) -> Sequence[Event]:
        with self.store.session() as session:
            return reads.list_events(session, run_id, after_seq)

    # -- waits and control (used by app.engine.waits, tasks, control) -------------------

    def live_state(self, run_id: str) -> RunState | None:
        return self.live_runs.live_state(run_id)

    def compiled_for_run(self, run_id: str) -> CompiledWorkflow:
        run = self.store.run_row(run_id)
        if run is None:
            raise NotFound(f"no run '{run_id}'")
        return self.workflows.compiled(run["version_id"])

    def relaunch(self, run_id: str) -> None:
        """Advance a run from its committed state (unless it is being advanced already)."""
        self.live_runs.relaunch(run_id)

    async def halt_live(self, run_id: str) -> None:
        """Cancel a live run's driver and its in-flight steps (for cancel)."""
        await self.live_runs.halt_live(run_id)

    def note(self, run_id: str, type_: str, node_key: str | None, data: dict[str, Any]) -> None:
        """Append an event to a run's log, whether the run is live or sleeping."""
        self.live_runs.note(run_id, type_, node_key, data)

    async def start_child(self, parent_run_id: str, wkey: str, child: dict[str, Any]) -> None:
        """Start a sub-workflow's run (at most once per parent step: the key is unique)."""
        await self.child_runs.start_child(parent_run_id, wkey, child)

    def run_ended(self, run_id: str, status: str) -> None:
        """A run ended: if it is a sub-workflow's child, wake its parent."""
        self.child_runs.run_ended(run_id, status)

    async def _on_schedule(self, schedule_id: str) -> None:
        try:
            await self.schedules.catch_up(schedule_id)
        except Exception:
            log.exception("schedule %s could not start its run", schedule_id)


__all__ = ["RUN_TERMINAL", "Engine", "NotFound"]
