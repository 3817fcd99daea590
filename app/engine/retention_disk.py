"""How much disk Ren's data folder uses, by kind (Settings shows it). Walks folders: call on a
worker thread."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from app.engine.paths import DataFolder


@dataclass(frozen=True)
class DiskUse:
    database: int  # the SQLite file
    wal: int  # its write-ahead log (folded back into the file at checkpoints)
    artifacts: int  # files steps kept with their runs
    logs: int  # the JSON Lines run log
    run_files: int  # files steps wrote into their run's own folder

    @property
    def total(self) -> int:
        return self.database + self.wal + self.artifacts + self.logs + self.run_files


def folder_size(folder: Path) -> int:
    """Bytes of every file under `folder` (0 when it does not exist)."""
    total = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(root, name)).st_size
            except OSError:  # deleted while we walked
                continue
    return total


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def disk_use(folder: DataFolder, artifacts_root: Path) -> DiskUse:
    db = folder.db_path
    return DiskUse(
        database=_size(db),
        wal=_size(db.with_name(db.name + "-wal")),
        artifacts=folder_size(artifacts_root),
        logs=folder_size(folder.logs_dir),
        run_files=folder_size(folder.runs_dir),
    )


def human(size: int) -> str:
    """1536 -> '1.5 KB'."""
    if size < 1024:
        return f"{size} bytes"
    value = size / 1024
    for unit in ("KB", "MB", "GB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"
