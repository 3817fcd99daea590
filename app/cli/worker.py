"""`ren worker`: run the engine and the scheduler headless, and take other commands' actions."""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from app.auth.mode import NoAdmin, check_can_serve
from app.cli.common import EXIT_OK, Usage, functions_option
from app.cli.run import load_function_refs
from app.cli.serve import access_options, port_free
from app.cli.stopping import StopDeadline, on_stop_signals
from app.core.json_values import BadLimitSetting, max_output_bytes
from app.core.sizes import DEFAULT_SERVER_LIMIT
from app.engine.paths import DataFolder

if TYPE_CHECKING:
    from app.engine.service import Engine

IDLE_CHECK_S = 0.1
APP_STOP_S = 10.0  # the app's server stops (and stops the engine) within this
HOST = "127.0.0.1"


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    worker = sub.add_parser("worker", help="run the engine and schedules until stopped")
    worker.add_argument(
        "--until-idle",
        action="store_true",
        help="stop once no run can advance now (runs left waiting stay asleep)",
    )
    worker.add_argument(
        "--port",
        dest="worker_port",
        type=int,
        default=0,
        help="port on 127.0.0.1 for webhooks and other `ren` commands (default: a free one)",
    )
    worker.add_argument(
        "--no-tray", action="store_true", help="no tray / menu-bar icon (it needs a desktop)"
    )
    access_options(worker)
    functions_option(worker)
    worker.set_defaults(handler=cmd_worker)


def cmd_worker(args: argparse.Namespace) -> int:
    port: int = args.worker_port
    if not 0 <= port < 65536:
        raise Usage(f"--port {port} is not a port number (1 to 65535)")
    if port and not port_free(HOST, port):
        raise Usage(f"port {port} on {HOST} is already in use; choose another with --port")
    try:
        max_output_bytes()  # a bad setting is refused now, not at the first step
    except BadLimitSetting as err:
        raise Usage(str(err)) from None
    load_function_refs(args.functions)
    try:  # REN_REQUIRE_ACCOUNTS=1: only with an admin account (app.auth.mode)
        check_can_serve(HOST, DataFolder.resolve(args.home).db_path)
    except NoAdmin as err:
        raise Usage(str(err)) from None
    access = (tuple(args.allow_hosts), args.max_body)
    tray = not (args.no_tray or args.until_idle)
    return asyncio.run(work(args.home, args.until_idle, port, *access, tray=tray))


async def work(
    home: str | None,
    until_idle: bool,
    port: int = 0,
    allow_hosts: tuple[str, ...] = (),
    max_body: int = DEFAULT_SERVER_LIMIT,
    *,
    tray: bool = False,
) -> int:
    from app.api.server import free_port, serve_api  # here: other commands need no server
    from app.engine.service import Engine

    engine = Engine(home, watch_functions=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    deadline = StopDeadline("ren worker")

    def request_stop() -> None:
        deadline.arm()
        loop.call_soon_threadsafe(stop.set)

    on_stop_signals(request_stop)
    await engine.start(recover=True)
    if until_idle:  # a batch: the local API and webhooks only
        server = await serve_api(engine, HOST, port, allow_hosts, max_body)
        app_task: asyncio.Task[None] | None = None
    else:  # always on: the app's pages too, so `ren` and `ren --native` attach to this process
        from app.ui.headless import serve_app  # NiceGUI loads only here

        server, app_task = await serve_app(
            engine, HOST, port or free_port(HOST), allow_hosts, max_body
        )
    on_stop_signals(request_stop)  # again: the server took the signals over
    where = f"http://{HOST}:{server.config.port}"
    app_at = "" if until_idle else f"; the app at {where}"
    print(
        f"ren worker: serving {engine.folder.root} (webhooks at {where}/hooks/...{app_at})",
        file=sys.stderr,
        flush=True,
    )
    # in the background: the tray's state (and its icon, unless --no-tray)
    icon = None if until_idle else _start_tray(engine, where, request_stop, tray)
    try:
        if until_idle:
            while not stop.is_set() and not engine.idle():
                await asyncio.sleep(IDLE_CHECK_S)
        else:
            await stop.wait()
    except KeyboardInterrupt:  # Windows has no signal handlers on the loop
        pass
    finally:
        if icon is not None:
            icon.stop()
        server.should_exit = server.force_exit = True  # no waiting for open requests
        if app_task is None:
            await engine.stop()
        else:
            await _stop_app(app_task, engine)
        deadline.finished()  # what is left (a coroutine that ignores cancellation) cannot hold us
        print(f"ren worker: stopped{_left_behind()}", file=sys.stderr, flush=True)
    return EXIT_OK


def _start_tray(engine: Engine, url: str, quit_ren: Callable[[], object], icon: bool) -> Any:
    """The tray's state, and its icon's process, while the worker runs (app.ui.tray_process)."""
    from app.ui.tray_process import start_tray

    return start_tray(engine, url, quit_ren, show_icon=icon)


async def _stop_app(app_task: asyncio.Task[None], engine: Engine) -> None:
    """The app's shutdown stops the engine; if the server did not get that far, stop it here."""
    from app.ui import runtime

    await asyncio.wait([app_task], timeout=APP_STOP_S)
    if not app_task.done():
        app_task.cancel()
    if runtime.running():
        await engine.stop()
        runtime.adopt(None)


def _left_behind() -> str:
    from app.nodes.sync_calls import abandoned_calls

    calls = len(abandoned_calls())
    if not calls:
        return "."
    return f"; {calls} sync function call(s) still running were abandoned (they end with it)."
