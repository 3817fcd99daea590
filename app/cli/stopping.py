"""Stopping `ren` and `ren worker` within seconds of SIGTERM or Ctrl+C, whatever functions do.

The engine's stop cancels every live run; a step cut short is not recorded, so it runs again
at the next start with the same idempotency key. Sync functions run on daemon threads that
never hold up the exit (app.nodes.sync_calls). What a signal handler cannot cure is a function
that blocks the event loop or ignores cancellation: a deadline thread ends the process once
`STOP_DEADLINE_S` have passed since the signal, as SIGKILL would, which Ren recovers from.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

STOP_DEADLINE_S = 4.0  # from the stop signal to the forced end of the process
EXIT_FORCED = 1


class StopDeadline:
    """Arms on the first stop request; past the deadline it ends the process at once."""

    def __init__(self, name: str, deadline_s: float = STOP_DEADLINE_S) -> None:
        self.name = name
        self.deadline_s = deadline_s
        self.stopped = False  # set once the engine stopped cleanly: the rest is a formality
        self._timer: threading.Timer | None = None

    def arm(self) -> None:
        if self._timer is None:
            self._timer = threading.Timer(self.deadline_s, self._expire)
            self._timer.daemon = True
            self._timer.start()

    def finished(self, grace_s: float = 0.5) -> None:
        """The engine stopped cleanly: what remains (a coroutine that ignores cancellation)
        gets `grace_s` more, then the process ends with success."""
        self.stopped = True
        if self._timer is not None:
            self._timer.cancel()
        self._timer = threading.Timer(grace_s, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        if self.stopped:  # only leftovers (e.g. a coroutine that ignores cancellation) remain
            os._exit(0)
        print(
            f"{self.name}: did not stop within {self.deadline_s:g} s (a function blocks the "
            "event loop or ignores cancellation); ending now. Interrupted steps run again "
            "at the next start.",
            file=sys.stderr,
            flush=True,
        )
        os._exit(EXIT_FORCED)


def on_stop_signals(handler: Callable[[], None]) -> None:
    """Call `handler` (from the main thread, between two Python instructions) on SIGTERM and
    SIGINT; a plain signal handler runs even while a function blocks the event loop."""

    def handle(signum: int, frame: FrameType | None) -> None:
        handler()

    signal.signal(signal.SIGINT, handle)
    if sys.platform != "win32":
        signal.signal(signal.SIGTERM, handle)
