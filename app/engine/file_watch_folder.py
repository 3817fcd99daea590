"""One file trigger's folder: its changes (watchfiles) settled per file (debounce).

The watcher runs `watchfiles.watch` on a thread of its own (off the event loop, and outside
anyio's shared thread pool, which a few dozen long-blocking watchers would otherwise fill).
Each change re-arms a per-file timer of `debounce_s`: a file reaches `fire` only once it
stopped changing, as one event (created then written is "created"; created then deleted is
nothing). Once the watcher is live, the caller scans the folder for files that arrived while
nobody watched (`scan`) and feeds them in the same way (`note`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from pathlib import Path

import watchfiles
from watchfiles import Change

from app.nodes.file_trigger import FileTriggerConfig, folder_of, matches

log = logging.getLogger(__name__)

STOP_WAIT_S = 2.0  # the watcher thread notices a stop within one step (50 ms)
NOTIFY_TIMEOUT_MS = 500  # the watcher reports in at least this often (so we know it is live)
KINDS = {Change.added: "created", Change.modified: "changed", Change.deleted: "deleted"}

Fire = Callable[[str, str], Coroutine[None, None, None]]  # (absolute path, created|changed|deleted)


@dataclass(frozen=True)
class Arrived:
    """A file found by the scan: where, and whether a run was started for it before."""

    path: str
    mtime_ns: int


def merge(before: str | None, now: str) -> str | None:
    """The event a file's changes within one debounce window add up to (None: nothing)."""
    if before is None or before == now:
        return now
    if before == "created":
        return None if now == "deleted" else "created"
    if before == "deleted":
        return "changed"  # deleted, then there again: replaced
    return now  # changed, then created or deleted


def _order(change: tuple[Change, str], batch: set[tuple[Change, str]]) -> int:
    """Where a change goes among its path's changes in one batch, which is a set: a path both
    added and deleted was replaced when the file is there now (deleted first), else it came and
    went (added first)."""
    kind, path = change
    both = (Change.added, path) in batch and (Change.deleted, path) in batch
    if both and os.path.exists(path):
        return {Change.deleted: 0, Change.added: 1}.get(kind, 2)
    return int(kind.value)


def scan(config: FileTriggerConfig, since_ns: int) -> list[Arrived]:
    """Files to watch modified at or after `since_ns` (blocking: call it on a thread)."""
    folder = folder_of(config).resolve()
    found = []
    walker = os.walk(folder) if config.recursive else [(str(folder), [], os.listdir(folder))]
    for root, _, names in walker:
        for name in names:
            path = Path(root) / name
            try:
                stat = path.stat()
            except OSError:
                continue
            relative = path.relative_to(folder).as_posix()
            if path.is_file() and stat.st_mtime_ns >= since_ns and matches(config, relative):
                found.append(Arrived(str(path), stat.st_mtime_ns))
    return found


class FolderWatcher:
    def __init__(self, config: FileTriggerConfig, fire: Fire) -> None:
        self.config = config
        self.folder = folder_of(config).resolve()
        self.fire = fire
        self.live = asyncio.Event()  # set once the notify watcher runs
        self._stop = threading.Event()
        self._pending: dict[str, tuple[str, asyncio.TimerHandle]] = {}
        self._firing: set[asyncio.Task[None]] = set()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._thread = threading.Thread(
            target=self._watch, name=f"watch {self.folder}", daemon=True
        )
        self._thread.start()

    async def stop(self) -> None:
        self._stop.set()  # the thread sees it within one notify step
        for _, handle in self._pending.values():
            handle.cancel()
        self._pending.clear()
        if self._thread is not None:
            await asyncio.to_thread(self._thread.join, STOP_WAIT_S)
        if self._firing:  # a run being started finishes starting (its record with it)
            await asyncio.wait(self._firing)

    def note(self, path: str, kind: str) -> None:
        """A change of `path`: (re)start its quiet period."""
        if self._stop.is_set():
            return
        before = self._pending.pop(path, None)
        if before is not None:
            before[1].cancel()
        merged = merge(before[0] if before else None, kind)
        if merged is None:
            return
        handle = asyncio.get_running_loop().call_later(self.config.debounce_s, self._settled, path)
        self._pending[path] = (merged, handle)

    def _settled(self, path: str) -> None:
        kind, _ = self._pending.pop(path)
        task = asyncio.create_task(self.fire(path, kind))
        self._firing.add(task)
        task.add_done_callback(self._firing.discard)

    def _watch(self) -> None:
        """The thread: each batch of changes goes to the event loop."""
        try:
            for batch in watchfiles.watch(
                self.folder,
                recursive=self.config.recursive,
                debounce=200,
                step=50,
                stop_event=self._stop,
                rust_timeout=NOTIFY_TIMEOUT_MS,
                yield_on_timeout=True,
                ignore_permission_denied=True,
                raise_interrupt=False,
            ):
                self._to_loop(self._changes, batch)
        except Exception:  # a folder removed while watched, a watch limit reached, ...
            log.exception("file trigger: watching %s stopped", self.folder)
        finally:
            self._to_loop(self.live.set)  # nobody waits for a watcher that is gone

    def _to_loop(self, callback: Callable[..., None], *args: object) -> None:
        assert self._loop is not None
        with contextlib.suppress(RuntimeError):  # the loop closed: Ren is stopping
            self._loop.call_soon_threadsafe(callback, *args)

    def _changes(self, batch: set[tuple[Change, str]]) -> None:
        self.live.set()
        for change, path in sorted(batch, key=lambda c: (c[1], _order(c, batch))):
            self._changed(change, path)

    def _changed(self, change: Change, path: str) -> None:
        if change == Change.added and self.config.recursive and os.path.isdir(path):
            # files written into a new folder before its own watch was set up send no event
            for root, _, names in os.walk(path):
                for name in names:
                    self._changed(Change.added, os.path.join(root, name))
            return
        try:
            relative = Path(path).relative_to(self.folder).as_posix()
        except ValueError:
            return
        if matches(self.config, relative):
            self.note(path, KINDS[change])
