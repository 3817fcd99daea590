"""`ren worker`: run the engine and the scheduler headless, and take other commands' actions."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from app.api.bodies import DEFAULT_SERVER_LIMIT
from app.api.server import serve_api
from app.cli.common import EXIT_OK, Usage, functions_option
from app.cli.run import load_function_refs
from app.cli.serve import access_options, port_free
from app.engine.service import Engine

IDLE_CHECK_S = 0.1
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
    access_options(worker)
    functions_option(worker)
    worker.set_defaults(handler=cmd_worker)


def cmd_worker(args: argparse.Namespace) -> int:
    port: int = args.worker_port
    if not 0 <= port < 65536:
        raise Usage(f"--port {port} is not a port number (1 to 65535)")
    if port and not port_free(HOST, port):
        raise Usage(f"port {port} on {HOST} is already in use; choose another with --port")
    load_function_refs(args.functions)
    access = (tuple(args.allow_hosts), args.max_body)
    return asyncio.run(work(args.home, args.until_idle, port, *access))


async def work(
    home: str | None,
    until_idle: bool,
    port: int = 0,
    allow_hosts: tuple[str, ...] = (),
    max_body: int = DEFAULT_SERVER_LIMIT,
) -> int:
    engine = Engine(home, watch_functions=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    if sys.platform != "win32":
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
    await engine.start(recover=True)
    server = await serve_api(engine, HOST, port, allow_hosts, max_body)
    where = f"http://{HOST}:{server.config.port}"
    print(
        f"ren worker: serving {engine.folder.root} (webhooks at {where}/hooks/...)",
        file=sys.stderr,
        flush=True,
    )
    try:
        if until_idle:
            while not stop.is_set() and not engine.idle():
                await asyncio.sleep(IDLE_CHECK_S)
        else:
            await stop.wait()
    except KeyboardInterrupt:  # Windows has no signal handlers on the loop
        pass
    finally:
        server.should_exit = True
        await engine.stop()
    return EXIT_OK
