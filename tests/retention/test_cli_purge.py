"""`ren runs purge` as a user runs it: its own process on the data folder."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from pathlib import Path

from app.engine.service import Engine
from tests.ren_cli import REN, ROOT, ren_env, run_ren
from tests.retention.helpers import age, files_flow, finished_run, publish, traces


async def make_runs(home: Path, tmp_path: Path) -> tuple[list[str], str]:
    """Three runs 30 days old and one from today."""
    async with Engine(home) as engine:
        wid = publish(engine, files_flow("files", tmp_path / "f.json"))
        old = [(await finished_run(engine, wid, {"n": i})).id for i in range(3)]
        for run_id in old:
            age(engine, run_id, 30)
        new = (await finished_run(engine, wid)).id
    return old, new


def remaining(home: Path) -> dict[str, dict[str, int]]:
    engine = Engine(home)  # not started: only read
    try:
        ids = [r["id"] for r in engine.store.rows("SELECT id FROM run")]
        return {run_id: traces(engine, run_id) for run_id in ids}
    finally:
        engine.store.close()
        engine.lock.release()


async def test_purge_exports_valid_json_lines_then_deletes(home: Path, tmp_path: Path) -> None:
    old, new = await make_runs(home, tmp_path)
    export = tmp_path / "old runs.jsonl"

    done = run_ren(home, "runs", "purge", "--before", "14d", "--export", str(export), "--yes")

    assert done.returncode == 0, done.stderr
    assert "deleted 3 run(s)" in done.stdout and "exported 3" in done.stdout
    lines = [json.loads(line) for line in export.read_text(encoding="utf-8").splitlines()]
    assert sorted(line["run"]["id"] for line in lines) == sorted(old)
    for line in lines:
        assert set(line) == {"run", "steps", "events"}
        assert line["run"]["status"] == "succeeded" and len(line["steps"]) == 3
        assert line["events"][0]["type"] == "run.created"
    assert list(remaining(home)) == [new]
    assert not any((home / "artifacts" / run_id).exists() for run_id in old)
    assert (home / "artifacts" / new).is_dir()


async def test_without_yes_nothing_is_deleted(home: Path, tmp_path: Path) -> None:
    old, new = await make_runs(home, tmp_path)

    done = run_ren(home, "runs", "purge", "--before", "14d")

    assert done.returncode == 2
    assert "3 run(s) would be deleted; nothing was deleted" in done.stdout
    assert sorted(remaining(home)) == sorted([*old, new])


async def test_bad_arguments_are_refused_clearly(home: Path, tmp_path: Path) -> None:
    await make_runs(home, tmp_path)
    bad_date = run_ren(home, "runs", "purge", "--before", "someday", "--yes")
    assert bad_date.returncode == 2 and "--before 'someday' is not a date" in bad_date.stderr
    bad_status = run_ren(home, "runs", "purge", "--before", "1d", "--status", "waiting")
    assert bad_status.returncode == 2 and "invalid choice: 'waiting'" in bad_status.stderr
    nowhere = tmp_path / "missing" / "x.jsonl"
    bad_export = run_ren(home, "runs", "purge", "--before", "1d", "--export", str(nowhere))
    assert bad_export.returncode == 2 and "does not exist" in bad_export.stderr
    assert len(remaining(home)) == 4


async def test_a_worker_serving_the_folder_does_the_purge(home: Path, tmp_path: Path) -> None:
    old, new = await make_runs(home, tmp_path)
    worker = subprocess.Popen([*REN, "worker"], cwd=ROOT, env=ren_env(home), text=True)
    try:
        info = home / "engine.json"
        deadline = time.time() + 60
        while not info.exists() or "port" not in info.read_text():
            assert time.time() < deadline, "the worker did not start"
            await asyncio.sleep(0.05)
        export = tmp_path / "handed.jsonl"

        done = run_ren(home, "runs", "purge", "--before", "14d", "--export", str(export), "--yes")

        assert done.returncode == 0, done.stderr
        assert "deleted 3 run(s)" in done.stdout
        assert sorted(json.loads(x)["run"]["id"] for x in export.read_text().splitlines()) == (
            sorted(old)
        )
        listed = run_ren(home, "runs", "--json")
        assert [r["run_id"] for r in json.loads(listed.stdout)] == [new]
    finally:
        worker.terminate()
        assert worker.wait(timeout=30) == 0
