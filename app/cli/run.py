"""`ren run FILE` and `ren validate FILE`."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.cli.common import (
    ERROR_EXIT,
    EXIT_INVALID,
    EXIT_OK,
    Usage,
    execute,
    functions_option,
    print_report,
    report_exit,
)

if TYPE_CHECKING:  # the rest is imported where used: `ren --help` loads none of it
    from app.engine.events import RunEvent


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", help="import, validate and run a workflow file")
    run.add_argument("file", type=Path)
    source = run.add_mutually_exclusive_group()
    source.add_argument("--input", help="the run's input as JSON text")
    source.add_argument("--input-file", type=Path, help="a file holding the run's input as JSON")
    functions_option(run)
    run.add_argument("--json", action="store_true", help="print one JSON object on stdout")
    run.set_defaults(handler=cmd_run)

    check = sub.add_parser("validate", help="list a workflow file's problems")
    check.add_argument("file", type=Path)
    functions_option(check)
    check.add_argument("--json", action="store_true", help="print the problems as JSON")
    check.set_defaults(handler=cmd_validate)


def load_function_refs(refs: list[str]) -> list[str]:
    """Import the functions here (so problems show at once); return them as absolute refs."""
    from app.nodes.functions import load_functions

    resolved = []
    for ref in refs:
        try:
            load_functions(ref)
        except Exception as err:
            raise Usage(f"cannot load functions from {ref}: {type(err).__name__}: {err}") from None
        path = Path(ref)
        resolved.append(str(path.resolve()) if path.is_file() else ref)
    return resolved


def cmd_validate(args: argparse.Namespace) -> int:
    if not args.json:
        return _validate(args)
    try:
        with _json_on_error(args, {"valid": False, "details": []}):
            return _validate(args)
    except _Printed as printed:
        return printed.code
    return EXIT_INVALID


def _validate(args: argparse.Namespace) -> int:
    from app.cli.functions import home_library
    from app.core.dsl import read_json_file
    from app.core.importers import import_workflow
    from app.core.validate import validate
    from app.nodes.catalog import default_catalog

    load_function_refs(args.functions)
    spec = import_workflow(read_json_file(args.file), str(args.file))
    library = home_library(args.home)  # the folder's functions, over --functions
    found = validate(spec, default_catalog(), library)
    problems = [f"{args.file}: {p}" for p in found]
    if args.json:
        print(
            json.dumps(
                {
                    "valid": not problems,
                    "problems": problems,
                    "details": [p.to_dict() for p in found],
                },
                ensure_ascii=False,
            )
        )
    elif problems:
        print("\n".join(problems), file=sys.stderr)
    else:
        print(f"{args.file}: valid ({len(spec.nodes)} nodes, {len(spec.edges)} edges)")
    return EXIT_INVALID if problems else EXIT_OK


class _Printed(Exception):
    """The error was printed as JSON; the command ends with `code`."""

    def __init__(self, code: int) -> None:
        self.code = code


@contextmanager
def _json_on_error(args: argparse.Namespace, base: dict[str, Any]) -> Iterator[None]:
    """With --json, an invalid file, input or workflow still prints exactly one JSON object
    on stdout (`base` plus `error` and `problems`); the problems go to stderr as well."""
    from app.core.dsl import WorkflowFormatError

    try:
        yield
    except Exception as err:
        ops = sys.modules.get("app.api.ops")  # imported only by commands that ran something
        is_op = ops is not None and isinstance(err, ops.OpError)
        if not (is_op or isinstance(err, Usage | WorkflowFormatError)):
            raise
        if is_op:  # app.api.ops.OpError: kind, message, problems
            message = str(getattr(err, "message", err))
            problems = list(getattr(err, "problems", None) or [message])
            code = ERROR_EXIT.get(str(getattr(err, "kind", "")), EXIT_INVALID)
        elif isinstance(err, WorkflowFormatError):
            message, problems = f"{err.source} is not a workflow Ren can read", [str(err)]
            code = EXIT_INVALID
        else:
            message, problems, code = str(err), [str(err)], EXIT_INVALID
        print(json.dumps({**base, "error": {"message": message}, "problems": problems}))
        print("\n".join(problems), file=sys.stderr)
        raise _Printed(code) from None


def read_input(args: argparse.Namespace) -> Any:
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
    from app.core import json_shape
    from app.core.dsl import WorkflowFormatError, check_document

    try:
        value = json_shape.loads(text)
        check_document(value, where)  # too deep, or text that is not valid Unicode
    except json.JSONDecodeError as err:
        raise Usage(f"{where} is not valid JSON: {err.msg} at column {err.colno}") from None
    except WorkflowFormatError as err:
        raise Usage(str(err)) from None
    except ValueError as err:  # nested too deeply for the parser
        raise Usage(f"{where}: {err}") from None
    return value


def cmd_run(args: argparse.Namespace) -> int:
    if not args.json:
        return _run(args)
    try:
        with _json_on_error(args, {"run_id": None, "status": "invalid"}):
            return _run(args)
    except _Printed as printed:
        return printed.code
    return EXIT_INVALID


def _run(args: argparse.Namespace) -> int:
    from app.core.dsl import read_json_file
    from app.core.importers import import_workflow

    functions = load_function_refs(args.functions)
    document = read_json_file(args.file)
    import_workflow(document, str(args.file))  # a bad file is reported before anything runs
    run_input = read_input(args)
    report = execute(
        args.home,
        "run_document",
        {
            "document": document,
            "source": str(args.file),
            "input": run_input,
            "functions": functions,
        },
        on_event=None if args.json else print_progress,
    )
    print_report(report, args.json)
    return report_exit(report)


_MARKS = {
    "step.completed": "ok  ",
    "step.failed": "FAIL",
    "step.skipped": "skip",
    "step.retrying": "retry",
    "step.waiting": "wait",
}


def print_progress(event: RunEvent) -> None:
    mark = _MARKS.get(event.type)
    if mark is None or (event.node_key and "[" in event.node_key):
        return  # loop items would flood the terminal
    detail = f" ({event.data['ms']:.0f} ms)" if "ms" in event.data else ""
    error = f": {event.data['error']}" if event.data.get("error") else ""
    print(f"  {mark} {event.node_key}{detail}{error}", file=sys.stderr)
