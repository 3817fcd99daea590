"""Retention: deleting old finished runs, by policy in the background or on request.

The engine's alarm clock (APScheduler) calls `apply_policies` every hour, on a worker thread:
for each workflow it chooses the finished runs its effective policy no longer keeps
(app.engine.retention_policy) and deletes them in small transactions with everything
recorded for them (app.engine.retention_purge), then removes their lines from the run log
(app.engine.retention_logs). `ren runs purge` does the same for the runs it names.

Only finished runs (succeeded, failed, canceled) are ever chosen, never one that is waiting,
paused or running, nor a finished sub-workflow run whose parent is still going.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Protocol

from app.engine.events import LogWriter
from app.engine.log_files import JsonlLog
from app.engine.retention_logs import scrub_logs
from app.engine.retention_policy import Policy, effective_policy, load_policies
from app.engine.retention_purge import (
    BATCH_SIZE,
    PurgeFiles,
    PurgeResult,
    own_connection,
    purge_runs,
)
from app.engine.run_removal import FINISHED
from app.store.store import Store

log = logging.getLogger(__name__)

INTERVAL_S = 3600.0  # how often the policies are applied
FIRST_AFTER_S = 60.0  # the first pass waits for the start-up to settle
CHOOSE_AT_ONCE = 10_000  # runs chosen per query; chosen again until none is left
_DAY_S = 86_400
_FINISHED_SQL = ",".join(f"'{s}'" for s in FINISHED)
_PARENT_DONE = (
    "(parent_run_id IS NULL OR parent_run_id NOT IN"
    f" (SELECT id FROM run WHERE status NOT IN ({_FINISHED_SQL})))"
)
# A workflow's finished runs its policy no longer keeps, oldest first. `rank` 1 is the newest.
_DUE = f"""
SELECT id FROM (
    SELECT id, status, parent_run_id, coalesce(finished_at, updated_at) AS ended,
           ROW_NUMBER() OVER (ORDER BY created_at DESC, id DESC) AS rank
    FROM run WHERE workflow_id = :workflow AND status IN ({_FINISHED_SQL})
) WHERE {_PARENT_DONE} AND CASE
    WHEN status = 'failed' AND :failed_cut IS NOT NULL THEN ended < :failed_cut
    ELSE ended < :age_cut OR rank > :keep_last END
ORDER BY ended LIMIT :limit
"""


class PurgeInvalid(ValueError):
    """A purge request that cannot be done as asked (names what is wrong)."""


class RetentionHost(Protocol):
    """What retention needs from the engine."""

    store: Store
    logs: LogWriter
    log_file: JsonlLog

    def is_live(self, run_id: str) -> bool: ...


@dataclass(frozen=True)
class PurgeRequest:
    """`ren runs purge`: finished runs created before `before` (epoch seconds)."""

    before: float
    workflow: str | None = None
    status: str | None = None

    def check(self) -> PurgeRequest:
        if self.status is not None and self.status not in FINISHED:
            raise PurgeInvalid(
                f"--status must be one of {', '.join(FINISHED)} (only finished runs are "
                f"purged), not '{self.status}'"
            )
        return self


def cutoffs(policy: Policy, now: float) -> dict[str, Any]:
    """The `_DUE` query's parameters for a policy (0 or None: no limit)."""
    return {
        "age_cut": now - policy.keep_days * _DAY_S if policy.keep_days else -1.0,
        "keep_last": policy.keep_last or 2**62,
        "failed_cut": now - policy.keep_failed_days * _DAY_S if policy.keep_failed_days else None,
    }


def parse_before(text: str) -> float:
    """`--before`: a date (YYYY-MM-DD, local midnight), a date and time (ISO 8601), or an age
    such as 30d; returns epoch seconds."""
    value = text.strip()
    if value.endswith("d") and value[:-1].isdigit():
        return (datetime.now(UTC) - timedelta(days=int(value[:-1]))).timestamp()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise PurgeInvalid(
            f"--before '{text}' is not a date: use YYYY-MM-DD, YYYY-MM-DDTHH:MM or an age like 30d"
        ) from None
    return moment.timestamp()  # a naive date or time is local, as the user wrote it


class Retention:
    def __init__(self, host: RetentionHost, artifacts_root: Path, runs_root: Path) -> None:
        self.host = host
        self.files = PurgeFiles(artifacts_root, runs_root)
        self._busy = threading.Lock()  # one purge at a time
        self._stopping = threading.Event()  # Ren is stopping: end between two batches
        self.last: PurgeResult | None = None  # the latest background pass (Settings shows it)
        self.last_at: float | None = None

    # -- background ----------------------------------------------------------------------

    def schedule(self, scheduler: Any) -> None:
        """Apply the policies every INTERVAL_S on the engine's APScheduler."""
        scheduler.add_job(
            self.apply_now,
            "interval",
            seconds=INTERVAL_S,
            next_run_time=datetime.now(UTC) + timedelta(seconds=FIRST_AFTER_S),
            id="retention",
            replace_existing=True,
        )

    def stop(self) -> None:
        """Make a purge under way end after its current batch (called as Ren stops)."""
        self._stopping.set()

    async def apply_now(self) -> PurgeResult:
        """Apply the policies now, on a worker thread."""
        try:
            result = await asyncio.to_thread(self.apply_policies)
        except Exception:
            log.exception("applying the retention policies failed")
            raise
        self.last, self.last_at = result, time.time()
        if result.deleted:
            log.info("retention deleted %d finished run(s)", result.deleted)
        return result

    # -- on a worker thread --------------------------------------------------------------

    def apply_policies(self, now: float | None = None, batch_size: int = BATCH_SIZE) -> PurgeResult:
        """Delete what the saved policies no longer keep (call on a worker thread)."""
        now = time.time() if now is None else now
        total = PurgeResult()
        with self._busy, own_connection(self.host.store.db_path) as conn:
            policies = load_policies(self.host.store)
            workflows = [r[0] for r in conn.execute("SELECT DISTINCT workflow_id FROM run")]
            for workflow_id in workflows:
                policy = effective_policy(policies, workflow_id)
                if not policy.limits:
                    continue
                params = {"workflow": workflow_id, "limit": CHOOSE_AT_ONCE, **cutoffs(policy, now)}
                with self._export_to(policy.export_folder, now) as out:
                    while not self._stopping.is_set() and (
                        ids := [r[0] for r in conn.execute(_DUE, params)]
                    ):
                        done = self._purge(ids, out, batch_size)
                        _add(total, done)
                        if not done.deleted:  # all of them started again meanwhile
                            break
        self._scrub(total)
        return total

    def purge(
        self,
        request: PurgeRequest,
        export: Path | None = None,
        dry_run: bool = False,
        batch_size: int = BATCH_SIZE,
    ) -> PurgeResult:
        """Delete the finished runs a request names (call on a worker thread). With
        `dry_run` nothing is deleted: `skipped` lists what would be."""
        request.check()
        sql = f"SELECT id FROM run WHERE created_at < ? AND status IN ({_FINISHED_SQL})"
        sql += f" AND {_PARENT_DONE}"
        params: list[Any] = [request.before]
        if request.workflow is not None:
            sql += " AND workflow_id = ?"
            params.append(request.workflow)
        if request.status is not None:
            sql += " AND status = ?"
            params.append(request.status)
        with own_connection(self.host.store.db_path) as conn:
            ids = [r[0] for r in conn.execute(sql + " ORDER BY created_at, id", params)]
        if dry_run:
            return PurgeResult(skipped=ids)
        with self._busy, _open_export(export) as out:
            result = self._purge(ids, out, batch_size)
        self._scrub(result)
        return result

    def _purge(self, ids: list[str], out: IO[str] | None, batch_size: int) -> PurgeResult:
        return purge_runs(
            self.host.store.db_path,
            ids,
            self.files,
            self.host.is_live,
            out,
            batch_size,
            self._stopping.is_set,
        )

    def _scrub(self, result: PurgeResult) -> None:
        if result.ids and result.first_event is not None and result.last_event is not None:
            scrub_logs(
                self.host.logs,
                self.host.log_file,
                result.ids,
                result.first_event,
                result.last_event,
                self._stopping,
            )

    @contextmanager
    def _export_to(self, folder: str | None, now: float) -> Iterator[IO[str] | None]:
        """A policy's export file: `runs-YYYY-MM-DD.jsonl` in its folder, appended to."""
        if folder is None:
            yield None
            return
        target = Path(folder).expanduser()
        target.mkdir(mode=0o700, parents=True, exist_ok=True)
        name = f"runs-{time.strftime('%Y-%m-%d', time.localtime(now))}.jsonl"
        with _open_export(target / name) as out:
            yield out


@contextmanager
def _open_export(path: Path | None) -> Iterator[IO[str] | None]:
    """The export file, appended to, private (it holds the runs' data)."""
    if path is None:
        yield None
        return
    with open(path, "a", encoding="utf-8", opener=_private) as out:
        yield out


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def _add(total: PurgeResult, part: PurgeResult) -> None:
    total.deleted += part.deleted
    total.exported += part.exported
    total.batches += part.batches
    total.skipped += part.skipped
    total.ids += part.ids
    if part.first_event is not None:
        total.first_event = min(part.first_event, total.first_event or part.first_event)
    if part.last_event is not None:
        total.last_event = max(part.last_event, total.last_event or 0.0)
