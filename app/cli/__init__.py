"""The `ren` command line. Each command lives in its own module and registers itself here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from app.cli import (
    common,
    control,
    credentials,
    functions,
    remote_start,
    rerun,
    run,
    runs_purge,
    schedule,
    serve,
    service,
    tokens,
    tray,
    trust,
    users,
    webhook,
    worker,
)
from app.cli.common import ERROR_EXIT, EXIT_FAILED, EXIT_FOLDER, EXIT_INVALID, Usage
from app.engine.lock import EngineBusy
from app.store.errors import DataFolderError

COMMAND_MODULES = (
    run,
    remote_start,
    control,
    rerun,
    runs_purge,
    functions,
    credentials,
    trust,
    schedule,
    webhook,
    worker,
    serve,
    service,
    users,
    tokens,
    tray,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="ren", description="Ren: local visual workflows.")
    parser.add_argument("--home", help="data folder (default: $REN_HOME or the user data folder)")
    parser.add_argument("--url", help="run the command on the Ren at this address ($REN_URL)")
    parser.add_argument("--token", help="an API token for --url ($REN_TOKEN)")
    serve.add_options(parser)  # `ren` alone starts the app
    sub = parser.add_subparsers(dest="command")
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        common.use_remote(args.url, args.token)
        if args.command is None and args.url:
            raise Usage("--url sends a command to another Ren: name one (e.g. ren --url URL runs)")
        if args.command is None:
            return serve.cmd_serve(args)  # `ren` alone starts the app
        code: int = args.handler(args)
        return code
    except Usage as err:
        print(f"ren: {err}", file=sys.stderr)
        return EXIT_INVALID
    except _Loaded.errors() as err:  # the classes are looked up only once something was raised
        return _Loaded.report(err)
    except EngineBusy as err:  # only commands that need the engine itself (`ren worker`)
        print(f"ren: {err}; stop it first, or use another data folder (--home)", file=sys.stderr)
        return EXIT_FOLDER
    except DataFolderError as err:
        print(f"ren: {err}", file=sys.stderr)
        return EXIT_FOLDER


class _Loaded:
    """Errors of modules a command imports only when it needs them (the workflow format, the
    engine's API, accounts, credentials): a command that raised one has loaded them, so they
    cost `ren --help` nothing. Each is reported as `ren: message` (exit 2 unless said below)."""

    MODULES = (
        ("app.core.dsl", "WorkflowFormatError"),
        ("app.api.ops", "OpError"),
        ("app.api.client", "NoServer"),
        ("app.auth.accounts", "AccountError"),
        ("app.credentials.kinds", "CredentialError"),
    )

    @staticmethod
    def errors() -> tuple[type[Exception], ...]:
        """The classes of those modules that are loaded (no other can have been raised)."""
        loaded = [(sys.modules.get(module), name) for module, name in _Loaded.MODULES]
        return tuple(getattr(module, name) for module, name in loaded if module is not None)

    @staticmethod
    def report(err: Exception) -> int:
        ops = sys.modules.get("app.api.ops")
        if ops is not None and isinstance(err, ops.OpError):
            lines = err.problems or [f"ren: {err.message}"]
            print("\n".join(lines), file=sys.stderr)
            return ERROR_EXIT.get(err.kind, EXIT_INVALID)
        print(f"ren: {err}", file=sys.stderr)
        client = sys.modules.get("app.api.client")
        return (
            EXIT_FAILED if client is not None and isinstance(err, client.NoServer) else EXIT_INVALID
        )
