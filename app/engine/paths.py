"""Where Ren keeps its data: one folder, `REN_HOME` or the platform's user data folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import platformdirs


@dataclass(frozen=True)
class DataFolder:
    root: Path

    @classmethod
    def resolve(cls, home: str | Path | None = None) -> DataFolder:
        chosen = home or os.environ.get("REN_HOME") or platformdirs.user_data_path("ren")
        root = Path(chosen).expanduser().resolve()
        root.mkdir(parents=True, exist_ok=True)
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
