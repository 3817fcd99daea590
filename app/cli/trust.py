"""`ren trust WORKFLOW [--show]`: approve what a workflow's Code and command nodes run.

A workflow imported with Code nodes, command nodes or file nodes that move, overwrite or delete
does not run until a person trusted what they run (app.engine.code_trust). This is that
approval from a terminal: it prints what it trusts (code, or the command as JSON), then
publishes the draft when it has no other problem, so the workflow can run.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from app.cli.common import EXIT_INVALID, EXIT_OK, execute


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    trust = sub.add_parser("trust", help="trust what a workflow's Code, command and file nodes run")
    trust.add_argument("workflow_id")
    trust.add_argument(
        "--show", action="store_true", help="only print the code not trusted yet; trust nothing"
    )
    trust.add_argument("--json", action="store_true")
    trust.set_defaults(handler=cmd_trust)


def cmd_trust(args: argparse.Namespace) -> int:
    if args.show:
        nodes = execute(args.home, "untrusted_code", {"workflow_id": args.workflow_id})
        if args.json:
            print(json.dumps(nodes, ensure_ascii=False))
        else:
            print("\n".join(_code_lines(nodes)) or f"{args.workflow_id}: no untrusted code")
        return EXIT_OK
    report = execute(args.home, "trust", {"workflow_id": args.workflow_id})
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return EXIT_OK if not report["problems"] else EXIT_INVALID
    print("\n".join(_code_lines(report["trusted"])))
    count, total = len(report["trusted"]), report["code_nodes"]
    if total == 0:
        print(f"{args.workflow_id}: no node needs trust (code, commands, file changes)")
    elif all(node.get("type", "code") == "code" for node in report["trusted"]):
        print(f"{args.workflow_id}: trusted the code of {count} Code node(s) ({total} in all)")
    else:
        print(f"{args.workflow_id}: trusted what {count} node(s) run ({total} needing trust)")
    if report["problems"]:
        print("not published: the draft has problems:")
        print("\n".join(f"  - {p}" for p in report["problems"]))
        return EXIT_INVALID
    print(f"published as version {report['version']}: it can run")
    return EXIT_OK


def _code_lines(nodes: list[dict[str, Any]]) -> list[str]:
    lines = []
    for node in nodes:
        kind = node.get("type", "code")
        lines.append(f"--- node '{node['node_id']}' ({kind})")
        lines.extend(f"  {line}" for line in str(node["code"]).splitlines())
    return lines
