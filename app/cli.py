"""The `ren` command line.

Exit codes: 0 succeeded / valid, 1 failed or canceled, 2 invalid workflow or input,
3 waiting or paused.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.core.dsl import WorkflowFormatError, WorkflowSpec
from app.core.importers import load_workflow_file
from app.engine.events import RunEvent
from app.engine.inputs import input_problems
from app.engine.service import Engine
from app.nodes.functions import REGISTRY, load_functions

EXIT_OK, EXIT_FAILED, EXIT_INVALID, EXIT_STOPPED = 0, 1, 2, 3
MAX_SHOWN = 2000  # characters of a run's output shown in a terminal
STATUS_EXIT = {"succeeded": EXIT_OK, "failed": EXIT_FAILED, "canceled": EXIT_FAILED}


class Usage(Exception):
    """Bad command-line input: printed as one line on stderr, exit 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ren", description="Ren: local visual workflows.")
    parser.add_argument("--home", help="data folder (default: $REN_HOME or the user data folder)")
    sub = parser.add_subparsers(dest="command")

    run = sub.add_parser("run", help="import, validate and run a workflow file")
    run.add_argument("file", type=Path)
    source = run.add_mutually_exclusive_group()
    source.add_argument("--input", help="the run's input as JSON text")
    source.add_argument("--input-file", type=Path, help="a file holding the run's input as JSON")
    _functions_option(run)
    run.add_argument("--json", action="store_true", help="print one JSON object on stdout")

    validate = sub.add_parser("validate", help="list a workflow file's problems")
    validate.add_argument("file", type=Path)
    _functions_option(validate)
    validate.add_argument("--json", action="store_true", help="print the problems as JSON")
    return parser


def _functions_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--functions",
        action="append",
        default=[],
        metavar="PATH_OR_MODULE",
        help="a .py file or module that registers functions (repeatable)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            return asyncio.run(cmd_run(args))
        if args.command == "validate":
            return cmd_validate(args)
        print("Ren's app is not built yet; use `ren run FILE` or `ren validate FILE`.")
        return EXIT_OK
    except Usage as err:
        print(f"ren: {err}", file=sys.stderr)
        return EXIT_INVALID
    except WorkflowFormatError as err:
        print(f"ren: {err}", file=sys.stderr)
        return EXIT_INVALID


def _load(args: argparse.Namespace) -> tuple[WorkflowSpec, list[str]]:
    """Load the functions and the workflow; return the spec and its problems (as lines)."""
    for ref in args.functions:
        try:
            load_functions(ref)
        except Exception as err:
            raise Usage(f"cannot load functions from {ref}: {type(err).__name__}: {err}") from None
    spec = load_workflow_file(args.file)
    from app.core.validate import validate
    from app.nodes.catalog import default_catalog

    problems = validate(spec, default_catalog(), REGISTRY)
    return spec, [f"{args.file}: {p}" for p in problems]


def cmd_validate(args: argparse.Namespace) -> int:
    spec, problems = _load(args)
    if args.json:
        print(json.dumps({"valid": not problems, "problems": problems}, ensure_ascii=False))
    elif problems:
        print("\n".join(problems), file=sys.stderr)
    else:
        print(f"{args.file}: valid ({len(spec.nodes)} nodes, {len(spec.edges)} edges)")
    return EXIT_INVALID if problems else EXIT_OK


def _read_input(args: argparse.Namespace) -> Any:
    if args.input_file is not None:
        try:
            text = args.input_file.read_text(encoding="utf-8")
        except OSError as err:
            raise Usage(f"cannot read --input-file {args.input_file}: {err.strerror}") from None
        where = f"--input-file {args.input_file}"
    elif args.input is not None:
        text, where = args.input, "--input"
    else:
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise Usage(f"{where} is not valid JSON: {err.msg} at column {err.colno}") from None


async def cmd_run(args: argparse.Namespace) -> int:
    spec, problems = _load(args)
    run_input = _read_input(args)
    problems += [f"{args.file}: {p}" for p in input_problems(spec.params, run_input)]
    if problems:  # checked before anything is written
        print("\n".join(problems), file=sys.stderr)
        return EXIT_INVALID
    engine = Engine(args.home)
    await engine.start(recover=False)
    try:
        if spec.id is None:
            spec.id = args.file.stem
        workflow_id = engine.workflows.save(spec)
        engine.workflows.publish(workflow_id)
        if not args.json:
            engine.bus.subscribe(_print_progress)
        run = await engine.run(workflow_id, run_input)
        steps = engine.steps(run.id)
    finally:
        await engine.stop()
    latest: dict[str, Any] = {}
    for step in steps:
        latest[step.node_key] = step
    if args.json:
        print(
            json.dumps(
                {
                    "run_id": run.id,
                    "status": run.status,
                    "output": run.output,
                    "error": run.error,
                    "steps": [
                        {
                            "node_id": s.node_id,
                            "node_key": s.node_key,
                            "status": s.status,
                            "attempt": s.attempt,
                        }
                        for s in latest.values()
                    ],
                },
                ensure_ascii=False,
                default=str,
            )
        )
    else:
        print(f"run {run.id}: {run.status}")
        if run.error:
            print(f"error: {run.error.get('message')}", file=sys.stderr)
        if run.output is not None:
            text = json.dumps(run.output, ensure_ascii=False, indent=2, default=str)
            if len(text) > MAX_SHOWN:
                text = text[:MAX_SHOWN] + f"\n… ({len(text):,} characters in all; --json shows all)"
            print(text)
    return STATUS_EXIT.get(run.status, EXIT_STOPPED)


_MARKS = {
    "step.completed": "ok  ",
    "step.failed": "FAIL",
    "step.skipped": "skip",
    "step.retrying": "retry",
}


def _print_progress(event: RunEvent) -> None:
    mark = _MARKS.get(event.type)
    if mark is None or (event.node_key and "[" in event.node_key):
        return  # loop items would flood the terminal
    detail = f" ({event.data['ms']:.0f} ms)" if "ms" in event.data else ""
    error = f": {event.data['error']}" if event.data.get("error") else ""
    print(f"  {mark} {event.node_key}{detail}{error}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
