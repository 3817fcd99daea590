"""`ren runs purge --before DATE [--workflow W] [--status S] [--export FILE.jsonl] [--yes]`:
delete finished runs with everything recorded for them (steps, events, log lines, artifacts).

Without --yes it asks first (or, when not run from a terminal, says how many runs it would
delete and deletes nothing). --export appends each run (run, steps, events) to a JSON Lines
file before it is deleted.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_INVALID, EXIT_OK, Usage, execute

FINISHED = ("succeeded", "failed", "canceled")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    # `ren runs` itself lists runs (app.cli.control); purge is its sub-command
    runs = sub.choices.get("runs") or sub.add_parser("runs", help="list and purge runs")
    what = runs.add_subparsers(dest="runs_command", metavar="purge")
    purge = what.add_parser(
        "purge", help="delete finished runs created before a date, with all their data"
    )
    purge.add_argument(
        "--before",
        required=True,
        metavar="DATE",
        help="YYYY-MM-DD (local midnight), YYYY-MM-DDTHH:MM, or an age such as 30d",
    )
    purge.add_argument("--workflow", metavar="W", help="only this workflow's runs")
    purge.add_argument("--status", choices=FINISHED, help="only runs that ended so")
    purge.add_argument(
        "--export", metavar="FILE.jsonl", help="append the runs to this JSON Lines file first"
    )
    purge.add_argument("--yes", action="store_true", help="do not ask before deleting")
    purge.add_argument("--json", action="store_true", help="print the result as JSON")
    purge.set_defaults(handler=cmd_purge)


def cmd_purge(args: argparse.Namespace) -> int:
    from app.api import retention_ops  # noqa: F401 - registers the runs_purge operation
    from app.engine.retention import PurgeInvalid, parse_before

    try:
        before = parse_before(args.before)
    except PurgeInvalid as err:
        raise Usage(str(err)) from None
    payload: dict[str, Any] = {"before": before, "workflow": args.workflow, "status": args.status}
    if args.export is not None:
        export = Path(args.export).expanduser().resolve()
        if not export.parent.is_dir():
            raise Usage(f"--export: the folder {export.parent} does not exist")
        payload["export"] = str(export)
    if not args.yes:
        preview = execute(args.home, "runs_purge", {**payload, "dry_run": True})
        count = len(preview["would_delete"])
        if count == 0:
            print("no finished run matches: nothing to delete")
            return EXIT_OK
        if not sys.stdin.isatty():
            print(f"{count} run(s) would be deleted; nothing was deleted (add --yes to delete)")
            return EXIT_INVALID
        answer = input(f"Delete {count} finished run(s) and all their data? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing was deleted")
            return EXIT_OK
    result = execute(args.home, "runs_purge", payload)
    if args.json:
        print(json.dumps(result))
        return EXIT_OK
    line = f"deleted {result['deleted']} run(s) in {result['batches']} batch(es)"
    if "export" in payload:
        line += f"; exported {result['exported']} to {payload['export']}"
    print(line)
    if result["skipped"]:
        print(f"{len(result['skipped'])} run(s) started again meanwhile and were kept")
    return EXIT_OK
