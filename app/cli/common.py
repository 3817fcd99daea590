"""What every `ren` command shares: exit codes, errors and loading the user's functions.

Exit codes: 0 succeeded / valid, 1 failed or canceled, 2 invalid workflow or input,
3 waiting or paused, 4 the action is no longer possible.
"""

from __future__ import annotations

import argparse

from app.nodes.functions import load_functions

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_STOPPED, EXIT_GONE = 0, 1, 2, 3, 4
STATUS_EXIT = {"succeeded": EXIT_OK, "failed": EXIT_FAILED, "canceled": EXIT_FAILED}


class Usage(Exception):
    """Bad command-line input: printed as one line on stderr, exit 2."""


def functions_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--functions",
        action="append",
        default=[],
        metavar="PATH_OR_MODULE",
        help="a .py file or module that registers functions (repeatable)",
    )


def load_function_refs(refs: list[str]) -> None:
    for ref in refs:
        try:
            load_functions(ref)
        except Exception as err:
            raise Usage(f"cannot load functions from {ref}: {type(err).__name__}: {err}") from None
