"""One engine per data folder: an OS file lock, released by the OS when the process dies."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import IO, Any


class EngineBusy(RuntimeError):
    """Another process runs the engine for this data folder."""

    def __init__(self, folder: Path, holder: dict[str, Any]) -> None:
        self.folder = folder
        self.holder = holder
        pid = holder.get("pid", "?")
        super().__init__(f"another Ren process (pid {pid}) serves the data folder {folder}")


class FolderLock:
    def __init__(self, folder: Path) -> None:
        self.path = folder / "engine.lock"
        self.info_path = folder / "engine.json"
        self._file: IO[str] | None = None
        self.since = 0.0  # when this process took the folder (epoch seconds)

    def acquire(self, info: dict[str, Any] | None = None) -> None:
        # 0600 whatever the umask (the folder is private too; Windows ignores the mode)
        handle = open(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600), "a+")  # noqa: SIM115
        try:
            _lock(handle)
        except OSError:
            handle.close()
            raise EngineBusy(self.path.parent, self.holder()) from None
        self._file = handle
        self.since = time.time()
        self.describe(info or {})

    def describe(self, info: dict[str, Any]) -> None:
        """Say how to reach this process (e.g. its API's port) to other `ren` commands."""
        payload = {"pid": os.getpid(), "since": self.since, **info}
        temp = self.info_path.with_suffix(".tmp")
        temp.touch(mode=0o600)  # it may hold the local API's token
        temp.write_text(json.dumps(payload), encoding="utf-8")
        temp.replace(self.info_path)

    def holder(self) -> dict[str, Any]:
        try:
            found = json.loads(self.info_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return found if isinstance(found, dict) else {}

    def release(self) -> None:
        if self._file is None:
            return
        try:
            self.info_path.unlink(missing_ok=True)
            _unlock(self._file)
        finally:
            self._file.close()
            self._file = None


if sys.platform == "win32":
    import msvcrt

    def _lock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)

    def _unlock(handle: IO[str]) -> None:
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)

    def _unlock(handle: IO[str]) -> None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
