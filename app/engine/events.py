"""Run events: the in-memory bus that live views subscribe to, and the JSON Lines log files.

The database's `event` table is the record; the bus tells live subscribers as events happen,
and each run's `events.jsonl` mirrors what was committed (rotated by size).
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

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


class JsonlLog:
    """Appends committed events to `<run dir>/events.jsonl`, rotating at `max_bytes`.

    The database is the record; this file is a mirror for people and log tools, so it is written
    by the `LogWriter` thread, off the engine's hot path.
    """

    def __init__(self, run_dir: Path, max_bytes: int = 10 * 2**20, keep: int = 5) -> None:
        self.path = run_dir / "events.jsonl"
        self.max_bytes = max_bytes
        self.keep = keep
        self._file: IO[str] | None = None
        self._size = 0

    def write(self, events: list[RunEvent], data_texts: list[str | None] | None = None) -> None:
        """Append events; `data_texts` are their data already encoded as JSON (optional)."""
        if self._file is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("a", encoding="utf-8")
            self._size = self._file.tell()
        if data_texts is None:
            data_texts = [json.dumps(e.data, ensure_ascii=False, default=str) for e in events]
        lines = "".join(
            f'{{"run_id":"{e.run_id}","seq":{e.seq},"type":"{e.type}",'
            f'"node_key":{json.dumps(e.node_key, ensure_ascii=False)},'
            f'"data":{text or "{}"},"at":{e.at}}}\n'
            for e, text in zip(events, data_texts, strict=True)
        )
        self._file.write(lines)
        self._size += len(lines)
        if self._size >= self.max_bytes:
            self._rotate()

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def _rotate(self) -> None:
        self.close()
        for index in range(self.keep - 1, 0, -1):
            older = self.path.with_name(f"events.{index}.jsonl")
            if older.exists():
                older.replace(self.path.with_name(f"events.{index + 1}.jsonl"))
        self.path.replace(self.path.with_name("events.1.jsonl"))

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


@dataclass
class _Marker:
    """Put in the queue by `drain`: set when everything before it is written."""

    done: threading.Event


_Job = tuple["JsonlLog | _Marker", list[RunEvent] | None, list[str | None] | None]


class LogWriter:
    """A thread that writes run logs; `submit` never blocks the event loop."""

    BATCH_WINDOW_S = 0.2

    def __init__(self) -> None:
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._work, name="ren-log-writer", daemon=True)
        self._thread.start()

    def submit(
        self, target: JsonlLog, events: list[RunEvent], texts: list[str | None] | None = None
    ) -> None:
        self._queue.put((target, events, texts))

    def close_log(self, target: JsonlLog) -> None:
        self._queue.put((target, None, None))

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
                if events is None:
                    target.close()
                    touched.pop(id(target), None)
                else:
                    target.write(events, texts)
                    touched[id(target)] = target
            except OSError:
                log.exception("cannot write run log %s", target.path)
        for target in touched.values():
            target.flush()
        for marker in markers:
            marker.done.set()
        return go_on
