"""Sleep and wake on a real engine: a waiting run's timer is due an hour from now; the machine
"sleeps" through it (the wall clock jumps an hour, the event loop's monotonic clock does not);
the clock watch notices, the real APScheduler rings the timer once, and the jump says what ran
late."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from app.engine.clock_watch import ClockWatch, Jump
from app.engine.service import Engine
from tests.engine.test_waits import flow

HOUR = 3600.0


@dataclass
class ManualClocks:
    """The two clocks the watch compares, moved by the test."""

    wall_at: float
    mono_at: float

    def wall(self) -> float:
        return self.wall_at

    def monotonic(self) -> float:
        return self.mono_at

    def tick(self, seconds: float = 15.0) -> None:
        """Time passing while the machine is awake: both clocks move."""
        self.wall_at += seconds
        self.mono_at += seconds


def sleep_through(engine: Engine, job_id: str, clocks: ManualClocks, seconds: float) -> None:
    """What a sleep leaves behind: the wall clock moved on, the monotonic one did not, and
    the job fell due (in wall time) while APScheduler's own wake-up, a loop timer on the
    monotonic clock, is still an hour away. The job store is updated directly: telling the
    scheduler would wake it, which is the watch's job."""
    clocks.wall_at += seconds
    job = engine.alarms.scheduler.get_job(job_id)
    assert job is not None
    job.next_run_time = datetime.fromtimestamp(time.time() - 1, UTC)
    engine.alarms.scheduler._lookup_jobstore("default").update_job(job)


async def until(check: object, what: str) -> None:
    for _ in range(200):
        if callable(check) and check():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never: {what}")


async def test_a_timer_slept_through_fires_once_on_wake(engine: Engine) -> None:
    engine.import_workflow(
        flow(
            "nap", [{"id": "nap", "type": "wait", "config": {"seconds": HOUR}}], [("start", "nap")]
        )
    )
    run_id = await engine.start_run("nap", {})
    assert (await engine.wait(run_id, timeout=30)).status == "waiting"
    [timer] = engine.store.rows("SELECT id, status FROM timer")
    job_id = f"timer:{timer['id']}"
    assert engine.alarms.scheduler.get_job(job_id) is not None

    clocks = ManualClocks(wall_at=time.time(), mono_at=50.0)
    watch = ClockWatch(engine.alarms.scheduler, clocks)
    heard: list[Jump] = []
    watch.listeners.append(heard.append)
    watch.start()
    try:
        clocks.tick()  # an ordinary check: no jump
        assert watch.check() is None
        sleep_through(engine, job_id, clocks, HOUR)
        clocks.tick()
        jump = watch.check()
        assert jump is not None and jump.seconds == HOUR
        assert job_id in jump.late  # (other jobs of the engine may fall due too)
        assert heard == [jump]
        assert "ran late: 1 timer(s), 0 schedule(s)" in jump.summary()
        await until(lambda: engine.get_run(run_id).status == "succeeded", "the run went on")
        clocks.tick()
        assert watch.check() is None  # once: the next check finds nothing
        await asyncio.sleep(0.2)
    finally:
        watch.stop()
    assert [t["status"] for t in engine.store.rows("SELECT status FROM timer")] == ["fired"]
    assert [s.node_id for s in engine.steps(run_id)].count("nap") == 1


async def test_the_engine_has_one_watch_on_its_own_scheduler(engine: Engine) -> None:
    watch = engine.alarms.clock_watch
    assert watch.check() is None  # the real clocks moved together since start
    assert watch.last_jump is None
