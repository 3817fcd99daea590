"""The journal: the single path by which the engine writes, with group commit.

`commit()` returns once the batch is durable. Batches and events submitted in the same turn of
the event loop share one transaction, so parallel branches and many runs cost one commit
together. `stage()` queues writes without waiting (loop items, checkpointed in batches).
Events are numbered as they are emitted, shown to live subscribers (`bus`) at once, written
with the next commit (or within `EVENT_FLUSH_S` when nothing else commits), and then told to
`committed`'s subscribers, who can read back what the events say.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from app.engine.events import EventBus, LogWriter, RunEvent
from app.engine.log_files import JsonlLog
from app.store.errors import DataFolderError
from app.store.store import Store
from app.store.writes import Batch

log = logging.getLogger(__name__)

EVENT_FLUSH_S = 0.25
STAGE_LIMIT = 2000  # staged statements that force a commit


@dataclass(eq=False)
class RunLog:
    """A live run's event numbering, events not yet committed, and its JSON Lines file."""

    run_id: str
    next_seq: int
    jsonl: JsonlLog
    pending: list[RunEvent] = field(default_factory=list)


class Journal:
    def __init__(
        self, store: Store, bus: EventBus, logs: LogWriter, committed: EventBus | None = None
    ) -> None:
        self.store = store
        self.bus = bus
        self.logs = logs
        self.committed = committed or EventBus()
        self._batches: list[Batch] = []
        self._staged_ops = 0
        self._touched: dict[int, RunLog] = {}
        self._waiters: list[asyncio.Future[None]] = []
        self._flush_soon: asyncio.Handle | None = None
        self._flush_later: asyncio.TimerHandle | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.get_running_loop()
        return self._loop

    def emit(
        self,
        run: RunLog,
        type_: str,
        node_key: str | None = None,
        data: dict[str, Any] | None = None,
        *,
        persist: bool = True,
    ) -> RunEvent:
        """Record an event. `persist=False` only tells live subscribers (seq 0), e.g. that a
        step started: its step row records the start time anyway."""
        if not persist:
            event = RunEvent(run.run_id, 0, type_, node_key, data or {}, time.time())
            self.bus.publish(event)
            return event
        event = RunEvent(run.run_id, run.next_seq, type_, node_key, data or {}, time.time())
        run.next_seq += 1
        run.pending.append(event)
        self._touched[id(run)] = run
        self.bus.publish(event)
        if self._flush_later is None and self._flush_soon is None:
            self._flush_later = self.loop.call_later(EVENT_FLUSH_S, self._flush_quietly)
        return event

    def announce_written(self, events: list[RunEvent]) -> None:
        """Tell both live and `committed` subscribers of events written by another path (a
        run's creation, a sleeping run's note, a wake), which is already durable."""
        for event in events:
            self.bus.publish(event)
            self.committed.publish(event)

    def emit_threadsafe(
        self, run: RunLog, type_: str, node_key: str | None, data: dict[str, Any]
    ) -> None:
        self.loop.call_soon_threadsafe(self.emit, run, type_, node_key, data)

    async def commit(self, run: RunLog | None, batch: Batch) -> None:
        """Write `batch` (and all pending events) durably; return when committed."""
        self._queue(run, batch)
        waiter: asyncio.Future[None] = self.loop.create_future()
        self._waiters.append(waiter)
        if self._flush_soon is None:
            self._flush_soon = self.loop.call_soon(self._flush_quietly)
        await waiter

    def stage(self, run: RunLog, batch: Batch) -> None:
        """Queue `batch` for the next commit without waiting for it."""
        self._queue(run, batch)
        self._staged_ops += len(batch)
        if self._staged_ops >= STAGE_LIMIT:
            self.flush()
        elif self._flush_soon is None:
            self._flush_soon = self.loop.call_soon(self._flush_quietly)

    def _queue(self, run: RunLog | None, batch: Batch) -> None:
        self._batches.append(batch)
        if run is not None:
            self._touched[id(run)] = run

    def _flush_quietly(self) -> None:
        """`flush` called by the loop: the waiters get a disk error, the log one line of it."""
        try:
            self.flush()
        except DataFolderError as err:
            log.error("%s", err)

    def flush(self) -> None:
        """Commit everything queued in one transaction, then release the waiters."""
        if self._flush_soon is not None:
            self._flush_soon.cancel()
            self._flush_soon = None
        if self._flush_later is not None:
            self._flush_later.cancel()
            self._flush_later = None
        batches, self._batches = self._batches, []
        touched, self._touched = list(self._touched.values()), {}
        waiters, self._waiters = self._waiters, []
        self._staged_ops = 0
        combined = Batch()
        for batch in batches:
            combined.extend(batch)
        written: list[tuple[RunLog, list[RunEvent], list[str | None]]] = []
        for run in touched:
            if run.pending:
                events, run.pending = run.pending, []
                texts = [
                    combined.event(e.run_id, e.seq, e.type, e.node_key, e.data, e.at)
                    for e in events
                ]
                written.append((run, events, texts))
        try:
            self.store.write(combined)
        except BaseException as err:
            for run, events, _ in written:  # keep them for the next attempt
                run.pending[:0] = events
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(err)
            raise
        for run, events, texts in written:
            self.logs.submit(run.jsonl, events, texts)
        if self.committed.heard:
            for _, events, _ in written:
                for event in events:
                    self.committed.publish(event)
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)
