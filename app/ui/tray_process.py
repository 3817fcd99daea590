"""Starting the tray icon's process (`ren tray`, app.ui.tray) from the process that serves a
data folder, when it goes to the background, and stopping it with that process.

The icon's process writes to this one's output (the terminal, or the service's log), so what it
says (e.g. that this desktop has no tray) lands where the rest of Ren's output does.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from app.engine.tray_state import TrayState
from app.service.description import ren_command
from app.ui.tray import say_no_tray

if TYPE_CHECKING:
    from app.engine.service import Engine

STOP_WAIT_S = 5.0
# Windows: no console window of its own for the icon's process (its output still goes where
# this process's goes)
NO_CONSOLE = getattr(subprocess, "CREATE_NO_WINDOW", 0)


class TrayProcess:
    """The tray state on this side and the icon's process; `stop()` ends both."""

    def __init__(self, state: TrayState, process: subprocess.Popen[bytes] | None) -> None:
        self.state = state
        self.process = process

    def stop(self) -> None:
        self.state.stop()
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_WAIT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def start_tray(
    engine: Engine,
    url: str,
    quit_ren: Callable[[], object],
    opens_window: bool = False,
    show_icon: bool = True,
) -> TrayProcess:
    """Call on the engine's loop. Keeps the tray's state here (Settings' Quit Ren uses it too)
    and starts the icon's process, unless `show_icon` is off or this session has no desktop at
    all (then says so, once, and runs without)."""
    state = TrayState(engine, url, quit_ren)
    state.start()
    if not show_icon:
        return TrayProcess(state, None)
    if not has_desktop():
        _say_once("no desktop session: DISPLAY and WAYLAND_DISPLAY are not set")
        return TrayProcess(state, None)
    command = [*ren_command(), "--home", str(engine.folder.root), "tray"]
    if opens_window:
        command.append("--window")
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, creationflags=NO_CONSOLE)
    return TrayProcess(state, process)


def has_desktop() -> bool:
    """macOS and Windows always have a menu bar / notification area; elsewhere, a display."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


_said = False


def _say_once(reason: str) -> None:
    global _said
    if not _said:
        _said = True
        say_no_tray(reason)
