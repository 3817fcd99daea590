"""What the login service runs, in one place: every platform's file is generated from this."""

from __future__ import annotations

import hashlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import platformdirs

DEFAULT_PORT = 8710
RESTART_AFTER_S = 5  # wait this long before starting again after a crash
LOG_NAME = "service.log"


@dataclass(frozen=True)
class ServiceDescription:
    name: str  # the unit / agent / task name, unique per data folder
    label: str  # a reverse-DNS label (macOS LaunchAgent)
    command: tuple[str, ...]  # the full command line, program first
    folder: Path  # the data folder it serves
    log: Path  # where its output goes (inside the data folder)
    port: int
    restart_after_s: int = RESTART_AFTER_S

    @property
    def summary(self) -> str:
        return f"Ren: schedules, timers and the app for {self.folder}"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def describe(folder: Path, port: int = DEFAULT_PORT) -> ServiceDescription:
    """The service that serves `folder` on 127.0.0.1:`port`."""
    suffix = "" if folder == default_folder() else f"-{_short_hash(folder)}"
    command = (*ren_command(), "--home", str(folder), "worker", "--port", str(port))
    return ServiceDescription(
        name=f"ren{suffix}",
        label=f"io.ren.worker{suffix}",
        command=command,
        folder=folder,
        log=folder / LOG_NAME,
        port=port,
    )


def ren_command() -> tuple[str, ...]:
    """How to start `ren` from this installation: the packaged app's own program, or this
    Python running the `ren` package (works for an installed and an editable install)."""
    if getattr(sys, "frozen", False):
        return (sys.executable,)
    return (sys.executable, "-m", "app.cli")


def default_folder() -> Path:
    chosen = os.environ.get("REN_HOME") or platformdirs.user_data_path("ren")
    return Path(chosen).expanduser().resolve()


def _short_hash(folder: Path) -> str:
    return hashlib.sha256(str(folder).encode()).hexdigest()[:8]
