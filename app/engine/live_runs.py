"""The runs this process is advancing right now, and waking the ones that sleep.

A run is live while a driver (app.engine.runner) advances it in this process, and sleeping
otherwise: then it is only rows. (Re)launching a run rebuilds its state from its committed
steps and waits, so recovery at start-up and waking after a wait take the same path. Events
for a sleeping run go straight to the store, its log file and the bus.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.engine.events import RunEvent
from app.engine.journal import RunLog
from app.engine.runner import RUN_TERMINAL, RunDriver
from app.engine.state import RunState, StepRecord, WaitInfo
from app.engine.waits import record_key
from app.engine.workflows import NotFound
from app.store.errors import DataFolderError
from app.store.writes import Batch

if TYPE_CHECKING:
    from app.engine.service import Engine

log = logging.getLogger(__name__)


@dataclass(eq=False)
class LiveRun:
    state: RunState
    task: asyncio.Task[str]


class LiveRuns:
    """The runs being advanced in this process, by run id (the engine's `live_runs`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.runs: dict[str, LiveRun] = {}

    def live_state(self, run_id: str) -> RunState | None:
        live = self.runs.get(run_id)
        return None if live is None else live.state

    def relaunch(self, run_id: str) -> None:
        """Advance a run from its committed state (unless it is being advanced already)."""
        if run_id in self.runs:
            return
        self.launch(self._load_state(run_id))

    async def halt_live(self, run_id: str) -> None:
        """Cancel a live run's driver and its in-flight steps (for cancel)."""
        live = self.runs.get(run_id)
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
            self.engine.journal.emit(live.log, type_, node_key, data)
            return
        self.engine.journal.flush()
        event = RunEvent(
            run_id, self.engine.store.next_event_seq(run_id), type_, node_key, data, time.time()
        )
        batch = Batch()
        text = batch.event(
            event.run_id, event.seq, event.type, event.node_key, event.data, event.at
        )
        self.engine.store.write(batch)
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
            self.engine.logs.submit(live.log.jsonl, events, texts)
            self.engine.journal.announce_written(events)
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

    def _publish_sleeping(
        self, run_id: str, events: list[RunEvent], texts: list[str | None]
    ) -> None:
        self.engine.logs.submit(self.engine.log_file, events, texts)
        self.engine.journal.announce_written(events)

    def launch(self, state: RunState) -> None:
        task = asyncio.get_running_loop().create_task(
            self._drive(state), name=f"run {state.run_id}"
        )
        self.runs[state.run_id] = LiveRun(state, task)

    async def _drive(self, state: RunState) -> str:
        try:
            while True:
                generation = state.wake_generation
                driver = RunDriver(
                    state, self.engine.journal, self.engine.folder.runs_dir, self.engine.waits
                )
                status = await driver.drive()
                if status == "waiting" and state.wake_generation != generation:
                    continue  # a wait was resolved while the run went to sleep: go on
                break
            if status in RUN_TERMINAL:
                self.engine.run_ended(state.run_id, status)
            return status
        except asyncio.CancelledError:
            raise
        except DataFolderError as err:  # e.g. disk full: nothing half-written, say it in a line
            log.error("run %s stopped: %s", state.run_id, err)
            return "running"
        except Exception:
            log.exception(
                "run %s stopped by an engine error; it continues at the next start", state.run_id
            )
            return "running"
        finally:
            self.runs.pop(state.run_id, None)

    def _load_state(self, run_id: str) -> RunState:
        """Rebuild a run's state from its committed steps (the latest attempt of each)."""
        run = self.engine.store.run_row(run_id)
        if run is None:
            raise NotFound(f"no run '{run_id}'")
        compiled = self.engine.workflows.compiled(run["version_id"])
        run_log = RunLog(
            run_id,
            self.engine.store.next_event_seq(run_id),
            self.engine.log_file,
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
        # in the order they were written: later attempts overwrite earlier ones
        for step in self.engine.store.step_rows(run_id):
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
        for wait in self.engine.store.run_waits(run_id):
            state.waits[wait["node_key"]] = WaitInfo(
                wait["id"], wait["kind"], wait["status"], wait["result"]
            )
        state.overrides = dict(run["overrides"] or {})
        return state
