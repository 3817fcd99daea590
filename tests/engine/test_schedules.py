"""Schedules with the real APScheduler: fires, unique fire keys, misfire policies."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest

from app.engine.schedules import ScheduleInvalid, due_fires, fire_times, make_trigger
from app.engine.service import Engine, NotFound
from tests.conftest import chain_workflow


def sched_runs(engine: Engine) -> list[str]:
    return [
        r["idempotency_key"]
        for r in engine.store.rows(
            "SELECT idempotency_key FROM run WHERE idempotency_key LIKE 'sched:%'"
            " ORDER BY idempotency_key"
        )
    ]


async def test_interval_schedule_starts_runs_with_unique_fire_keys(engine: Engine) -> None:
    engine.import_workflow(chain_workflow(wid="tick"))
    schedule = engine.schedules.add("tick", interval_s=0.4, input={"from": "schedule"})
    await asyncio.sleep(1.4)
    keys = sched_runs(engine)
    assert 2 <= len(keys) <= 4
    assert len(set(keys)) == len(keys)
    assert all(k.startswith(f"sched:{schedule['id']}:") for k in keys)
    again = await engine.schedules.catch_up(schedule["id"])  # nothing new is owed
    assert again == [] or len(sched_runs(engine)) == len(keys) + len(again)
    run = engine.list_runs()[0]
    assert run.input == {"from": "schedule"}


@pytest.mark.parametrize(("policy", "expected"), [("skip", 0), ("once", 1), ("all", 3)])
async def test_fires_missed_while_stopped_follow_the_misfire_policy(
    home: Path, policy: str, expected: int
) -> None:
    engine = Engine(home)
    await engine.start()
    engine.import_workflow(chain_workflow(wid="yearly"))
    schedule = engine.schedules.add(
        "yearly", cron="0 9 1 1 *", timezone="Europe/Paris", misfire=policy
    )
    await engine.stop()
    # Ren was not running for three new years: move the last fire back past them.
    three_years_ago = datetime(datetime.now(UTC).year - 3, 6, 1, tzinfo=UTC).timestamp()
    engine = Engine(home)
    engine.store.write_raw("UPDATE schedule SET last_fire_at=?", three_years_ago)
    await engine.start()
    try:
        keys = sched_runs(engine)
        assert len(keys) == expected
        years = sorted(k.split(":", 2)[2][:4] for k in keys)
        this_year = datetime.now(UTC).year
        assert years == [str(y) for y in range(this_year - expected + 1, this_year + 1)]
        assert all("T08:00:00+00:00" in k for k in keys)  # 09:00 in Paris, in winter
        last = engine.schedules.get(schedule["id"])["last_fire_at"]
        assert last > three_years_ago
    finally:
        await engine.stop()
    engine = Engine(home)
    await engine.start()  # a second start owes nothing more
    try:
        assert len(sched_runs(engine)) == expected
    finally:
        await engine.stop()


def test_fire_time_arithmetic_with_real_triggers() -> None:
    trigger = make_trigger({"cron": "*/15 * * * *", "timezone": "UTC", "created_at": 0})
    start = datetime(2026, 1, 1, 0, 1, tzinfo=UTC).timestamp()
    times = fire_times(trigger, start, start + 3600, limit=100)
    assert len(times) == 4
    assert due_fires(times, start + 3600, "all", 60) == times
    assert due_fires(times, start + 3600, "once", 60) == [times[-1]]
    assert due_fires(times, times[-1] + 30, "skip", 60) == [times[-1]]
    assert due_fires(times, times[-1] + 300, "skip", 60) == []


async def test_bad_schedules_are_refused_before_anything_is_written(engine: Engine) -> None:
    engine.import_workflow(chain_workflow(wid="w2"))
    with pytest.raises(ScheduleInvalid, match="bad cron expression"):
        engine.schedules.add("w2", cron="every day")
    with pytest.raises(ScheduleInvalid, match="unknown time zone"):
        engine.schedules.add("w2", cron="0 * * * *", timezone="Mars/Olympus")
    with pytest.raises(ScheduleInvalid, match="needs a cron expression or an interval"):
        engine.schedules.add("w2")
    assert engine.schedules.all() == []


async def test_deleting_a_workflow_removes_its_schedules_and_refuses_new_ones(
    engine: Engine,
) -> None:
    engine.import_workflow(chain_workflow(wid="gone"))
    engine.import_workflow(chain_workflow(wid="stays"))
    doomed = engine.schedules.add("gone", interval_s=0.3)
    kept = engine.schedules.add("stays", cron="0 9 * * *")
    assert engine.delete_workflow("gone") == 1
    assert [s["id"] for s in engine.schedules.all()] == [kept["id"]]
    job_ids = {job.id for job in engine.alarms.jobs()}
    assert f"schedule:{doomed['id']}" not in job_ids and f"schedule:{kept['id']}" in job_ids
    await asyncio.sleep(0.8)  # the interval would have fired twice by now
    assert sched_runs(engine) == []
    with pytest.raises(NotFound, match="no workflow 'gone'"):
        engine.schedules.add("gone", interval_s=60)
    assert len(engine.schedules.all()) == 1


async def test_one_engine_per_data_folder(home: Path) -> None:
    from app.engine.lock import EngineBusy

    first = Engine(home)
    await first.start()
    with pytest.raises(EngineBusy, match="another Ren process"):
        Engine(home)
    await first.stop()
    third = Engine(home)
    await third.start()  # free again once the first has stopped
    await third.stop()
