"""`ren schedule add | list | remove`."""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.common import EXIT_OK, Usage, execute, json_option, print_json_or


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    schedule = sub.add_parser("schedule", help="start runs of a workflow on a cron or interval")
    actions = schedule.add_subparsers(dest="action", required=True)
    add = actions.add_parser("add", help="add a schedule to a published workflow")
    add.add_argument("workflow_id")
    when = add.add_mutually_exclusive_group(required=True)
    when.add_argument("--cron", help='a crontab line, e.g. "0 9 * * mon-fri"')
    when.add_argument("--every", type=float, metavar="SECONDS", help="an interval in seconds")
    add.add_argument("--tz", default="UTC", help="time zone of the cron line, e.g. Europe/Paris")
    add.add_argument("--input", help="the runs' input as JSON")
    add.add_argument(
        "--misfire",
        choices=["skip", "once", "all"],
        default="once",
        help="what to do with fire times missed while Ren was not running",
    )
    add.add_argument("--json", action="store_true")
    add.set_defaults(handler=cmd_add)
    listing = actions.add_parser("list", help="list schedules")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(handler=cmd_list)
    remove = actions.add_parser("remove", help="remove a schedule")
    remove.add_argument("schedule_id")
    remove.set_defaults(handler=cmd_remove)


def cmd_add(args: argparse.Namespace) -> int:
    run_input = json_option(args.input, "input")
    if run_input is not None and not isinstance(run_input, dict):
        raise Usage("--input must be a JSON object")
    added = execute(
        args.home,
        "schedule_add",
        {
            "workflow_id": args.workflow_id,
            "cron": args.cron,
            "interval_s": args.every,
            "timezone": args.tz,
            "input": run_input or {},
            "misfire": args.misfire,
        },
    )
    print_json_or(added, args.json, lambda s: [f"schedule {s['id']} added"])
    return EXIT_OK


def cmd_list(args: argparse.Namespace) -> int:
    found = execute(args.home, "schedule_list", {})
    print_json_or(found, args.json, lambda items: [_line(s) for s in items])
    return EXIT_OK


def _line(schedule: dict[str, Any]) -> str:
    when = schedule["cron"] or f"every {schedule['interval_s']:g} s"
    state = "on" if schedule["enabled"] else "off"
    return (
        f"{schedule['id']}  {schedule['workflow_id']}  {when}  {schedule['timezone']}"
        f"  misfire={schedule['misfire']}  {state}"
    )


def cmd_remove(args: argparse.Namespace) -> int:
    execute(args.home, "schedule_remove", {"schedule_id": args.schedule_id})
    print(f"schedule {args.schedule_id} removed")
    return EXIT_OK
