"""`ren tray`: the tray / menu-bar icon of the Ren process that serves the data folder.

Ren starts it itself when it runs in the background (app.ui.tray_process); it quits when that
process stops."""

from __future__ import annotations

import argparse

from app.engine.paths import DataFolder


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tray = sub.add_parser(
        "tray", help="show the tray icon of the running Ren (Ren starts it in the background)"
    )
    tray.add_argument(
        "--window", action="store_true", help="Open Ren opens a desktop window, not a browser tab"
    )
    tray.set_defaults(handler=cmd_tray)


def cmd_tray(args: argparse.Namespace) -> int:
    from app.ui.tray import run_tray  # pystray loads only for this command

    return run_tray(DataFolder.resolve(args.home).root, args.window)
