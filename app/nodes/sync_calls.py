"""Calling a sync user function off the event loop, so that a hung call can be abandoned.

Python threads cannot be killed. `asyncio.to_thread` runs calls in the loop's shared pool: a
call that hangs keeps its worker, a few of them starve every other step, and the process
cannot exit because the pool's threads are joined at exit. Here each call gets a daemon thread
of its own instead. When the awaiting step is canceled (its `timeout_s`, a cancel, Ren
stopping), the call is abandoned: it runs on in its thread until it returns by itself, but it
holds no slot other steps need and does not keep the process from exiting. Abandoned calls
still alive are counted; past `MAX_ABANDONED` of them new sync calls fail at once with a clear
message, since each holds a thread and its memory until Ren restarts.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger(__name__)

MAX_RUNNING = 32  # sync calls running at once per event loop; more wait for a free slot
MAX_ABANDONED = 100  # abandoned calls still alive before new sync calls are refused


@dataclass(frozen=True)
class Call:
    key: str  # the step's idempotency key
    name: str  # the function's name
    abandoned_at: float = field(default=0.0, compare=False)

    def __str__(self) -> str:
        return f"'{self.name}' (step {self.key})"


class TooManyAbandoned(RuntimeError):
    """Too many abandoned calls are still running: refuse to start another one."""


_abandoned: dict[threading.Thread, Call] = {}
_abandoned_lock = threading.Lock()
_slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def abandoned_calls() -> list[Call]:
    """The abandoned calls whose threads are still running."""
    with _abandoned_lock:
        for thread in [t for t in _abandoned if not t.is_alive()]:
            del _abandoned[thread]
        return list(_abandoned.values())


def was_abandoned(key: str) -> bool:
    """Whether the call of the step with this idempotency key was abandoned and still runs."""
    return any(call.key == key for call in abandoned_calls())


def _slots_for(loop: asyncio.AbstractEventLoop) -> asyncio.Semaphore:
    slots = _slots.get(loop)
    if slots is None:
        slots = _slots[loop] = asyncio.Semaphore(MAX_RUNNING)
    return slots


async def call_in_thread(call: Call, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """`fn(*args, **kwargs)` on a daemon thread of its own; its result, or its exception."""
    alive = len(abandoned_calls())
    if alive >= MAX_ABANDONED:
        raise TooManyAbandoned(
            f"{alive} abandoned function calls are still running in this process "
            f"(the limit is {MAX_ABANDONED}); restart Ren to end them"
        )
    loop = asyncio.get_running_loop()
    async with _slots_for(loop):
        future: asyncio.Future[Any] = loop.create_future()
        context = contextvars.copy_context()

        def settle(ok: bool, value: Any) -> None:
            if future.done():  # abandoned meanwhile: nobody waits for it any more
                return
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

        def work() -> None:
            try:
                outcome: tuple[bool, Any] = (True, context.run(fn, *args, **kwargs))
            except BaseException as err:  # handed to the awaiting step, as to_thread does
                outcome = (False, err)
            if _forget(threading.current_thread()):
                return  # abandoned: its result goes nowhere
            with contextlib.suppress(RuntimeError):  # the loop closed: Ren stopped meanwhile
                loop.call_soon_threadsafe(settle, *outcome)

        thread = threading.Thread(target=work, name=f"ren-call {call.name}", daemon=True)
        thread.start()
        try:
            return await future
        except asyncio.CancelledError:
            if thread.is_alive():
                _abandon(thread, call)
            raise


def _abandon(thread: threading.Thread, call: Call) -> None:
    with _abandoned_lock:
        _abandoned[thread] = Call(call.key, call.name, time.monotonic())
    log.debug("function %s abandoned", call)  # the step says why (app.engine.steps)


def _forget(thread: threading.Thread) -> bool:
    """An abandoned call just returned: drop it from the count. True if it was abandoned."""
    with _abandoned_lock:
        call = _abandoned.pop(thread, None)
    if call is not None:
        late = time.monotonic() - call.abandoned_at
        log.info("abandoned function %s returned %.1f s late; its result was dropped", call, late)
    return call is not None
