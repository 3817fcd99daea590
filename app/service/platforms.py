"""Where each platform keeps a login service, and how it is switched on and off.

Everything here is per user: nothing needs administrator rights. Switching on (`enable`) is
separate from writing the file, so the files can be written and checked on any machine."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from app.service import autostart, launchd, systemd, windows
from app.service.description import ServiceDescription

COMMAND_TIMEOUT_S = 30.0


@dataclass
class Outcome:
    """What a platform did: files written or removed, and what the user should know."""

    paths: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Platform(Protocol):
    name: str

    def path(self, service: ServiceDescription) -> Path: ...

    def content(self, service: ServiceDescription) -> bytes: ...

    def enable(self, service: ServiceDescription) -> list[str]: ...

    def disable(self, service: ServiceDescription) -> list[str]: ...


def run_tool(args: Sequence[str]) -> str | None:
    """Run a platform tool; None when it succeeded, else what went wrong, in one line."""
    if shutil.which(args[0]) is None:
        return f"{args[0]} is not available"
    try:
        done = subprocess.run(list(args), capture_output=True, text=True, timeout=COMMAND_TIMEOUT_S)
    except (OSError, subprocess.TimeoutExpired) as err:
        return f"{' '.join(args)}: {err}"
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        return f"{' '.join(args)} failed: {said[-1] if said else done.returncode}"
    return None


class Systemd:
    name = "systemd user unit"

    def path(self, service: ServiceDescription) -> Path:
        config = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
        return Path(config) / "systemd" / "user" / f"{service.name}.service"

    def content(self, service: ServiceDescription) -> bytes:
        return systemd.unit_text(service).encode()

    def enable(self, service: ServiceDescription) -> list[str]:
        unit = f"{service.name}.service"
        for args in (
            ["systemctl", "--user", "daemon-reload"],
            ["systemctl", "--user", "enable", "--now", unit],
        ):
            if (problem := run_tool(args)) is not None:
                start = f"systemctl --user enable --now {unit}"
                return [f"not started: {problem}; start it with: {start}"]
        return [f"enabled and started: systemctl --user status {unit}"]

    def disable(self, service: ServiceDescription) -> list[str]:
        problem = run_tool(["systemctl", "--user", "disable", "--now", f"{service.name}.service"])
        return [] if problem is None else [f"note: {problem}"]


class Launchd:
    name = "LaunchAgent"

    def path(self, service: ServiceDescription) -> Path:
        return Path.home() / "Library" / "LaunchAgents" / f"{service.label}.plist"

    def content(self, service: ServiceDescription) -> bytes:
        return launchd.plist_bytes(service)

    def enable(self, service: ServiceDescription) -> list[str]:
        domain = f"gui/{os.getuid()}" if hasattr(os, "getuid") else "gui"
        problem = run_tool(["launchctl", "bootstrap", domain, str(self.path(service))])
        if problem is not None:
            return [f"not started: {problem}; it starts at the next login"]
        return [f"loaded: launchctl print {domain}/{service.label}"]

    def disable(self, service: ServiceDescription) -> list[str]:
        domain = f"gui/{os.getuid()}" if hasattr(os, "getuid") else "gui"
        problem = run_tool(["launchctl", "bootout", domain, str(self.path(service))])
        return [] if problem is None else [f"note: {problem}"]


class WindowsLogon:
    """A Task Scheduler logon task; where the task cannot be created, a Startup-folder entry.
    The file kept is the task's XML in the data folder (or the Startup script)."""

    name = "logon task"

    def path(self, service: ServiceDescription) -> Path:
        return service.folder / f"{service.name}-task.xml"

    def startup_path(self, service: ServiceDescription) -> Path:
        appdata = os.environ.get("APPDATA") or str(Path.home() / "AppData" / "Roaming")
        startup = Path(appdata) / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup"
        return startup / f"{service.name}.cmd"

    def content(self, service: ServiceDescription) -> bytes:
        user = os.environ.get("USERDOMAIN", "") + "\\" + os.environ.get("USERNAME", "")
        return windows.task_xml(service, user.strip("\\")).encode("utf-16")

    def enable(self, service: ServiceDescription) -> list[str]:
        create = ["schtasks", "/Create", "/TN", service.name, "/XML", str(self.path(service))]
        problem = run_tool([*create, "/F"])
        if problem is None:
            run_tool(["schtasks", "/Run", "/TN", service.name])
            return [f"logon task created: schtasks /Query /TN {service.name}"]
        startup = self.startup_path(service)
        startup.parent.mkdir(parents=True, exist_ok=True)
        startup.write_text(windows.startup_script(service), encoding="utf-8")
        return [f"no logon task ({problem}); Startup-folder entry written: {startup}"]

    def disable(self, service: ServiceDescription) -> list[str]:
        self.startup_path(service).unlink(missing_ok=True)
        problem = run_tool(["schtasks", "/Delete", "/TN", service.name, "/F"])
        return [] if problem is None else [f"note: {problem}"]


def current() -> Platform:
    if sys.platform == "darwin":
        return Launchd()
    if sys.platform == "win32":
        return WindowsLogon()
    return Systemd()


def install(platform: Platform, service: ServiceDescription, start: bool = True) -> Outcome:
    path = platform.path(service)
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.with_name(path.name + ".tmp")
    temp.write_bytes(platform.content(service))
    temp.replace(path)  # never a half-written file
    service.log.parent.mkdir(parents=True, exist_ok=True)
    written = [path]
    if isinstance(platform, Systemd):  # the tray icon, once the desktop session is up
        entry = autostart.path(service)
        entry.parent.mkdir(parents=True, exist_ok=True)
        temp = entry.with_name(entry.name + ".tmp")
        temp.write_text(autostart.entry_text(service), encoding="utf-8")
        temp.replace(entry)
        written.append(entry)
    notes = platform.enable(service) if start else ["written, not started (--no-start)"]
    return Outcome(written, notes)


def uninstall(platform: Platform, service: ServiceDescription) -> Outcome:
    path = platform.path(service)
    if not path.exists():
        return Outcome([], [f"no {platform.name} was installed for {service.folder}"])
    notes = platform.disable(service)
    path.unlink(missing_ok=True)
    if isinstance(platform, Systemd):
        autostart.path(service).unlink(missing_ok=True)
        run_tool(["systemctl", "--user", "daemon-reload"])
    return Outcome([path], notes)
