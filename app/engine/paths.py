"""Where Ren keeps its data: one folder, `REN_HOME` or the platform's user data folder.

The folder is private: created 0700 and every file in it 0600 whatever the umask, and an
existing folder with wider modes is tightened when Ren opens it. On Windows `mkdir(mode=0o700)`
gives an owner-only ACL from Python 3.11.10 / 3.12.4 on; with older Pythons, or for a folder
that already exists, the folder keeps the ACL it inherits (under the user's profile, that is
the user's own).
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

from app.store.db import FILE_MODE
from app.store.errors import DataFolderError

FOLDER_MODE = 0o700


@dataclass(frozen=True)
class DataFolder:
    root: Path

    @classmethod
    def resolve(cls, home: str | Path | None = None) -> DataFolder:
        chosen = home or os.environ.get("REN_HOME") or platformdirs.user_data_path("ren")
        root = Path(chosen).expanduser().resolve()
        make_private(root)
        return cls(root)

    @property
    def db_path(self) -> Path:
        return self.root / "ren.sqlite"

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    def run_dir(self, run_id: str) -> Path:
        """A run's own folder, made only when a step writes files there (`ctx.data_dir`)."""
        return self.runs_dir / run_id

    @property
    def logs_dir(self) -> Path:
        """The JSON Lines run log, one file a day (app.engine.log_files)."""
        return self.root / "logs"

    @property
    def files_dir(self) -> Path:
        return self.root / "files"


def make_private(root: Path) -> None:
    """Create `root` (0700) or tighten it and its top-level entries; refuse a folder Ren cannot
    write to with a message saying so. Deeper entries are covered by their 0700 parents."""
    hint = "choose another folder with --home or REN_HOME"
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
        root.mkdir(mode=FOLDER_MODE, exist_ok=True)  # the mode is masked by the umask: chmod too
    except OSError as err:
        why = _why(err)
        raise DataFolderError(f"cannot create the data folder {root}: {why}; {hint}") from None
    if not root.is_dir():
        raise DataFolderError(f"the data folder {root} is not a folder; {hint}")
    if not os.access(root, os.W_OK | os.X_OK):
        raise DataFolderError(f"the data folder {root} is read-only for you; {hint}")
    if sys.platform == "win32":
        return  # POSIX modes mean little there; see the module's docstring
    try:
        _tighten(root, FOLDER_MODE)
        with os.scandir(root) as entries:
            for entry in entries:
                if entry.is_symlink():
                    continue
                _tighten(Path(entry.path), FOLDER_MODE if entry.is_dir() else FILE_MODE)
    except OSError as err:
        raise DataFolderError(f"cannot make the data folder {root} private: {_why(err)}") from None


def _tighten(path: Path, mode: int) -> None:
    """Remove group and other permissions (and widen nothing)."""
    current = stat.S_IMODE(path.stat().st_mode)
    if current & 0o077:
        path.chmod(current & mode)


def _why(err: OSError) -> str:
    if err.errno == errno.EROFS:
        return "the disk is read-only"
    if err.errno == errno.ENOSPC:
        return "the disk is full"
    return err.strerror or str(err)
