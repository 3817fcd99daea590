"""Stopping `ren` and `ren worker` within seconds of SIGTERM or Ctrl+C, whatever functions do.

The engine's stop cancels every live run; a step cut short is not recorded, so it runs again
at the next start with the same idempotency key. Sync functions run on daemon threads that
never hold up the exit (app.nodes.sync_calls). What a signal handler cannot cure is a function
that blocks the event loop or ignores cancellation: a deadline thread ends the process once
`STOP_DEADLINE_S` have passed since the signal, as SIGKILL would, which Ren recovers from.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

STOP_DEADLINE_S = 4.5  # from the stop signal to the forced end of the process
EXIT_FORCED = 1
STOP_SIGNALS = (signal.SIGINT,) if sys.platform == "win32" else (signal.SIGINT, signal.SIGTERM)


class StopDeadline:
    """Arms on the first stop request; past the deadline it ends the process at once."""

    def __init__(
        self, name: str, farewell: str | None = None, deadline_s: float = STOP_DEADLINE_S
    ) -> None:
        self.name = name
        self.farewell = farewell  # printed if the process ends here after a clean stop
        self.deadline_s = deadline_s
        self.stopped = False  # set once the engine stopped cleanly: the rest is a formality
        self._timer: threading.Timer | None = None

    def arm(self) -> None:
        """A stop was asked for: from now on the process has `deadline_s` to end."""
        if self._timer is None:
            self._start(self.deadline_s)
        # a request still waiting on a run is cut short by the stop: not a server error
        logging.getLogger("uvicorn.error").setLevel(logging.CRITICAL)

    def finished(self, grace_s: float = 0.3, only_if_armed: bool = False) -> None:
        """The engine stopped cleanly: what remains (a coroutine that ignores cancellation)
        gets `grace_s` more, then the process ends with success."""
        if only_if_armed and self._timer is None:
            return
        self.stopped = True
        if self._timer is not None:
            self._timer.cancel()
        self._start(grace_s)

    def _start(self, seconds: float) -> None:
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def _expire(self) -> None:
        if self.stopped:  # only leftovers (e.g. a coroutine that ignores cancellation) remain
            if self.farewell:
                print(self.farewell, flush=True)
            os._exit(0)
        print(
            f"{self.name}: did not stop within {self.deadline_s:g} s (a function blocks the "
            "event loop or ignores cancellation); ending now. Interrupted steps run again "
            "at the next start.",
            file=sys.stderr,
            flush=True,
        )
        os._exit(EXIT_FORCED)


def on_stop_signals(handler: Callable[[], None], chain: bool = False) -> None:
    """Call `handler` on SIGTERM and SIGINT, then (with `chain`) the handler that was there,
    e.g. the web server's. A plain signal handler runs in the main thread between two Python
    instructions, even while a function blocks the event loop. Main thread only."""
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in STOP_SIGNALS:
        previous = signal.getsignal(sig) if chain else None

        def handle(signum: int, frame: FrameType | None, previous: object = previous) -> None:
            handler()
            if callable(previous):
                previous(signum, frame)

        signal.signal(sig, handle)
