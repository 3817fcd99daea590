"""`ren run FILE` and `ren validate FILE`."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any

from app.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_STOPPED,
    STATUS_EXIT,
    Usage,
    functions_option,
    load_function_refs,
)
from app.core.dsl import WorkflowSpec
from app.core.importers import load_workflow_file
from app.core.validate import validate
from app.engine.events import RunEvent
from app.engine.inputs import input_problems
from app.engine.service import Engine
from app.nodes.catalog import default_catalog
from app.nodes.functions import REGISTRY

MAX_SHOWN = 2000  # characters of a run's output shown in a terminal


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", help="import, validate and run a workflow file")
    run.add_argument("file", type=Path)
    source = run.add_mutually_exclusive_group()
    source.add_argument("--input", help="the run's input as JSON text")
    source.add_argument("--input-file", type=Path, help="a file holding the run's input as JSON")
    functions_option(run)
    run.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    run.set_defaults(handler=lambda args: asyncio.run(cmd_run(args)))

    check = sub.add_parser("validate", help="list a workflow file's problems")
    check.add_argument("file", type=Path)
    functions_option(check)
    check.add_argument("--json", action="store_true", help="print the problems as JSON")
    check.set_defaults(handler=cmd_validate)


def _load(args: argparse.Namespace) -> tuple[WorkflowSpec, list[str]]:
    """Load the functions and the workflow; return the spec and its problems (as lines)."""
    load_function_refs(args.functions)
    spec = load_workflow_file(args.file)
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


def read_json_option(text: str | None, file: Path | None, what: str) -> Any:
    """The value of a `--X JSON` / `--X-file PATH` pair (None when neither is given)."""
    if file is not None:
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as err:
            raise Usage(f"cannot read --{what}-file {file}: {err.strerror}") from None
        where = f"--{what}-file {file}"
    elif text is not None:
        where = f"--{what}"
    else:
        return None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        raise Usage(f"{where} is not valid JSON: {err.msg} at column {err.colno}") from None


async def cmd_run(args: argparse.Namespace) -> int:
    spec, problems = _load(args)
    run_input = read_json_option(args.input, args.input_file, "input")
    run_input = {} if run_input is None else run_input
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
            engine.bus.subscribe(print_progress)
        run = await engine.run(workflow_id, run_input)
        report = run_report(engine, run.id)
    finally:
        await engine.stop()
    print_report(report, args.json)
    return STATUS_EXIT.get(report["status"], EXIT_STOPPED)


def run_report(engine: Engine, run_id: str) -> dict[str, Any]:
    """What `ren run --json` prints: the run and the latest attempt of each step."""
    run = engine.get_run(run_id)
    latest: dict[str, Any] = {}
    for step in engine.steps(run_id):
        latest[step.node_key] = step
    return {
        "run_id": run.id,
        "status": run.status,
        "output": run.output,
        "error": run.error,
        "steps": [
            {"node_id": s.node_id, "node_key": s.node_key, "status": s.status, "attempt": s.attempt}
            for s in latest.values()
        ],
    }


def print_report(report: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(report, ensure_ascii=False, default=str))
        return
    print(f"run {report['run_id']}: {report['status']}")
    if report["error"]:
        print(f"error: {report['error'].get('message')}", file=sys.stderr)
    if report["output"] is not None:
        text = json.dumps(report["output"], ensure_ascii=False, indent=2, default=str)
        if len(text) > MAX_SHOWN:
            text = text[:MAX_SHOWN] + f"\n… ({len(text):,} characters in all; --json shows all)"
        print(text)


_MARKS = {
    "step.completed": "ok  ",
    "step.failed": "FAIL",
    "step.skipped": "skip",
    "step.retrying": "retry",
}


def print_progress(event: RunEvent) -> None:
    mark = _MARKS.get(event.type)
    if mark is None or (event.node_key and "[" in event.node_key):
        return  # loop items would flood the terminal
    detail = f" ({event.data['ms']:.0f} ms)" if "ms" in event.data else ""
    error = f": {event.data['error']}" if event.data.get("error") else ""
    print(f"  {mark} {event.node_key}{detail}{error}", file=sys.stderr)
