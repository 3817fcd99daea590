"""Run events: the in-memory bus that live views subscribe to, and the thread that writes the
JSON Lines log.

The database's `event` table is the record; the bus tells live subscribers as events happen,
and the day's log file (app.engine.log_files) mirrors what was committed.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from app.engine.log_files import JsonlLog, event_line

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunEvent:
    run_id: str
    seq: int
    type: str
    node_key: str | None
    data: dict[str, Any]
    at: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "seq": self.seq,
            "type": self.type,
            "node_key": self.node_key,
            "data": self.data,
            "at": self.at,
        }


Subscriber = Callable[[RunEvent], None]


class EventBus:
    """Fan-out to subscribers on the engine's loop; a failing subscriber is logged, not fatal."""

    def __init__(self) -> None:
        self._subscribers: list[Subscriber] = []

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        self._subscribers.append(subscriber)
        return lambda: self._subscribers.remove(subscriber)

    @property
    def heard(self) -> bool:
        """Whether anyone subscribes (publishers may skip the work otherwise)."""
        return bool(self._subscribers)

    def publish(self, event: RunEvent) -> None:
        for subscriber in tuple(self._subscribers):
            try:
                subscriber(event)
            except Exception:
                log.exception("event subscriber failed")


@dataclass
class _Marker:
    """Put in the queue by `drain`: set when everything before it is written."""

    done: threading.Event


_Job = tuple["JsonlLog | _Marker", list[RunEvent], list[str | None] | None]


class LogWriter:
    """A thread that writes run logs; `submit` never blocks the event loop."""

    BATCH_WINDOW_S = 0.2

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._written: dict[int, JsonlLog] = {}
        self._thread = threading.Thread(target=self._work, name="ren-log-writer", daemon=True)
        self._thread.start()

    def submit(
        self, target: JsonlLog, events: list[RunEvent], texts: list[str | None] | None = None
    ) -> None:
        self._queue.put((target, events, texts))

    def drain(self) -> None:
        """Block until everything submitted so far is written."""
        done = threading.Event()
        self._queue.put((_Marker(done), [], None))
        done.wait()

    def stop(self) -> None:
        """Write everything submitted so far, then end the thread."""
        self._queue.put(None)
        self._thread.join()

    def _work(self) -> None:
        while True:
            first = self._queue.get()
            if first is not None:
                time.sleep(self.BATCH_WINDOW_S)  # let writes gather: fewer wake-ups, less GIL
            jobs = [first]
            while True:
                try:
                    jobs.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if not self._write(jobs):
                return

    def _write(self, jobs: list[_Job | None]) -> bool:
        """Write a batch of jobs; False once a stop request was among them."""
        touched: dict[int, JsonlLog] = {}
        markers: list[_Marker] = []
        go_on = True
        for job in jobs:
            if job is None:
                go_on = False
                continue
            target, events, texts = job
            if isinstance(target, _Marker):
                markers.append(target)
                continue
            try:
                if events:
                    target.write_lines(_lines(events, texts))
                    touched[id(target)] = target
                    self._written[id(target)] = target
            except OSError as err:  # e.g. disk full: the database still holds every event
                log.error("cannot write the run log in %s: %s", target.folder, err)
        for target in touched.values():
            try:
                target.flush()
            except OSError as err:
                log.error("cannot write the run log in %s: %s", target.folder, err)
        if not go_on:  # stopping: close the files
            for target in self._written.values():
                try:
                    target.close()
                except OSError as err:
                    log.error("cannot write the run log in %s: %s", target.folder, err)
        for marker in markers:
            marker.done.set()
        return go_on


def _lines(events: list[RunEvent], texts: list[str | None] | None) -> str:
    if texts is None:
        texts = [json.dumps(e.data, ensure_ascii=False, default=str) for e in events]
    return "".join(
        event_line(e.run_id, e.seq, e.type, e.node_key, text, e.at)
        for e, text in zip(events, texts, strict=True)
    )
