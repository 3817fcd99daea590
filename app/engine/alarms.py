"""The alarm clock: APScheduler 3 (in-memory job store, UTC) rings; Ren's tables are the truth.

Nothing is pickled or persisted by APScheduler: at start-up the engine re-arms every pending
timer and schedule from its own tables, and an alarm that fell due while Ren was not running
rings at once. A laptop that slept does not advance the event loop's monotonic clock, so a
single watch (app.engine.clock_watch) compares it with the wall clock and wakes the scheduler
after a jump — one check for the whole engine, never one per waiting run.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger

from app.engine.clock_watch import ClockWatch

log = logging.getLogger(__name__)

Ring = Callable[[str], Awaitable[None]]


class AlarmClock:
    def __init__(self, on_timer: Ring, on_schedule: Ring) -> None:
        self._on_timer = on_timer
        self._on_schedule = on_schedule
        self.scheduler = AsyncIOScheduler(
            timezone=UTC,
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self.clock_watch = ClockWatch(self.scheduler)  # sleep and wake (app.engine.clock_watch)

    def start(self) -> None:
        self.scheduler.start()
        self.clock_watch.start()

    def stop(self) -> None:
        self.clock_watch.stop()
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    def arm(self, timer_id: str, due_at: float) -> None:
        self.scheduler.add_job(
            self._on_timer,
            "date",
            run_date=datetime.fromtimestamp(due_at, UTC),
            id=f"timer:{timer_id}",
            args=[timer_id],
            replace_existing=True,
        )

    def call_at(self, job_id: str, when: float, call: Callable[[], None]) -> None:
        """Call `call` once at `when` (epoch seconds); a job with the same id is replaced."""
        self.scheduler.add_job(
            call,
            "date",
            run_date=datetime.fromtimestamp(when, UTC),
            id=job_id,
            replace_existing=True,
        )

    def disarm(self, timer_id: str) -> None:
        self._remove(f"timer:{timer_id}")

    def add_schedule(self, schedule_id: str, trigger: BaseTrigger) -> None:
        self.scheduler.add_job(
            self._on_schedule,
            trigger,
            id=f"schedule:{schedule_id}",
            args=[schedule_id],
            replace_existing=True,
        )

    def remove_schedule(self, schedule_id: str) -> None:
        self._remove(f"schedule:{schedule_id}")

    def jobs(self) -> list[Any]:
        return list(self.scheduler.get_jobs())

    def _remove(self, job_id: str) -> None:
        with contextlib.suppress(JobLookupError):
            self.scheduler.remove_job(job_id)
