"""`ren` (or `ren serve`): start the app and open it in the browser or in a desktop window."""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import signal
import socket
import sys
import time
import webbrowser

from app.auth.mode import NoAdmin, check_can_serve
from app.cli.common import EXIT_OK, Usage, functions_option
from app.cli.stopping import StopDeadline, on_stop_signals
from app.core.sizes import DEFAULT_SERVER_LIMIT, parse_size
from app.engine.lock import EngineBusy, FolderLock
from app.engine.paths import DataFolder
from app.nodes.functions import load_functions

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8710
ATTACH_WAIT_S = 15.0  # how long `ren` waits for a starting process to say where it serves
ATTACH_POLL_S = 0.2


def add_options(parser: argparse.ArgumentParser) -> None:
    """The app's options; on the top-level parser too, so that `ren --port 9000` works."""
    group = parser.add_argument_group("the app (`ren` with no command)")
    group.add_argument(
        "--host", default=DEFAULT_HOST, help=f"address to listen on ({DEFAULT_HOST})"
    )
    group.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port ({DEFAULT_PORT})")
    group.add_argument("--no-browser", action="store_true", help="do not open a browser tab")
    group.add_argument(
        "--native", action="store_true", help="open a desktop window (needs the `native` extra)"
    )
    access_options(group)
    functions_option(parser)


def access_options(group: argparse._ActionsContainer) -> None:
    """Which host names the server answers to, and the largest request body (app and worker)."""
    group.add_argument(
        "--allow-host",
        dest="allow_hosts",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests for this host name or address (repeatable); loopback "
        "names and --host are always allowed",
    )
    group.add_argument(
        "--max-body",
        type=size_option,
        default=DEFAULT_SERVER_LIMIT,
        metavar="SIZE",
        help="largest request body on any route, e.g. 16M (default 16M); webhooks take at "
        "most their node's max_body_bytes (default 1M)",
    )


def size_option(text: str) -> int:
    try:
        return parse_size(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = sub.add_parser("serve", help="start the app (what `ren` alone does)")
    add_options(serve)
    serve.set_defaults(handler=cmd_serve)


def cmd_serve(args: argparse.Namespace) -> int:
    if args.native:
        _check_native()
    if not 0 < args.port < 65536:
        raise Usage(f"--port {args.port} is not a port number (1 to 65535)")
    for ref in args.functions:
        try:
            load_functions(ref)
        except Exception as err:
            raise Usage(f"cannot load functions from {ref}: {type(err).__name__}: {err}") from None
    folder = DataFolder.resolve(args.home)
    running = _running_app(folder)
    if running is not None:  # attach: one process serves a data folder, windows are its clients
        print(f"Ren is already running for {folder.root} at {running}.", flush=True)
        if args.native:
            from app.ui import window

            return window.open_on(running)  # closing this window leaves that process running
        if not args.no_browser:
            webbrowser.open(running)
        return EXIT_OK
    if not port_free(args.host, args.port):
        raise Usage(
            f"port {args.port} on {args.host} is already in use; "
            f"start Ren on another one with --port (e.g. --port {args.port + 1})"
        )
    try:  # on the network, only with accounts (app.auth.mode)
        check_can_serve(args.host, folder.db_path)
    except NoAdmin as err:
        raise Usage(str(err)) from None
    from nicegui import app

    from app.ui import window
    from app.ui.main import serve  # NiceGUI loads only for this command
    from app.ui.window_host import WindowHost

    signal.signal(signal.SIGTERM, _stop)  # a stop signal ends Ren as Ctrl+C does
    _bound_the_stop(StopDeadline("ren", farewell="Ren stopped."))
    host = None
    if args.native:  # the window is a child process; closing it may leave Ren running
        local = "127.0.0.1" if args.host in ("0.0.0.0", "::", "localhost") else args.host
        host = WindowHost(f"http://{local}:{args.port}")
        window.prepare()
        app.on_startup(host.open)
    # uvicorn shuts the server down on Ctrl+C, then raises the signal again: that is the end
    with contextlib.suppress(KeyboardInterrupt):
        serve(
            host=args.host,
            port=args.port,
            show=not args.no_browser and not args.native,
            home=folder.root,
            allow_hosts=tuple(args.allow_hosts),
            max_body=args.max_body,
        )
    if host is not None:
        host.close()
    print("Ren stopped.", flush=True)
    if args.native:
        window.close_and_exit(EXIT_OK)
    return EXIT_OK


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _bound_the_stop(deadline: StopDeadline) -> None:
    """Ren ends within seconds of a stop signal, even if a function blocks or ignores it."""
    from nicegui import app

    def started() -> None:  # the web server handles signals now: ours run first
        on_stop_signals(deadline.arm, chain=True)
        app.on_shutdown(lambda: deadline.finished(only_if_armed=True))  # after the engine's

    app.on_startup(started)


def _check_native() -> None:
    """A desktop window needs pywebview, and on Linux a web engine for it (Qt or GTK)."""
    install = "pip install 'ren[native]' (from a clone: pip install -e '.[native]')"
    if importlib.util.find_spec("webview") is None:
        raise Usage(f"--native needs pywebview: {install}, or run `ren` without --native")
    backends = ("qtpy", "gi")
    if sys.platform == "linux" and not any(importlib.util.find_spec(b) for b in backends):
        raise Usage(
            f"--native on Linux needs Qt or GTK for pywebview: {install} installs Qt "
            "(PyQt6-WebEngine); or run `ren` without --native"
        )


def _running_app(folder: DataFolder) -> str | None:
    """The address of the Ren app that already serves this data folder, if one does.
    A process that holds the folder but has not said where it serves yet is starting: wait."""
    lock = FolderLock(folder.root)
    waited = 0.0
    while True:
        try:
            lock.acquire()
        except EngineBusy as busy:
            url = busy.holder.get("ui")
            if isinstance(url, str):
                return url
            # its API answers but it serves no pages (a batch worker): no use waiting
            serves_api_only = "token" in busy.holder
            if serves_api_only or waited >= ATTACH_WAIT_S:
                raise Usage(
                    f"{busy} without the app (e.g. `ren worker --until-idle`); open Ren once it "
                    "has finished, or use another data folder with --home"
                ) from None
            time.sleep(ATTACH_POLL_S)
            waited += ATTACH_POLL_S
        else:
            lock.release()
            return None


def port_free(host: str, port: int) -> bool:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True
