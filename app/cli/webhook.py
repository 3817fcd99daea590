"""`ren webhook WORKFLOW [--regenerate]`: a workflow's webhook secret and addresses."""

from __future__ import annotations

import argparse
from typing import Any

from app.cli.common import EXIT_OK, execute, print_json_or


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    webhook = sub.add_parser("webhook", help="show (or regenerate) a workflow's webhook secret")
    webhook.add_argument("workflow_id")
    webhook.add_argument(
        "--regenerate", action="store_true", help="replace the secret (the old one stops working)"
    )
    webhook.add_argument("--json", action="store_true")
    webhook.set_defaults(handler=cmd_webhook)


def cmd_webhook(args: argparse.Namespace) -> int:
    found = execute(
        args.home, "webhook", {"workflow_id": args.workflow_id, "regenerate": args.regenerate}
    )
    print_json_or(found, args.json, _lines)
    return EXIT_OK


def _lines(found: dict[str, Any]) -> list[str]:
    lines = [f"secret: {found['secret']}"]
    if found["version"] is None:
        lines.append("not published yet: its webhook works once it is published")
    elif not found["hooks"]:
        lines.append(f"version {found['version']} has no Webhook trigger")
    for hook in found["hooks"]:
        lines.append(f"{hook['method']} {hook['path']}  (version {found['version']})")
    return lines
