"""Retention policies applied by the engine: age, count, failed runs kept longer, overrides."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from app.engine.retention_policy import (
    GLOBAL,
    Policy,
    PolicyInvalid,
    effective_policy,
    load_policies,
    remove_policy,
    save_policy,
)
from app.engine.service import Engine
from tests.retention.helpers import age, ask_flow, failing_flow, files_flow, finished_run, publish


def alive(engine: Engine, *run_ids: str) -> list[bool]:
    found = {r["id"] for r in engine.store.rows("SELECT id FROM run")}
    return [run_id in found for run_id in run_ids]


async def apply(engine: Engine, batch_size: int = 200) -> int:
    result = await asyncio.to_thread(engine.retention.apply_policies, batch_size=batch_size)
    return result.deleted


async def test_keep_days_deletes_old_finished_runs_never_waiting_ones(
    engine: Engine, tmp_path: Path
) -> None:
    files = publish(engine, files_flow("files", tmp_path / "f.json"))
    old, new = await finished_run(engine, files), await finished_run(engine, files)
    waiting = await engine.wait(await engine.start_run(publish(engine, ask_flow()), {}))
    age(engine, old.id, 40)
    age(engine, waiting.id, 400)
    assert await apply(engine) == 0  # no policy: everything is kept

    save_policy(engine.store, GLOBAL, Policy(keep_days=30))
    assert await apply(engine) == 1

    assert alive(engine, old.id, new.id, waiting.id) == [False, True, True]
    assert engine.get_run(waiting.id).status == "waiting"


async def test_keep_last_per_workflow_and_failed_runs_kept_longer(
    engine: Engine, tmp_path: Path
) -> None:
    files = publish(engine, files_flow("files", tmp_path / "f.json"))
    bad = publish(engine, failing_flow())
    runs = [await finished_run(engine, files, {"n": i}) for i in range(5)]
    failed = [await finished_run(engine, bad) for _ in range(3)]
    assert {r.status for r in failed} == {"failed"}
    age(engine, failed[0].id, 20)  # past the 14 days failed runs are kept
    save_policy(engine.store, GLOBAL, Policy(keep_last=2, keep_failed_days=14))

    assert await apply(engine, batch_size=2) == 4  # three of five, and the oldest failure

    assert alive(engine, *(r.id for r in runs)) == [False, False, False, True, True]
    assert alive(engine, *(r.id for r in failed)) == [False, True, True]


async def test_a_workflow_overrides_the_global_policy(engine: Engine, tmp_path: Path) -> None:
    one = publish(engine, files_flow("one", tmp_path / "1.json"))
    two = publish(engine, files_flow("two", tmp_path / "2.json"))
    a = [await finished_run(engine, one) for _ in range(3)]
    b = [await finished_run(engine, two) for _ in range(3)]
    save_policy(engine.store, GLOBAL, Policy(keep_last=1))
    save_policy(engine.store, "two", Policy(keep_last=0))  # 0: no limit for this workflow
    policies = load_policies(engine.store)
    assert effective_policy(policies, "two") == Policy(keep_last=0)
    assert effective_policy(policies, "one") == Policy(keep_last=1)

    assert await apply(engine) == 2

    assert alive(engine, *(r.id for r in a)) == [False, False, True]
    assert alive(engine, *(r.id for r in b)) == [True, True, True]
    remove_policy(engine.store, "two")
    assert await apply(engine) == 2


async def test_a_policy_exports_before_deleting(engine: Engine, tmp_path: Path) -> None:
    files = publish(engine, files_flow("files", tmp_path / "f.json"))
    run = await finished_run(engine, files)
    age(engine, run.id, 10)
    folder = tmp_path / "exports"
    save_policy(engine.store, GLOBAL, Policy(keep_days=5, export_folder=str(folder)))

    assert await apply(engine) == 1

    (export,) = folder.glob("runs-*.jsonl")
    (line,) = [json.loads(text) for text in export.read_text().splitlines()]
    assert line["run"]["id"] == run.id and len(line["steps"]) == 3


async def test_the_background_job_is_on_the_engines_scheduler(engine: Engine) -> None:
    assert "retention" in {job.id for job in engine.alarms.jobs()}
    save_policy(engine.store, GLOBAL, Policy(keep_days=1))
    result = await engine.retention.apply_now()
    assert result.deleted == 0 and engine.retention.last is result


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"keep_days": -1}, "keep_days must be between 0 and"),
        ({"keep_last": "ten"}, "keep_last must be a whole number"),
        ({"keep_failed_days": 10**9}, "keep_failed_days must be between"),
        ({"export_folder": "relative/dir"}, "export_folder must be an absolute path"),
        ({"keep_forever": True}, "unknown policy field"),
    ],
)
def test_bad_policies_name_the_field(fields: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyInvalid, match=message):
        Policy.from_dict(fields)


async def test_a_stopping_engine_ends_the_purge_between_batches(
    engine: Engine, tmp_path: Path
) -> None:
    files = publish(engine, files_flow("files", tmp_path / "f.json"))
    runs = [await finished_run(engine, files) for _ in range(2)]
    save_policy(engine.store, GLOBAL, Policy(keep_last=0, keep_days=0, keep_failed_days=0))
    save_policy(engine.store, "files", Policy(keep_last=1))
    engine.retention.stop()
    assert await apply(engine, batch_size=1) == 0
    assert alive(engine, *(r.id for r in runs)) == [True, True]
