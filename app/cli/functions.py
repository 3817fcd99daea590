"""`ren functions list|add|remove|check|install`: the data folder's function library.

These commands work on the files of `<data folder>/functions/`; a running app or `ren worker`
watches that folder and picks the change up by itself, so no engine is needed here.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from app.cli.common import EXIT_FAILED, EXIT_INVALID, EXIT_OK, Usage
from app.engine.paths import DataFolder
from app.nodes.library import FunctionLibrary, Snapshot, library_folder, load_folder
from app.nodes.library_deps import (
    FileNeeds,
    all_missing,
    folder_needs,
    install_command,
    missing_requirements,
)
from app.nodes.library_edit import LibraryError, add_file, remove


def home_library(home: str | None) -> FunctionLibrary:
    """The functions a command on the data folder `home` sees (its library loaded once)."""
    library = FunctionLibrary(library_folder(DataFolder.resolve(home).root))
    library.reload()
    return library


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    functions = sub.add_parser(
        "functions", help="the data folder's function library (functions/*.py)"
    )
    actions = functions.add_subparsers(dest="functions_command", required=True)
    listing = actions.add_parser("list", help="every function: name, signature, file, summary")
    listing.add_argument("--json", action="store_true", help="print one JSON array")
    listing.set_defaults(handler=cmd_list)
    add = actions.add_parser("add", help="check a .py file and copy it into the library")
    add.add_argument("file", type=Path)
    add.add_argument("--replace", action="store_true", help="replace a file of the same name")
    add.set_defaults(handler=cmd_add)
    rm = actions.add_parser("remove", help="remove a library file (by its name or its function)")
    rm.add_argument("target", metavar="NAME|FILE")
    rm.set_defaults(handler=cmd_remove)
    check = actions.add_parser("check", help="import every file; list problems (exit 2 on any)")
    check.set_defaults(handler=cmd_check)
    install = actions.add_parser(
        "install", help="install the packages library files declare (PEP 723) after asking"
    )
    install.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    install.set_defaults(handler=cmd_install)


def _folder(args: argparse.Namespace) -> Path:
    return library_folder(DataFolder.resolve(args.home).root)


def function_rows(snapshot: Snapshot) -> list[dict[str, Any]]:
    rows = []
    for info in sorted(snapshot.functions.values(), key=lambda f: f.name):
        rows.append(
            {
                "name": info.name,
                "signature": info.signature(),
                "file": Path(info.file).name,
                "line": getattr(getattr(info.fn, "__code__", None), "co_firstlineno", None),
                "async": info.is_async,
                "description": info.description.split("\n")[0],
            }
        )
    return rows


def _print_problems(snapshot: Snapshot, needs: list[FileNeeds] | None = None) -> int:
    """Print the library's problems, missing packages included; how many there are."""
    for problem in snapshot.problems:
        print(f"ren: functions/{problem}", file=sys.stderr)
    count = len(snapshot.problems)
    for need in needs or []:
        if need.problem:
            print(f"ren: functions/{need.file.name}: {need.problem}", file=sys.stderr)
        if need.missing:
            print(f"ren: functions/{need.file.name}: {need.missing_message()}", file=sys.stderr)
        count += bool(need.problem or need.missing)
    return count


def cmd_list(args: argparse.Namespace) -> int:
    snapshot = load_folder(_folder(args))
    rows = function_rows(snapshot)
    if args.json:
        print(json.dumps(rows, ensure_ascii=False))
    elif not rows:
        print(f"(no functions in {_folder(args)}; add one with `ren functions add FILE`)")
    else:
        for row in rows:
            summary = f"  {row['description']}" if row["description"] else ""
            print(f"{row['name']}{row['signature']}  [{row['file']}:{row['line']}]{summary}")
    _print_problems(snapshot, folder_needs(_folder(args)))
    return EXIT_OK


def cmd_add(args: argparse.Namespace) -> int:
    try:
        checked = add_file(_folder(args), args.file, replace=args.replace)
    except LibraryError as err:
        raise Usage(str(err)) from None
    names = ", ".join(sorted(checked.functions))
    print(f"added {args.file.name} to the library: {names}")
    return EXIT_OK


def cmd_remove(args: argparse.Namespace) -> int:
    try:
        name, functions = remove(_folder(args), args.target)
    except LibraryError as err:
        raise Usage(str(err)) from None
    gone = f" ({', '.join(functions)})" if functions else ""
    print(f"removed {name} from the library{gone}")
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    snapshot = load_folder(_folder(args))
    if _print_problems(snapshot, folder_needs(_folder(args))):
        return EXIT_INVALID
    print(f"{len(snapshot.functions)} functions in {len(snapshot.files)} files: all load")
    return EXIT_OK


def cmd_install(args: argparse.Namespace) -> int:
    """Show what the library files need, ask, then run pip in Ren's environment."""
    needs = folder_needs(_folder(args))
    for need in needs:
        if need.problem:
            print(f"ren: functions/{need.file.name}: {need.problem}", file=sys.stderr)
    missing = all_missing(needs)
    if not missing:
        print("every package the library files declare is installed")
        return EXIT_OK
    print(f"packages to install into Ren's environment ({sys.prefix}):")
    for need in needs:
        if need.missing:
            print(f"  {need.file.name}: {', '.join(need.missing)}")
    if not args.yes:
        try:
            answer = input("Install them with pip? [y/N] ")
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            print("nothing installed")
            return EXIT_FAILED
    sys.stdout.flush()
    code = subprocess.run(install_command(missing), check=False).returncode  # pip's own output
    still = missing_requirements(missing)
    if code != 0 or still:
        print(
            f"ren: pip failed (exit code {code}); still missing: {', '.join(still)}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    for need in needs:  # a running app or worker reloads these files, now that they can load
        if need.missing:
            need.file.touch()
    print(f"installed: {', '.join(missing)}")
    return EXIT_OK
