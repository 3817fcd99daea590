"""Removing deleted runs' lines from the JSON Lines run log (app.engine.log_files).

Every run's events share one file per day (and its compressed segments), so a deleted run's
lines are removed by rewriting the files that can hold them: those dated from the day the
earliest deleted run was created to the day the latest one ended. The rewrite runs on the log
writer's own thread (it is handed over as a job), so no line is being appended while a file
is rewritten; the writer reopens the day's file at its next write.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import re
import threading
import time
from collections.abc import Collection
from pathlib import Path

from app.engine.events import LogWriter, RunEvent
from app.engine.log_files import JsonlLog

log = logging.getLogger(__name__)

_FILE = re.compile(r"events-(\d{4}-\d{2}-\d{2})(?:\.\d+\.jsonl\.gz|\.jsonl)")
_DAY_S = 86_400
WAIT_S = 120.0  # for the log writer to take the job


def scrub_file(path: Path, run_ids: Collection[str]) -> int:
    """Rewrite one log file without the runs' lines; returns how many lines went."""
    packed = path.suffix == ".gz"
    raw = gzip.decompress(path.read_bytes()) if packed else path.read_bytes()
    kept: list[bytes] = []
    removed = 0
    for line in raw.splitlines(keepends=True):
        if _names_one_of(line, run_ids):
            removed += 1
        else:
            kept.append(line)
    if not removed:
        return 0
    if not kept:
        path.unlink()
        return removed
    body = b"".join(kept)
    partial = path.with_name(path.name + ".part")
    with open(partial, "wb", opener=_private) as out:
        out.write(gzip.compress(body, mtime=0) if packed else body)
    os.replace(partial, path)
    return removed


def _names_one_of(line: bytes, run_ids: Collection[str]) -> bool:
    try:
        return json.loads(line).get("run_id") in run_ids
    except (ValueError, AttributeError):
        return False  # not a line Ren wrote: leave it


def _private(path: str, flags: int) -> int:
    return os.open(path, flags, 0o600)


def files_between(folder: Path, first: float, last: float) -> list[Path]:
    """The log files dated (local time, like their names) from `first`'s day to `last`'s."""
    low = time.strftime("%Y-%m-%d", time.localtime(first - _DAY_S))  # a day either side:
    high = time.strftime("%Y-%m-%d", time.localtime(last + _DAY_S))  # time zones move
    if not folder.is_dir():
        return []
    found = []
    for entry in os.scandir(folder):
        match = _FILE.fullmatch(entry.name)
        if match and low <= match[1] <= high:
            found.append(Path(entry.path))
    return sorted(found)


class _Scrub(JsonlLog):
    """A job for the log writer's thread: `write_lines` (called there with a placeholder line)
    closes the engine's open day file and rewrites the files."""

    def __init__(
        self, target: JsonlLog, run_ids: Collection[str], first: float, last: float
    ) -> None:
        super().__init__(target.folder)
        self.target = target
        self.run_ids = frozenset(run_ids)
        self.span = (first, last)
        self.removed = 0
        self.done = threading.Event()

    def write_lines(self, lines: str) -> None:
        try:
            self.target.close()  # reopened (appending) at the next write
            for path in files_between(self.folder, *self.span):
                self.removed += scrub_file(path, self.run_ids)
        except Exception:  # never let the writer's thread die
            log.exception("could not remove deleted runs' lines from the run log")
        finally:
            self.done.set()


def scrub_logs(
    writer: LogWriter,
    target: JsonlLog,
    run_ids: Collection[str],
    first: float,
    last: float,
    stopping: threading.Event | None = None,
) -> int:
    """Remove the runs' lines from the log files; blocks (call on a thread) until done, or
    until `stopping` is set (the writer may be gone). Returns how many lines were removed."""
    if not run_ids:
        return 0
    job = _Scrub(target, run_ids, first, last)
    placeholder = RunEvent("", 0, "retention.scrub", None, {}, time.time())
    writer.submit(job, [placeholder])
    deadline = time.monotonic() + WAIT_S
    while not job.done.wait(0.1):
        if (stopping is not None and stopping.is_set()) or time.monotonic() > deadline:
            log.warning("the run log was not cleaned of %d deleted run(s)", len(run_ids))
            break
    return job.removed
