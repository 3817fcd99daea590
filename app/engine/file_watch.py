"""File triggers: each published workflow's `file_trigger` folders, watched while Ren runs.

Every published workflow (its latest version) with a file_trigger node gets a FolderWatcher
(app.engine.file_watch_folder). A file that stopped changing starts one run with the input
{path, name, event, size, modified}. Exactly once per (workflow, file, modification time): the
run's key records them (`file:<workflow>:<node>:<event>:<mtime ns>:<path>`, so a second start
returns the first run) and table `file_seen` too (so a restart, or a deleted run, never fires
it again). At start, files newer than the trigger's `since` that no run was started for are
the ones that arrived while Ren was closed: they start their runs then.

Publishing, unpublishing or deleting is noticed within RECONCILE_S (or at once by `refresh`):
a watcher whose config changed is replaced, one whose workflow is gone is stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from app.engine.file_watch_folder import FolderWatcher, scan
from app.engine.file_watch_store import FileWatchStore, TriggerNode
from app.nodes.file_trigger import FileTriggerConfig, folder_of
from app.store.store import Store

log = logging.getLogger(__name__)

RECONCILE_S = 2.0  # how soon a publish or unpublish changes what is watched


class RunStarter(Protocol):
    """What file triggers need of the engine."""

    store: Store

    async def start_run(
        self, workflow_id: str, input: Any = None, *, idempotency_key: str | None = None
    ) -> str: ...


def config_hash(config: FileTriggerConfig) -> str:
    """What decides which files a trigger fires for (not its debounce)."""
    fields = config.model_dump(include={"folder", "pattern", "events", "recursive"})
    return hashlib.sha256(json.dumps(fields, sort_keys=True).encode()).hexdigest()[:16]


class Watch:
    """One trigger node being watched: its watcher and what it fires."""

    def __init__(self, owner: FileWatches, trigger: TriggerNode, config: FileTriggerConfig):
        self.owner = owner
        self.trigger = trigger
        self.config = config
        self.hash = config_hash(config)
        self.watcher = FolderWatcher(config, self.fire)

    def start(self) -> None:
        """Watch; once the watcher is live, feed in what arrived while no one watched (on a
        task: Ren's start never waits for folders)."""
        t = self.trigger
        since = self.owner.records.since(t.workflow_id, t.node_id, self.hash)  # before watching
        self.watcher.start()
        self.catch_up = asyncio.create_task(self._catch_up(since), name=f"catch up {self.where()}")

    async def stop(self) -> None:
        self.catch_up.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.catch_up
        await self.watcher.stop()

    async def _catch_up(self, since: float) -> None:
        await self.watcher.live.wait()  # from now on a change is an event: none falls between
        t = self.trigger
        seen = self.owner.records.seen(t.workflow_id, t.node_id)
        try:
            arrived = await asyncio.to_thread(scan, self.config, int(since * 1e9))
        except OSError:
            log.exception("file trigger of %s: cannot list %s", self.where(), self.config.folder)
            return
        for file in arrived:
            if file.mtime_ns not in seen.get(file.path, set()):
                self.watcher.note(file.path, "changed" if file.path in seen else "created")

    async def fire(self, path: str, kind: str) -> None:
        try:
            await self._fire(path, kind)
        except Exception:  # one file must not stop the watcher; the next start retries it
            log.exception("file trigger of %s: cannot start a run for %s", self.where(), path)

    async def _fire(self, path: str, event: str) -> None:
        if event not in self.config.events:
            return
        t = self.trigger
        seen = self.owner.records.seen_times(t.workflow_id, t.node_id, path)
        if event == "deleted":
            mtime_ns, size, modified = max(seen or {time.time_ns()}), None, None
        else:
            stat = await asyncio.to_thread(_stat_file, path)
            if stat is None:  # gone (or not a file) by the time it settled
                return
            mtime_ns, size = stat
            if mtime_ns in seen:
                return
            modified = datetime.fromtimestamp(mtime_ns / 1e9, UTC).isoformat()
        input: dict[str, Any] = {"path": path, "name": Path(path).name, "event": event}
        input |= {"size": size, "modified": modified}
        key = f"file:{t.workflow_id}:{t.node_id}:{event}:{mtime_ns}:{path}"
        run_id = await self.owner.engine.start_run(t.workflow_id, input, idempotency_key=key)
        self.owner.records.record(t, path, event, mtime_ns, size, run_id)

    def where(self) -> str:
        return f"workflow '{self.trigger.workflow_id}' node '{self.trigger.node_id}'"


class FileWatches:
    def __init__(self, engine: RunStarter, reconcile_s: float = RECONCILE_S) -> None:
        self.engine = engine
        self.records = FileWatchStore(engine.store)
        self.reconcile_s = reconcile_s
        self.watches: dict[tuple[str, str], Watch] = {}
        self._loop: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        try:
            await self.refresh()
        except Exception:  # Ren starts anyway; the reconcile loop tries again
            log.exception("file triggers: cannot read the published workflows")
        self._loop = asyncio.create_task(self._reconcile_forever(), name="file triggers")

    async def stop(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._loop
        async with self._lock:
            for watch in self.watches.values():
                await watch.stop()
            self.watches.clear()

    async def refresh(self) -> None:
        """Watch what the published workflows say now: start, replace or stop watchers."""
        async with self._lock:
            wanted = {}
            for trigger in self.records.published_triggers():
                config = _config(trigger)
                if config is not None:
                    wanted[(trigger.workflow_id, trigger.node_id)] = (trigger, config)
            for key, watch in list(self.watches.items()):
                if key not in wanted or config_hash(wanted[key][1]) != watch.hash:
                    await watch.stop()
                    del self.watches[key]
            for key, (trigger, config) in wanted.items():
                if key in self.watches:  # the same files: a new debounce is taken as is
                    self.watches[key].config = self.watches[key].watcher.config = config
                    continue
                watch = Watch(self, trigger, config)
                try:
                    watch.start()
                except Exception:  # Ren starts anyway; the next reconcile tries again
                    log.exception("file trigger of %s cannot start", watch.where())
                    continue
                self.watches[key] = watch

    async def ready(self) -> None:
        """Until every watcher is live and has fed in what arrived while no one watched."""
        for watch in list(self.watches.values()):
            await asyncio.wait({watch.catch_up})

    async def _reconcile_forever(self) -> None:
        while True:
            await asyncio.sleep(self.reconcile_s)
            try:
                await self.refresh()
            except Exception:
                log.exception("file triggers: cannot read the published workflows")


def _config(trigger: TriggerNode) -> FileTriggerConfig | None:
    """The trigger's config when it can be watched (validation said why otherwise)."""
    try:
        config = FileTriggerConfig.model_validate(trigger.config)
    except ValidationError:
        return None
    if not folder_of(config).is_dir():  # removed since publishing: watched again once back
        log.debug("file trigger of workflow '%s': no folder %s", trigger.workflow_id, config.folder)
        return None
    return config


def _stat_file(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    if not Path(path).is_file():
        return None
    return stat.st_mtime_ns, stat.st_size
