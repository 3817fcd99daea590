"""The JSON Lines run log: every run's events in one file per day, rotated and size-capped.

`<data>/logs/events-YYYY-MM-DD.jsonl` (the local date) receives each committed event as one
line that names its run (`run_id`). When it reaches `segment_bytes`, or the day changes, it is
compressed to `events-YYYY-MM-DD.N.jsonl.gz` (N = 1, 2, …) and a new file begins; the oldest
compressed files are deleted once all of them together pass `max_bytes`.

One shared file instead of a folder and a file per run: a finished run costs about a hundred
bytes of log on disk, not two inodes and 8 KB. The database stays the record, so one run's own
log is rebuilt from it on demand (`ren show RUN --log`).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

SEGMENT_BYTES = 2**20  # an open day file is compressed at this size
MAX_BYTES = 256 * 2**20  # compressed files kept, all days together
_SEGMENT = re.compile(r"events-(\d{4}-\d{2}-\d{2})\.(\d+)\.jsonl\.gz")
_DAY_FILE = re.compile(r"events-(\d{4}-\d{2}-\d{2})\.jsonl")


def event_line(
    run_id: str, seq: int, type_: str, node_key: str | None, data_text: str | None, at: float
) -> str:
    """One event as a JSON Lines line; `data_text` is its data already encoded as JSON."""
    return (
        f'{{"run_id":{json.dumps(run_id)},"seq":{seq},"type":{json.dumps(type_)},'
        f'"node_key":{json.dumps(node_key, ensure_ascii=False)},'
        f'"data":{data_text or "{}"},"at":{at}}}\n'
    )


def today() -> str:
    return time.strftime("%Y-%m-%d")


class JsonlLog:
    """Appends lines to the day's file; used by one thread (app.engine.events.LogWriter)."""

    def __init__(
        self,
        folder: Path,
        segment_bytes: int = SEGMENT_BYTES,
        max_bytes: int = MAX_BYTES,
        day: Callable[[], str] = today,
    ) -> None:
        self.folder = folder
        self.segment_bytes = segment_bytes
        self.max_bytes = max_bytes
        self.day = day
        self.path: Path | None = None  # the open day file
        self._file: IO[str] | None = None
        self._size = 0

    def write_lines(self, lines: str) -> None:
        date = self.day()
        if self.path is not None and self.path.name != f"events-{date}.jsonl":
            self._seal()  # a new day
        if self._file is None:
            self._open(date)
        assert self._file is not None
        self._file.write(lines)
        self._size += len(lines)
        if self._size >= self.segment_bytes:
            self._seal()

    def flush(self) -> None:
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def _open(self, date: str) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        for left in self.folder.glob("events-*.jsonl"):  # a day file of an earlier process
            found = _DAY_FILE.fullmatch(left.name)
            if found and found[1] != date:
                self._compress(left, found[1])
        self.path = self.folder / f"events-{date}.jsonl"
        self._file = open(self.path, "a", encoding="utf-8", opener=_private)  # noqa: SIM115
        self._size = self._file.tell()

    def _seal(self) -> None:
        """Compress the open day file and start afresh at the next write."""
        self.close()
        if self.path is not None and self.path.exists():
            found = _DAY_FILE.fullmatch(self.path.name)
            assert found is not None
            self._compress(self.path, found[1])
        self.path = None
        self._size = 0

    def _compress(self, day_file: Path, date: str) -> None:
        numbers = [
            int(m[2]) for m in map(_SEGMENT.fullmatch, _names(self.folder)) if m and m[1] == date
        ]
        target = self.folder / f"events-{date}.{max(numbers, default=0) + 1}.jsonl.gz"
        partial = target.with_name(target.name + ".part")
        with (
            day_file.open("rb") as source,
            open(partial, "wb", opener=_private) as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", filename="", mtime=0) as packed,
        ):
            shutil.copyfileobj(source, packed)
        os.replace(partial, target)
        day_file.unlink()
        self._cap()

    def _cap(self) -> None:
        """Delete the oldest compressed files while all of them pass `max_bytes`."""
        segments = sorted(
            (m[1], int(m[2]), self.folder / m[0])
            for m in map(_SEGMENT.fullmatch, _names(self.folder))
            if m
        )
        sizes = [path.stat().st_size for _, _, path in segments]
        total = sum(sizes)
        for (_, _, path), size in zip(segments, sizes, strict=True):
            if total <= self.max_bytes:
                break
            path.unlink()
            total -= size


def _names(folder: Path) -> list[str]:
    return [entry.name for entry in os.scandir(folder)]


def _private(path: str, flags: int) -> int:
    """Open a log file with mode 0600 (the data folder's files are private; app.engine.paths)."""
    return os.open(path, flags, 0o600)


def read_lines(folder: Path) -> list[dict[str, Any]]:
    """Every line of every log file in `folder`, oldest first (for tests and tools)."""
    files: list[tuple[str, float, Path]] = []
    for name in _names(folder):
        if segment := _SEGMENT.fullmatch(name):
            files.append((segment[1], int(segment[2]), folder / name))
        elif day := _DAY_FILE.fullmatch(name):
            files.append((day[1], float("inf"), folder / name))  # after the day's segments
    found: list[dict[str, Any]] = []
    for _, _, path in sorted(files):
        if path.suffix == ".gz":
            with gzip.open(path, "rt", encoding="utf-8") as packed:
                text = packed.read()
        else:
            text = path.read_text(encoding="utf-8")
        found += [json.loads(line) for line in text.splitlines()]
    return found
