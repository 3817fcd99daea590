"""`ren service install|uninstall|status`: start Ren's headless server (`ren worker`, which
serves the app too) at login, for this user, with no administrator rights."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_FAILED, EXIT_OK, Usage
from app.engine.lock import EngineBusy, FolderLock
from app.engine.paths import DataFolder
from app.service import platforms
from app.service.description import DEFAULT_PORT, describe


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    service = sub.add_parser("service", help="start Ren at login (install, uninstall, status)")
    actions = service.add_subparsers(dest="action", required=True)
    install = actions.add_parser("install", help="register `ren worker` to start at login")
    install.add_argument(
        "--port",
        dest="service_port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port of the app on 127.0.0.1 ({DEFAULT_PORT})",
    )
    install.add_argument(
        "--no-start", action="store_true", help="write the file only; do not start it now"
    )
    actions.add_parser("uninstall", help="stop it and remove it")
    actions.add_parser("status", help="installed? running? where, since when")
    service.set_defaults(handler=cmd_service)


def cmd_service(args: argparse.Namespace) -> int:
    folder = DataFolder.resolve(args.home).root
    platform = platforms.current()
    if args.action == "install":
        if not 0 < args.service_port < 65536:
            raise Usage(f"--port {args.service_port} is not a port number (1 to 65535)")
        holder = holder_of(folder)
        start = not args.no_start and holder is None
        done = platforms.install(platform, describe(folder, args.service_port), start)
        if holder is not None and not args.no_start:
            done.notes = [
                f"Ren already runs for this folder ({describe_holder(holder)}); "
                "the service starts at the next login"
            ]
        print(f"Ren starts at login ({platform.name}): {done.paths[0]}")
        for also in done.paths[1:]:
            print(f"its tray icon at desktop login: {also}")
        print(f"log: {describe(folder).log}")
        for note in done.notes:
            print(note)
        return EXIT_OK
    service = describe(folder)
    if args.action == "uninstall":
        done = platforms.uninstall(platform, service)
        if done.paths:
            print(f"removed {done.paths[0]}; Ren no longer starts at login")
        for note in done.notes:
            print(note)
        return EXIT_OK
    return _status(platform, folder)


def _status(platform: platforms.Platform, folder: Path) -> int:
    """Installed? Running (which process, where, since when)? Exit 0 only when it runs."""
    service = describe(folder)
    path = platform.path(service)
    installed = f"yes ({platform.name}: {path})" if path.exists() else "no (ren service install)"
    print(f"installed: {installed}")
    holder = holder_of(folder)
    print(f"running: {describe_holder(holder) if holder is not None else 'no'}")
    print(f"log: {service.log}")
    return EXIT_OK if holder is not None else EXIT_FAILED


def holder_of(folder: Path) -> dict[str, Any] | None:
    """What the process that holds the data folder says about itself; None if none does."""
    lock = FolderLock(folder)
    try:
        lock.acquire()
    except EngineBusy as busy:
        return busy.holder
    lock.release()
    return None


def describe_holder(holder: dict[str, Any]) -> str:
    pid = holder.get("pid", "?")
    url = holder.get("ui") or "no app (a batch worker)"
    since = holder.get("since")
    when = "an unknown time"
    if isinstance(since, int | float) and since:
        when = time.strftime("%Y-%m-%d %H:%M:%S %Z", time.localtime(since))
    return f"pid {pid}, at {url}, since {when}"
