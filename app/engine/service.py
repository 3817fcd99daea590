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
from app.engine.events import EventBus, JsonlLog, LogWriter, RunEvent
from app.engine.inputs import check_input
from app.engine.journal import Journal, RunLog
from app.engine.paths import DataFolder
from app.engine.runner import RUN_TERMINAL, RunDriver
from app.engine.state import RunState, StepRecord
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
        self.catalog = catalog or default_catalog()
        self.store = Store(self.folder.db_path, synchronous)
        self.bus = EventBus()
        self.logs = LogWriter()
        self.journal = Journal(self.store, self.bus, self.logs)
        self.workflows = Workflows(self.store, self.catalog, functions)
        self._live: dict[str, LiveRun] = {}
        self._started = False

    # -- life cycle ----------------------------------------------------------------------

    async def start(self, recover: bool = True) -> None:
        """Begin serving; with `recover`, continue every run left pending or running."""
        self._started = True
        if recover:
            with self.store.session() as session:
                left = reads.runs_with_status(session, RESUMABLE)
            for run in left:
                self._launch(self._load_state(run))

    async def stop(self) -> None:
        """Stop advancing runs. They stay `running` in the database and continue next start."""
        tasks = [live.task for live in self._live.values()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._started:
            self.journal.flush()
        self.logs.stop()
        self.store.close()

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
        if not self.store.insert_run(run_row, batch):
            assert idempotency_key is not None
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

    # -- internals -----------------------------------------------------------------------

    def _launch(self, state: RunState) -> None:
        task = asyncio.get_running_loop().create_task(
            self._drive(state), name=f"run {state.run_id}"
        )
        self._live[state.run_id] = LiveRun(state, task)

    async def _drive(self, state: RunState) -> str:
        driver = RunDriver(state, self.journal, self.folder.runs_dir)
        try:
            return await driver.drive()
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

    def _load_state(self, run: Run) -> RunState:
        """Rebuild a run's state from its committed steps (the latest attempt of each)."""
        compiled = self.workflows.compiled(run.version_id)
        with self.store.session() as session:
            steps = reads.list_steps(session, run.id)
            next_seq = reads.last_event_seq(session, run.id) + 1
        run_log = RunLog(run.id, next_seq, JsonlLog(self.folder.run_dir(run.id)))
        state = RunState(
            run.id,
            run.workflow_id,
            run.version_id,
            compiled,
            run.input,
            run.started_at or run.created_at,
            run_log,
        )
        for step in steps:  # ordered by id, so later attempts overwrite earlier ones
            state.record(
                step.node_key,
                StepRecord(
                    step.node_id, step.attempt, step.status, step.output, tuple(step.ports or ())
                ),
            )
        self.journal.emit(run_log, "run.resumed", data={"completed_steps": len(steps)})
        return state


__all__ = ["RUN_TERMINAL", "Engine", "NotFound"]
