"""What every `ren` command shares: exit codes, errors, reports, and where a command runs.

A command runs on its own engine when no other Ren process serves the data folder, and is
handed to that process (through its local API) when one does.

Exit codes: 0 succeeded / valid, 1 failed or canceled, 2 invalid workflow or input,
3 waiting or paused, 4 the action is no longer possible, 5 the data folder cannot be used
(damaged database, read-only folder, disk full, another process serves it for `ren worker`).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used: `ren --help` and `ren validate` need no engine
    from app.cli.remote import Remote
    from app.engine.events import RunEvent

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_STOPPED, EXIT_GONE, EXIT_FOLDER = 0, 1, 2, 3, 4, 5
STATUS_EXIT = {"succeeded": EXIT_OK, "failed": EXIT_FAILED, "canceled": EXIT_FAILED}
ERROR_EXIT = {"invalid": EXIT_INVALID, "not_found": EXIT_INVALID, "no_longer_possible": EXIT_GONE}
MAX_SHOWN = 2000  # characters of a run's output shown in a terminal


REMOTE: Remote | None = None  # set by `ren --url URL` (or REN_URL): commands go there


class Usage(Exception):
    """Bad command-line input: printed as one line on stderr, exit 2."""


def use_remote(url: str | None, token: str | None) -> None:
    """Send the commands to the Ren at `url` (or $REN_URL), if one is given."""
    global REMOTE
    if url or os.environ.get("REN_URL"):
        from app.cli.remote import Remote

        REMOTE = Remote.from_options(url, token)


def functions_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--functions",
        action="append",
        default=[],
        metavar="PATH_OR_MODULE",
        help="a .py file or module that registers functions (repeatable)",
    )


def json_option(text: str | None, what: str) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise Usage(f"--{what} is not valid JSON: {err.msg} at column {err.colno}") from None


def execute(
    home: str | None,
    name: str,
    args: dict[str, Any],
    *,
    on_event: Callable[[RunEvent], None] | None = None,
) -> Any:
    """Run an operation here, in the Ren process that serves the folder, or on the remote Ren
    of `ren --url` (app.cli.remote)."""
    if REMOTE is not None:
        from app.cli.remote import remote_op

        return remote_op(REMOTE, name, args)
    from app.api.client import remote_call
    from app.api.ops import call
    from app.engine.lock import EngineBusy
    from app.engine.service import Engine

    try:
        engine = Engine(home)
    except EngineBusy as busy:
        return remote_call(busy.holder, name, args)

    async def local() -> Any:
        await engine.start(recover=False)
        if on_event is not None:
            engine.bus.subscribe(on_event)
        try:
            return await call(engine, name, args)
        finally:
            await engine.stop()

    return asyncio.run(local())


def report_exit(report: dict[str, Any]) -> int:
    return STATUS_EXIT.get(report["status"], EXIT_STOPPED)


def print_report(report: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(report, ensure_ascii=False, default=str))
        return
    print(f"run {report['run_id']}: {report['status']}")
    if report.get("error"):
        print(f"error: {report['error'].get('message')}", file=sys.stderr)
    for task in report.get("tasks", []):
        print(
            f"  waiting on task {task['id']}: {task['title']} "
            f"(outcomes: {', '.join(task['outcomes'])})"
        )
    if report.get("output") is not None:
        text = json.dumps(report["output"], ensure_ascii=False, indent=2, default=str)
        if len(text) > MAX_SHOWN:
            text = text[:MAX_SHOWN] + f"\n… ({len(text):,} characters in all; --json shows all)"
        print(text)


def print_json_or(value: Any, as_json: bool, lines: Callable[[Any], list[str]]) -> None:
    if as_json:
        print(json.dumps(value, ensure_ascii=False, default=str))
    else:
        print("\n".join(lines(value)) or "(none)")
