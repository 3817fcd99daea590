"""`ren start WORKFLOW_ID`: run a published workflow by its id (here, in the local Ren process,
or on a remote Ren with --url), as `ren run` does for a file."""

from __future__ import annotations

import argparse

from app.cli.common import EXIT_OK, execute, json_option, print_report, report_exit


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    start = sub.add_parser("start", help="start a run of a published workflow by its id")
    start.add_argument("workflow_id")
    start.add_argument("--input", help="the run's input as JSON")
    start.add_argument(
        "--no-wait", action="store_true", help="answer at once, not when it ends or waits"
    )
    start.add_argument("--key", help="an idempotency key: the same key never starts two runs")
    start.add_argument("--json", action="store_true")
    start.set_defaults(handler=cmd_start)


def cmd_start(args: argparse.Namespace) -> int:
    given = {
        "workflow_id": args.workflow_id,
        "input": json_option(args.input, "input"),
        "wait": not args.no_wait,
        "idempotency_key": args.key,
    }
    report = execute(args.home, "start", given)
    print_report(report, args.json)
    return EXIT_OK if args.no_wait else report_exit(report)
