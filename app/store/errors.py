"""Errors about the data folder and its database, each saying what happened and what to do."""

from __future__ import annotations

from pathlib import Path


class DataFolderError(Exception):
    """The data folder or its database cannot be used now; the message says why and what to do."""


class DiskFull(DataFolderError):
    """A write failed for lack of disk space. Nothing of it was written."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        super().__init__(
            f"the disk holding the data folder {folder} is full: nothing of the last change "
            "was written. Free some space; runs continue from their last saved step when Ren "
            "starts again"
        )


class DatabaseCorrupt(DataFolderError):
    """The database file is damaged. Ren leaves it as it is and says how to go on."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = path
        self.reason = reason
        backup = latest_backup(path)
        restore = (
            f"; or restore the last backup Ren made before upgrading the database: stop Ren, "
            f"move {path.name} aside and copy {backup.name} to {path.name}"
            if backup is not None
            else ""
        )
        super().__init__(
            f"the database {path} is damaged ({reason}). Ren has not changed it. To start "
            f"afresh, stop Ren and move it aside (e.g. rename it to {path.name}.broken, with "
            f"its -wal and -shm files){restore}"
        )


def latest_backup(path: Path) -> Path | None:
    """The newest `<db>.v<N>.bak` that migrations made before an upgrade (app.store.migrations)."""
    found = [p for p in path.parent.glob(f"{path.name}.v*.bak") if p.is_file()]
    return max(found, key=lambda p: p.stat().st_mtime, default=None)
