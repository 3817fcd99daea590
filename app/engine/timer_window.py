"""Arming timers at start-up a window at a time, so start-up cost does not grow with them.

The timer table is the truth. Arming every pending timer as its own APScheduler job costs about
0.1 ms each (9 s for 100,000 waiting runs); instead only the `size` timers that ring next are
armed, plus one refill alarm at the last of them, which arms the next window. Timers created
while Ren runs are armed directly as before; arming one twice is harmless (the job is replaced,
and a ring is a compare-and-set on the timer row).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

WINDOW_SIZE = 1000
MIN_REFILL_S = 1.0  # overdue timers ring a window per second at most, never in a busy loop
REFILL_JOB = "timers:refill"


class Alarms(Protocol):
    def arm(self, timer_id: str, due_at: float) -> None: ...

    def call_at(self, job_id: str, when: float, call: Callable[[], None]) -> None: ...


class TimerWindow:
    def __init__(
        self,
        alarms: Alarms,
        earliest: Callable[[int], list[tuple[str, float]]],
        size: int | None = None,
    ) -> None:
        self._alarms = alarms
        self._earliest = earliest
        self.size = size or WINDOW_SIZE

    def refill(self) -> None:
        """Arm the timers that ring next; if there may be more, come back at the last one."""
        found = self._earliest(self.size)
        for timer_id, due_at in found:
            self._alarms.arm(timer_id, due_at)
        if len(found) == self.size:
            when = max(found[-1][1], time.time() + MIN_REFILL_S)
            self._alarms.call_at(REFILL_JOB, when, self.refill)
