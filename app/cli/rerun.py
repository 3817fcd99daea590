"""`ren rerun RUN --from NODE [--input JSON]`: re-run an ended run from one of its nodes.

The new run reuses the old run's outputs of every node before NODE (they are not run again)
and starts at NODE with the input it had in the old run, or with --input (app.engine.rerun).
"""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.common import execute, json_option, print_report, report_exit


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    rerun = sub.add_parser(
        "rerun", help="re-run an ended run from a node, reusing the outputs before it"
    )
    rerun.add_argument("run_id")
    rerun.add_argument("--from", dest="node_id", required=True, metavar="NODE", help="node id")
    rerun.add_argument("--input", help="the node's new input as JSON (default: its old input)")
    rerun.add_argument("--json", action="store_true")
    rerun.set_defaults(handler=cmd_rerun)


def cmd_rerun(args: argparse.Namespace) -> int:
    payload: dict[str, Any] = {"run_id": args.run_id, "node_id": args.node_id}
    if args.input is not None:
        payload["input"] = json_option(args.input, "input")
    report = execute(args.home, "rerun", payload)
    if not args.json:
        print(f"re-run of {args.run_id} from {args.node_id}")
    print_report(report, args.json)
    return report_exit(report)
