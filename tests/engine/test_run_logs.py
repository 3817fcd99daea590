"""The JSON Lines run log: one file a day for every run (no folder per run), compressed when it
grows or the day changes, capped in size, and one run's log rebuilt from the database."""

from __future__ import annotations

import gzip
import json
import os
import stat
from pathlib import Path
from typing import Any

from app.engine.log_files import JsonlLog, event_line, read_lines
from app.engine.service import Engine
from tests.conftest import chain_workflow
from tests.ren_cli import run_ren

SET = {"type": "set", "config": {"values": {"n": 1}}}


def line(run_id: str, seq: int) -> str:
    return event_line(run_id, seq, "step.completed", "a", '{"x":"' + "y" * 80 + '"}', 1.5)


async def test_every_run_logs_to_the_day_file_and_no_run_gets_a_folder(
    engine: Engine, home: Path
) -> None:
    engine.import_workflow(chain_workflow(SET, SET, SET))
    runs = [await engine.run("wf", {}) for _ in range(30)]
    engine.logs.drain()
    assert not (home / "runs").exists() or not any((home / "runs").iterdir())
    (day_file,) = (home / "logs").iterdir()
    assert day_file.name.startswith("events-") and day_file.suffix == ".jsonl"
    assert stat.S_IMODE(day_file.stat().st_mode) == 0o600
    lines = read_lines(home / "logs")
    for run in runs:
        own = [x for x in lines if x["run_id"] == run.id]
        assert [x["seq"] for x in own] == list(range(1, len(own) + 1))
        assert own[-1]["type"] == "run.succeeded"
        assert own == [e.model_dump(exclude={"id"}) for e in engine.events(run.id)]


def test_a_full_file_is_compressed_and_the_oldest_go_past_the_cap(tmp_path: Path) -> None:
    log = JsonlLog(tmp_path, segment_bytes=1000, max_bytes=300, day=lambda: "2026-01-02")
    for seq in range(1, 41):
        log.write_lines(line("r", seq))
    log.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert "events-2026-01-02.jsonl" in names
    segments = [n for n in names if n.endswith(".jsonl.gz")]
    assert segments and all(stat.S_IMODE((tmp_path / n).stat().st_mode) == 0o600 for n in segments)
    assert sum((tmp_path / n).stat().st_size for n in segments) <= 300  # the cap
    kept = [x["seq"] for x in read_lines(tmp_path)]
    assert kept == list(range(kept[0], 41))  # the newest lines, in order
    assert kept[0] > 1  # the oldest went


def test_a_new_day_seals_the_last_one(tmp_path: Path) -> None:
    today = ["2026-01-01"]
    log = JsonlLog(tmp_path, day=lambda: today[0])
    log.write_lines(line("r", 1))
    today[0] = "2026-01-02"
    log.write_lines(line("r", 2))
    log.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "events-2026-01-01.1.jsonl.gz",
        "events-2026-01-02.jsonl",
    ]
    with gzip.open(tmp_path / "events-2026-01-01.1.jsonl.gz", "rt") as old:
        assert json.loads(old.read())["seq"] == 1
    # a later process finds yesterday's file left open and seals it before writing
    (tmp_path / "events-2026-01-02.jsonl").rename(tmp_path / "events-2025-12-31.jsonl")
    JsonlLog(tmp_path, day=lambda: "2026-01-03").write_lines(line("r", 3))
    assert "events-2025-12-31.1.jsonl.gz" in os.listdir(tmp_path)
    assert [x["seq"] for x in read_lines(tmp_path)] == [2, 1, 3]  # by day: 12-31, 01-01, 01-03


def run_log(home: Path, run_id: str) -> list[dict[str, Any]]:
    done = run_ren(home, "show", run_id, "--log")
    assert done.returncode == 0, done.stderr
    return [json.loads(x) for x in done.stdout.splitlines()]


async def test_ren_show_log_prints_one_runs_log_from_the_database(home: Path) -> None:
    engine = Engine(home)
    await engine.start()
    engine.import_workflow(chain_workflow(SET, SET))
    first, second = await engine.run("wf", {}), await engine.run("wf", {})
    await engine.stop()
    shown = run_log(home, first.id)
    assert {x["run_id"] for x in shown} == {first.id}
    mirrored = [x for x in read_lines(home / "logs") if x["run_id"] == first.id]
    assert shown == mirrored
    assert run_log(home, second.id)[-1]["type"] == "run.succeeded"
    missing = run_ren(home, "show", "nope", "--log")
    assert missing.returncode == 2
    assert missing.stderr.strip() == "ren: no run 'nope'"
