"""Running a function in a separate process: a timeout or a cancel kills it for real.

A sync function that runs in Ren's process (app.nodes.sync_calls) can only be abandoned when it
hangs: threads cannot be killed. `call_isolated` runs it in a worker process instead, so a
timeout or a cancel ends the process, and a memory limit can be set.

Why pebble: its `ProcessPool` keeps warm worker processes (a call costs a round trip, about
0.2 ms, instead of spawning a process, 45–80 ms), and cancelling a running task or passing its
timeout terminates that worker and starts a fresh one, leaving the pool usable. The standard
`ProcessPoolExecutor` cannot stop a running task and breaks for good when a worker dies; a
hand-written `multiprocessing` pool would have to rebuild what pebble already does and tests.
Workers are started with `spawn` on every platform: `fork` copies a process that runs threads
(unsafe), and `spawn` behaves the same on Linux, macOS and Windows.

What the worker runs, `IsolatedTarget`, is named so another process can find it:
- a function from a file (a library file or a `--functions` file): the worker imports the file
  itself (again when it changes) and takes the function registered under `name`;
- a function from an importable module (`--functions mypkg.funcs`): imported by module name;
- source text (`source`, e.g. a Code node's code): the worker runs the text as a module and
  calls its global `name`.
A function defined only in a notebook cell or in the `__main__` script has no file another
process can import: `target_for` returns None for it, and validation says so.

The Code node (or any other caller) uses it like this::

    target = IsolatedTarget(name="_code", source="def _code(state, args):\\n    return ...")
    output = await call_isolated(target, state, {"args": args}, context=isolated_context(ctx),
                                 memory_mb=config.memory_mb)

The call is awaited like any other: cancelling the awaiting task (the step's `timeout_s`, a
cancel, Ren stopping) kills the worker. The value comes back pickled, so an int stays an int;
the engine checks afterwards that it is JSON data. An exception raised by the function comes
back as `IsolatedError` with its type and message, and its traceback as the cause.

`ctx` in the worker is an `IsolatedContext`: the step's identity (run, node, attempt and the
idempotency key), the run's params, loop variables and the run's data folder. `ctx.log`,
`ctx.progress` and the outputs of other nodes (`ctx.nodes`, `ctx.upstream`) are not available
there; `ctx.checkpoint()` does nothing, since a cancel kills the process anyway.

Memory: on POSIX the worker lowers its address-space limit (RLIMIT_AS) to `memory_mb` for the
call and raises it back afterwards; the limit counts the whole worker process, the Python
interpreter included (about 20–30 MB before the function imports anything). Going past it
raises MemoryError in the function, reported as "the function used more than N MB". Windows has
no such limit: there `memory_mb` is not enforced, and a warning is logged once.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import hashlib
import importlib
import inspect
import logging
import os
import pickle
import sys
import threading
import traceback
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.nodes.functions import REGISTRY, FunctionInfo

if TYPE_CHECKING:
    from pebble import ProcessPool

log = logging.getLogger(__name__)

WORKERS = max(1, min(4, os.cpu_count() or 1))  # isolated calls running at once; more wait
_NOT_IMPORTABLE = ("__main__", "__mp_main__", "builtins", "")
_FILE_MODULES = ("ren_functions_", "ren_library_")  # files imported under made-up names


@dataclass(frozen=True)
class IsolatedTarget:
    """What a worker process runs: a registered function found by its file or module, or a
    global function of some source text."""

    name: str  # the registered name (file, module) or the global's name (source)
    file: str = ""
    module: str = ""
    attr: str = ""  # the function's qualified name in `module`
    source: str = ""

    def __str__(self) -> str:
        return f"'{self.name}'"


@dataclass(frozen=True)
class IsolatedContext:
    """The plain, picklable part of a step context that a function gets as `ctx` in its
    worker process (see the module docstring for what is not available)."""

    run_id: str
    node_id: str
    node_key: str
    attempt: int
    params: Mapping[str, Any] = field(default_factory=dict)
    loop_vars: Mapping[str, Any] = field(default_factory=dict)
    data_dir: Path = Path(".")
    pause_requested: bool = False
    cancel_requested: bool = False

    @property
    def idempotency_key(self) -> str:
        """`run:node_key:attempt` — hand it to anything with side effects."""
        return f"{self.run_id}:{self.node_key}:{self.attempt}"

    def checkpoint(self) -> None:
        """Nothing to do: a cancel kills the worker process."""


class IsolatedError(Exception):
    """The function raised in its worker process: `<type>: <message>`."""


class RemoteTraceback(Exception):
    """The worker's traceback, attached as the cause of an IsolatedError."""

    def __str__(self) -> str:
        return "\n" + str(self.args[0])


class IsolationUnavailable(RuntimeError):
    """The function cannot be found from another process."""


def target_for(info: FunctionInfo) -> IsolatedTarget | None:
    """How a worker process finds this function; None when it cannot (a notebook cell)."""
    if info.file:
        return IsolatedTarget(info.name, file=info.file)
    module = sys.modules.get(info.module)
    if info.module in _NOT_IMPORTABLE or module is None:
        return None
    if not info.module.startswith(_FILE_MODULES):  # imported by name: workers get sys.path
        return IsolatedTarget(info.name, module=info.module, attr=info.fn.__qualname__)
    file = getattr(module, "__file__", None)
    return IsolatedTarget(info.name, file=str(file)) if file else None


def isolated_context(ctx: Any) -> IsolatedContext:
    """The picklable subset of a StepContext (app.nodes.context)."""
    return IsolatedContext(
        run_id=ctx.run_id,
        node_id=ctx.node_id,
        node_key=ctx.node_key,
        attempt=ctx.attempt,
        params=dict(ctx.params),
        loop_vars=dict(ctx.loop_vars),
        data_dir=Path(ctx.data_dir),
    )


# -- in the worker process -------------------------------------------------------------------


@dataclass(frozen=True)
class _Request:
    target: IsolatedTarget
    state: Any
    kwargs: dict[str, Any]
    context: IsolatedContext | None
    memory_mb: int | None


@dataclass(frozen=True)
class _Reply:
    value: bytes = b""  # the pickled result
    error: tuple[str, str, str] | None = None  # (type, message, traceback)


_loaded: dict[tuple[Any, ...], Callable[..., Any]] = {}


def _load(target: IsolatedTarget) -> Callable[..., Any]:
    if target.source:
        key: tuple[Any, ...] = ("source", hashlib.sha256(target.source.encode()).hexdigest())
    elif target.file:
        stat = os.stat(target.file)
        key = ("file", target.file, stat.st_mtime_ns, stat.st_size)  # changed: import again
    else:
        key = ("module", target.module)
    key += (target.name, target.attr)
    fn = _loaded.get(key)
    if fn is None:
        fn = _loaded[key] = _find(target)
    return fn


def _find(target: IsolatedTarget) -> Callable[..., Any]:
    if target.source:
        module = types.ModuleType(f"ren_isolated_{target.name}")
        exec(compile(target.source, f"<{target.name}>", "exec"), module.__dict__)
        fn = module.__dict__.get(target.name)
        if not callable(fn):
            raise LookupError(f"the code defines no function '{target.name}'")
        return fn  # type: ignore[no-any-return]
    if target.file:
        from app.nodes.library import import_source

        path = Path(target.file)
        functions, problem = import_source(path.read_text(encoding="utf-8"), path)
        if problem is not None:
            raise ImportError(str(problem))
        info = functions.get(target.name)
        if info is None:
            raise LookupError(f"{path.name} no longer registers function '{target.name}'")
        return info.fn
    found: Any = importlib.import_module(target.module)
    for part in target.attr.split(".") if target.attr else ():
        found = getattr(found, part, None)
    if callable(found):
        return found  # type: ignore[no-any-return]
    info = REGISTRY.get(target.name)
    if info is None:
        raise LookupError(f"module {target.module} registers no function '{target.name}'")
    return info.fn


def _limit_memory(mb: int | None) -> None:
    if sys.platform == "win32":
        return
    import resource

    hard = resource.getrlimit(resource.RLIMIT_AS)[1]
    soft = hard if mb is None else mb * 1024 * 1024
    if hard != resource.RLIM_INFINITY:
        soft = min(soft, hard)
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _child_call(request: _Request) -> _Reply:
    """Runs in the worker: call the function, hand back its pickled result or its error."""
    try:
        _limit_memory(request.memory_mb)
        fn = _load(request.target)
        kwargs = dict(request.kwargs)
        if request.context is not None:
            kwargs["ctx"] = request.context
        result = fn(request.state, **kwargs)
        if inspect.isawaitable(result):
            result = asyncio.run(_awaited(result))
        return _Reply(value=pickle.dumps(result))
    except MemoryError:
        message = f"the function used more than {request.memory_mb} MB"
        return _Reply(error=("MemoryError", message, traceback.format_exc(limit=-8)))
    except BaseException as err:  # SystemExit and KeyboardInterrupt too: the step fails
        text = f"{err}" or type(err).__name__
        return _Reply(error=(type(err).__name__, text, traceback.format_exc(limit=-8)))
    finally:
        with contextlib.suppress(Exception):
            _limit_memory(None)


async def _awaited(result: Any) -> Any:
    return await result


# -- in Ren's process ------------------------------------------------------------------------

_pool: ProcessPool | None = None  # started at the first isolated call
_pool_lock = threading.Lock()
_warned_windows = False


def _get_pool() -> ProcessPool:
    global _pool
    import multiprocessing

    from pebble import ProcessPool  # imported only when used: it costs start-up time

    with _pool_lock:
        if _pool is None or not _pool.active:
            _pool = ProcessPool(max_workers=WORKERS, context=multiprocessing.get_context("spawn"))
        return _pool


@atexit.register
def shutdown() -> None:
    """Stop the worker processes (at exit, and in tests)."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.stop()  # type: ignore[no-untyped-call]
        pool.join(timeout=5)


async def call_isolated(
    target: IsolatedTarget,
    state: Any,
    kwargs: dict[str, Any],
    *,
    context: IsolatedContext | None = None,
    timeout_s: float | None = None,
    memory_mb: int | None = None,
) -> Any:
    """`fn(state, **kwargs)` (plus `ctx=context` when given) in a worker process; its result.

    A `timeout_s` (or cancelling the awaiting task) kills the worker: TimeoutError (or
    CancelledError) is raised here, and the pool starts a fresh worker. A worker that dies on
    its own (a crash, the OS killing it) raises IsolatedError; so does the function raising.
    """
    global _warned_windows
    if memory_mb is not None and sys.platform == "win32" and not _warned_windows:
        _warned_windows = True
        log.warning("memory_mb is not enforced on Windows; isolated calls run without a limit")
    from concurrent.futures.process import BrokenProcessPool

    from pebble import ProcessExpired

    request = _Request(target, state, dict(kwargs), context, memory_mb)
    future = _get_pool().schedule(_child_call, args=(request,), timeout=timeout_s)
    try:
        reply: _Reply = await asyncio.wrap_future(future)
    except asyncio.CancelledError:
        future.cancel()  # type: ignore[no-untyped-call]  # pebble terminates a running worker
        raise
    except TimeoutError:
        raise TimeoutError(
            f"function {target} timed out after {timeout_s:g} s; its process was killed"
        ) from None
    except BrokenProcessPool:
        raise IsolatedError(
            "the worker processes for isolated functions could not start; a script that runs "
            "them must start Ren under `if __name__ == '__main__':` (as multiprocessing needs)"
        ) from None
    except ProcessExpired as err:
        hint = f" (its memory limit is {memory_mb} MB)" if memory_mb else ""
        raise IsolatedError(
            f"the process running function {target} ended unexpectedly "
            f"(exit code {err.exitcode}){hint}"
        ) from None
    if reply.error is not None:
        kind, message, remote = reply.error
        if kind == "MemoryError":
            raise MemoryError(message) from RemoteTraceback(remote)
        raise IsolatedError(f"{kind}: {message}") from RemoteTraceback(remote)
    return pickle.loads(reply.value)
