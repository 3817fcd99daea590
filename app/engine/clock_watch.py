"""Sleep and wake: notice that the wall clock jumped, and ring what fell due meanwhile.

A laptop that sleeps does not advance the event loop's monotonic clock, so APScheduler's next
wake-up (a `call_later` on that clock) comes late by the length of the sleep. One watch for the
whole engine compares the two clocks every few seconds; after a jump it wakes the scheduler,
which rings each timer and schedule that fell due once (jobs coalesce), and tells its listeners
what ran late (the tray says so).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

log = logging.getLogger(__name__)

CHECK_EVERY_S = 15.0  # how often the wall clock is compared with the monotonic clock
JUMP_S = 2.0  # a difference larger than this means the machine slept (or the clock moved)


class Clocks(Protocol):
    def wall(self) -> float: ...

    def monotonic(self) -> float: ...


class SystemClocks:
    def wall(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


class Waker(Protocol):
    """The part of APScheduler the watch needs."""

    def get_jobs(self) -> list[object]: ...

    def wakeup(self) -> None: ...


@dataclass(frozen=True)
class Jump:
    seconds: float  # how far the wall clock moved beyond the monotonic clock
    noticed_at: float  # wall clock, epoch seconds
    late: tuple[str, ...] = field(default=())  # ids of the jobs that fell due meanwhile

    def summary(self) -> str:
        timers = sum(1 for job in self.late if job.startswith("timer:"))
        schedules = sum(1 for job in self.late if job.startswith("schedule:"))
        slept = f"Ren's clock jumped {self.seconds / 60:.0f} min (sleep?)"
        if not timers and not schedules:
            return f"{slept}; nothing fell due meanwhile"
        return f"{slept}; ran late: {timers} timer(s), {schedules} schedule(s)"


class ClockWatch:
    def __init__(
        self,
        scheduler: Waker,
        clocks: Clocks | None = None,
        every_s: float = CHECK_EVERY_S,
        jump_s: float = JUMP_S,
    ) -> None:
        self._scheduler = scheduler
        self._clocks = clocks or SystemClocks()
        self._every_s = every_s
        self._jump_s = jump_s
        self._last = self._now()
        self._handle: asyncio.TimerHandle | None = None
        self.listeners: list[Callable[[Jump], None]] = []
        self.last_jump: Jump | None = None

    def use(self, clocks: Clocks) -> None:
        """Compare these clocks from now on (a test simulating a sleep)."""
        self._clocks = clocks
        self._last = self._now()

    def start(self) -> None:
        self._last = self._now()
        self._handle = asyncio.get_running_loop().call_later(self._every_s, self._tick)

    def stop(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def check(self) -> Jump | None:
        """Compare the clocks once; after a jump wake the scheduler and report it."""
        wall, mono = self._now()
        moved = (wall - self._last[0]) - (mono - self._last[1])
        self._last = (wall, mono)
        if abs(moved) <= self._jump_s:
            return None
        jump = Jump(moved, wall, tuple(_due_jobs(self._scheduler, wall)))
        log.info("%s", jump.summary())
        self.last_jump = jump
        self._scheduler.wakeup()
        for listener in list(self.listeners):
            try:
                listener(jump)
            except Exception:  # a listener (the tray) never stops the watch
                log.exception("a clock-jump listener failed")
        return jump

    def _tick(self) -> None:
        self.check()
        self._handle = asyncio.get_running_loop().call_later(self._every_s, self._tick)

    def _now(self) -> tuple[float, float]:
        return self._clocks.wall(), self._clocks.monotonic()


def _due_jobs(scheduler: Waker, wall: float) -> list[str]:
    due = []
    for job in scheduler.get_jobs():
        when = getattr(job, "next_run_time", None)
        if isinstance(when, datetime) and when.timestamp() <= wall:
            due.append(str(getattr(job, "id", "")))
    return due
