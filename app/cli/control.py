"""`ren tasks | complete | signal | runs | show | pause | resume | cancel | retry`."""

from __future__ import annotations

import argparse
import time
from typing import Any

from app.cli.common import (
    EXIT_OK,
    Usage,
    execute,
    json_option,
    print_json_or,
    print_report,
    report_exit,
)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tasks = sub.add_parser("tasks", help="list open human tasks")
    tasks.add_argument("--as", dest="assignee", help="only the tasks this user may answer")
    tasks.add_argument("--json", action="store_true")
    tasks.set_defaults(handler=cmd_tasks)

    complete = sub.add_parser("complete", help="answer a human task, then advance its run")
    complete.add_argument("task_id")
    complete.add_argument("--outcome", required=True, help="which button, e.g. approve")
    complete.add_argument("--values", default="{}", help="the form's values as a JSON object")
    complete.add_argument("--as", dest="by", default="local user", help="who answers")
    complete.add_argument("--json", action="store_true")
    complete.set_defaults(handler=cmd_complete)

    signal = sub.add_parser("signal", help="send a named signal to a waiting run")
    signal.add_argument("run_id")
    signal.add_argument("name")
    signal.add_argument("--data", help="the signal's payload as JSON")
    signal.add_argument("--json", action="store_true")
    signal.set_defaults(handler=cmd_signal)

    runs = sub.add_parser("runs", help="list runs, newest first")
    runs.add_argument("--status", help="only runs with this status")
    runs.add_argument("--limit", type=int, default=50)
    runs.add_argument("--json", action="store_true")
    runs.set_defaults(handler=cmd_runs)

    show = sub.add_parser("show", help="a run: its steps and open waits")
    show.add_argument("run_id")
    show.add_argument("--json", action="store_true")
    show.add_argument("--log", action="store_true", help="print the run's events as JSON Lines")
    show.set_defaults(handler=cmd_show)

    for name, help_text in (
        ("pause", "pause a run at its next step boundary"),
        ("cancel", "cancel a run (closes its tasks and timers)"),
        ("retry", "run a failed run again from its failed step"),
    ):
        parser = sub.add_parser(name, help=help_text)
        parser.add_argument("run_id")
        parser.add_argument("--json", action="store_true")
        parser.set_defaults(handler=cmd_control, op=name)
    resume = sub.add_parser("resume", help="resume a paused run")
    resume.add_argument("run_id")
    resume.add_argument("--inputs", help='edited step inputs as JSON: {"node_key": {...}}')
    resume.add_argument("--json", action="store_true")
    resume.set_defaults(handler=cmd_control, op="resume")


def cmd_tasks(args: argparse.Namespace) -> int:
    found = execute(args.home, "tasks", {"assignee": args.assignee})
    print_json_or(
        found,
        args.json,
        lambda tasks: [
            f"{t['id']}  {t['title']}  (run {t['run_id']}, node {t['node_id']}; "
            f"outcomes: {', '.join(t['outcomes'])})"
            for t in tasks
        ],
    )
    return EXIT_OK


def cmd_complete(args: argparse.Namespace) -> int:
    values = json_option(args.values, "values")
    if not isinstance(values, dict):
        raise Usage("--values must be a JSON object")
    report = execute(
        args.home,
        "complete",
        {"task_id": args.task_id, "outcome": args.outcome, "values": values, "by": args.by},
    )
    print_report(report, args.json)
    return report_exit(report)


def cmd_signal(args: argparse.Namespace) -> int:
    data = json_option(args.data, "data")
    report = execute(args.home, "signal", {"run_id": args.run_id, "name": args.name, "data": data})
    print_report(report, args.json)
    return report_exit(report)


def cmd_runs(args: argparse.Namespace) -> int:
    found = execute(args.home, "runs", {"status": args.status, "limit": args.limit})
    print_json_or(
        found,
        args.json,
        lambda runs: [
            f"{r['run_id']}  {r['status']:<9}  {r['workflow_id']}  {_when(r['created_at'])}"
            for r in runs
        ],
    )
    return EXIT_OK


def cmd_show(args: argparse.Namespace) -> int:
    if args.log:
        lines = execute(args.home, "run_log", {"run_id": args.run_id})
        print("\n".join(lines))
        return EXIT_OK
    report = execute(args.home, "show", {"run_id": args.run_id})
    if args.json:
        print_report(report, True)
        return EXIT_OK
    print_report(report, False)
    if report.get("usage"):  # tokens the run's AI steps used
        from app.nodes.ai_model_usage import usage_line

        print(f"  {usage_line(report['usage'])}")
    for step in report["steps"]:
        print(f"  {step['status']:<9} {step['node_key']} (attempt {step['attempt']})")
    for wait in report["waits"]:
        if wait["status"] == "open":
            print(f"  open {wait['kind']} wait {wait['id']} at {wait['node_key']}")
    for task in report.get("answered", []):
        who = task["completed_by"] or "someone"
        print(
            f"  task {task['id']} ({task['title']}, node {task['node_id']}): "
            f"{task['outcome']} by {who} at {_when(task['completed_at'])}"
        )
    return EXIT_OK


def cmd_control(args: argparse.Namespace) -> int:
    payload: dict[str, Any] = {"run_id": args.run_id}
    if args.op == "resume" and args.inputs is not None:
        inputs = json_option(args.inputs, "inputs")
        if not isinstance(inputs, dict):
            raise Usage("--inputs must be a JSON object of node keys to inputs")
        payload["inputs"] = inputs
    report = execute(args.home, args.op, payload)
    print_report(report, args.json)
    if args.op in ("pause", "cancel"):
        return EXIT_OK
    return report_exit(report)


def _when(at: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at)) if at else "-"
