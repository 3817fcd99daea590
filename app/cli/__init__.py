"""The `ren` command line. Each command lives in its own module and registers itself here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from app.cli import run
from app.cli.common import EXIT_INVALID, Usage
from app.core.dsl import WorkflowFormatError

COMMAND_MODULES = (run,)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ren", description="Ren: local visual workflows.")
    parser.add_argument("--home", help="data folder (default: $REN_HOME or the user data folder)")
    sub = parser.add_subparsers(dest="command")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command is None:
            print("Ren's app is not built yet; use `ren run FILE` or `ren validate FILE`.")
            return 0
        code: int = args.handler(args)
        return code
    except (Usage, WorkflowFormatError) as err:
        print(f"ren: {err}", file=sys.stderr)
        return EXIT_INVALID
