"""The tray icon at desktop login on Linux: an XDG autostart entry running `ren tray`.

A systemd user service starts at login, often before the desktop session, so it cannot show a
tray icon itself (no DISPLAY yet). Desktops (GNOME, KDE, XFCE, Cinnamon, MATE) start the
entries of `~/.config/autostart` once the session is up: `ren tray` then attaches to the
service (it waits for it to answer) and shows its icon.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from app.service.description import ServiceDescription

_PLAIN = re.compile(r"^[A-Za-z0-9_./:=+,@-]+$")


def path(service: ServiceDescription) -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
    return Path(config) / "autostart" / f"{service.name}-tray.desktop"


def tray_command(service: ServiceDescription) -> tuple[str, ...]:
    """`ren --home FOLDER tray`: the service's own program and folder."""
    program = service.command[: service.command.index("--home")]
    return (*program, "--home", str(service.folder), "tray")


def entry_text(service: ServiceDescription) -> str:
    command = " ".join(exec_word(word) for word in tray_command(service))
    return f"""[Desktop Entry]
Type=Application
Name=Ren tray icon
Comment=The tray icon of Ren serving {_string(str(service.folder))}
Exec={command}
Terminal=false
NoDisplay=true
X-GNOME-Autostart-enabled=true
"""


def exec_word(word: str) -> str:
    """One word of an Exec key (Desktop Entry Specification): plain, or double-quoted with `"`,
    backtick, `$` and `\\` escaped; then escaped as a string value; `%` doubled (field codes)."""
    if _PLAIN.match(word):
        return word.replace("%", "%%")
    inner = "".join("\\" + c if c in '"`$\\' else c for c in word)
    return _string(f'"{inner}"').replace("%", "%%")


def _string(text: str) -> str:
    """A string value: backslashes escaped, no line breaks."""
    return text.replace("\\", "\\\\").replace("\n", " ")
