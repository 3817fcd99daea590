"""Purging runs on a real engine: every trace of a purged run goes, nothing else does."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from app.auth.db import AuthDb
from app.auth.links import TaskLinks, load_key
from app.engine.log_files import read_lines
from app.engine.retention import PurgeInvalid, PurgeRequest, parse_before
from app.engine.service import Engine
from tests.retention.helpers import DAY, age, ask_flow, files_flow, finished_run, publish, traces


def logged_runs(engine: Engine) -> set[str]:
    engine.logs.drain()
    return {line["run_id"] for line in read_lines(engine.folder.logs_dir)}


async def purge(engine: Engine, request: PurgeRequest, **kwargs: object) -> dict[str, object]:
    result = await asyncio.to_thread(engine.retention.purge, request, **kwargs)  # type: ignore[arg-type]
    return result.to_dict()


def link_task(engine: Engine, run_id: str) -> str:
    """A signed link to the run's open task, made as the task page makes one."""
    (task,) = engine.tasks.open_tasks(run_id=run_id)
    db = AuthDb(engine.store.db_path, in_server=True)
    try:
        TaskLinks(db, load_key(engine.folder.root)).create(task["id"], "carol", "tests")
    finally:
        db.close()
    return str(task["id"])


async def test_a_purged_run_leaves_no_trace_and_others_stay(engine: Engine, tmp_path: Path) -> None:
    files = publish(engine, files_flow("files", tmp_path / "out.json"))
    old = await finished_run(engine, files)
    new = await finished_run(engine, files)
    asked = publish(engine, ask_flow())
    waiting = await engine.wait(await engine.start_run(asked, {}))
    answered = await engine.wait(await engine.start_run(asked, {}))
    assert waiting.status == answered.status == "waiting"
    link_task(engine, waiting.id)
    engine.tasks.complete(link_task(engine, answered.id), "out", {}, by="link:carol")
    answered = await engine.wait(answered.id)
    assert answered.status == "succeeded"
    for run_id in (old.id, waiting.id, answered.id):
        age(engine, run_id, 30)
    engine.note(old.id, "note", None, {"text": "a late line"})  # a log line after the end
    folder = engine.run_folder(old.id)
    folder.mkdir(parents=True)
    (folder / "scratch.txt").write_text("a step's own file")
    old_artifacts = engine.folder.root / "artifacts" / old.id
    new_artifacts = engine.folder.root / "artifacts" / new.id
    assert old_artifacts.is_dir() and new_artifacts.is_dir()
    assert {old.id, new.id, waiting.id} <= logged_runs(engine)
    kept_before = {run_id: traces(engine, run_id) for run_id in (new.id, waiting.id)}
    assert set(traces(engine, old.id)) >= {"run", "step", "event", "artifact"}
    assert set(traces(engine, answered.id)) >= {"run", "task", "task_links", "wait"}

    result = await purge(engine, PurgeRequest(time.time() - 7 * DAY))

    assert result["deleted"] == 2 and result["skipped"] == []
    assert traces(engine, old.id) == traces(engine, answered.id) == {}
    assert not old_artifacts.exists() and not folder.exists()
    assert old.id not in logged_runs(engine)
    # the newer run and the waiting run (older than the date) are untouched
    assert {run_id: traces(engine, run_id) for run_id in kept_before} == kept_before
    assert new_artifacts.is_dir() and any(new_artifacts.iterdir())
    assert {new.id, waiting.id} <= logged_runs(engine)
    assert engine.get_run(waiting.id).status == "waiting"
    assert [t["status"] for t in engine.store.rows("SELECT status FROM task")] == ["open"]


async def test_runs_go_in_batches(engine: Engine, tmp_path: Path) -> None:
    files = publish(engine, files_flow("files", tmp_path / "out.json"))
    runs = [await finished_run(engine, files, {"n": i}) for i in range(5)]

    result = await purge(engine, PurgeRequest(time.time() + 60), batch_size=2)

    assert (result["deleted"], result["batches"]) == (5, 3)
    assert all(traces(engine, run.id) == {} for run in runs)
    assert not any((engine.folder.root / "artifacts").iterdir())


async def test_filters_and_dry_run(engine: Engine, tmp_path: Path) -> None:
    one = publish(engine, files_flow("one", tmp_path / "one.json"))
    two = publish(engine, files_flow("two", tmp_path / "two.json"))
    a, b = await finished_run(engine, one), await finished_run(engine, two)
    later = time.time() + 60

    preview = await asyncio.to_thread(
        engine.retention.purge, PurgeRequest(later, workflow="one"), dry_run=True
    )
    assert preview.skipped == [a.id] and traces(engine, a.id)
    assert (await purge(engine, PurgeRequest(later, status="failed")))["deleted"] == 0
    assert (await purge(engine, PurgeRequest(later, workflow="one")))["deleted"] == 1
    assert traces(engine, a.id) == {} and traces(engine, b.id)


async def test_export_writes_each_run_before_it_goes(engine: Engine, tmp_path: Path) -> None:
    files = publish(engine, files_flow("files", tmp_path / "out.json"))
    runs = [await finished_run(engine, files, {"n": i}) for i in range(3)]
    export = tmp_path / "export.jsonl"

    result = await purge(engine, PurgeRequest(time.time() + 60), export=export, batch_size=2)

    assert result["exported"] == 3
    lines = [json.loads(line) for line in export.read_text().splitlines()]
    assert [line["run"]["id"] for line in lines] == [run.id for run in runs]
    first = lines[0]
    assert first["run"]["input"] == {"n": 0} and first["run"]["status"] == "succeeded"
    assert [s["node_id"] for s in first["steps"]] == ["start", "n1", "end"]
    assert [e["seq"] for e in first["events"]] == list(range(1, len(first["events"]) + 1))
    assert first["events"][0]["type"] == "run.created"


async def test_an_export_that_cannot_be_written_deletes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    files = publish(engine, files_flow("files", tmp_path / "out.json"))
    run = await finished_run(engine, files)
    with pytest.raises(OSError):
        await purge(engine, PurgeRequest(time.time() + 60), export=tmp_path / "no" / "x.jsonl")
    assert traces(engine, run.id)


def test_bad_requests_say_what_is_wrong() -> None:
    with pytest.raises(PurgeInvalid, match="only finished runs"):
        PurgeRequest(0.0, status="waiting").check()
    with pytest.raises(PurgeInvalid, match="not a date"):
        parse_before("last tuesday")
    assert parse_before("30d") == pytest.approx(time.time() - 30 * DAY, abs=5)
    assert parse_before("2026-01-02") < parse_before("2026-01-02T12:00")


async def test_deleting_a_run_takes_the_links_to_its_tasks(engine: Engine) -> None:
    asked = publish(engine, ask_flow())
    run_id = await engine.start_run(asked, {})
    await engine.wait(run_id)
    engine.tasks.complete(link_task(engine, run_id), "out", {}, by="link:carol")
    assert (await engine.wait(run_id)).status == "succeeded"
    assert traces(engine, run_id)["task_links"] == 1

    assert await engine.delete_runs([run_id]) == 1

    assert traces(engine, run_id) == {}
