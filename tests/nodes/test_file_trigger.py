"""The file trigger on a real engine, a real SQLite file and a real folder (watchfiles): files
created while Ren runs and while it is stopped each start exactly one run, a file written
twice quickly starts one, deletions, replacing the watcher on publish, and config problems.

"Exactly one" is checked without timing: after the files under test, a sentinel file is
created and its run awaited; a duplicate would have been started before it."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from app.engine.service import Engine
from app.store.schema import Run

WAIT_S = 30.0  # an upper bound only: the tests wait for runs, never for time


def watch_flow(folder: Path, wid: str = "wf", **config: Any) -> dict[str, Any]:
    config = {"folder": str(folder), "debounce_s": 0.3, **config}
    nodes = [
        {"id": "watch", "type": "file_trigger", "config": config},
        {"id": "end", "type": "end"},
    ]
    edges = [{"source": "watch", "target": "end"}]
    return {"schema": "ren.workflow/1", "id": wid, "name": wid, "nodes": nodes, "edges": edges}


async def publish(engine: Engine, doc: dict[str, Any]) -> str:
    wid = engine.import_workflow(doc).workflow_id  # type: ignore[union-attr]
    await engine.file_watches.refresh()  # at once, not at the next reconcile
    await engine.file_watches.ready()  # a change from now on is seen as it happens
    return wid


def runs_of(engine: Engine, wid: str) -> list[Run]:
    return [r for r in engine.list_runs(limit=1000) if r.workflow_id == wid]


async def runs_for(engine: Engine, wid: str, names: Sequence[str]) -> list[Run]:
    """Wait until runs for every named file exist (and have ended); all runs of `wid`."""

    async def poll() -> list[Run]:
        while True:
            runs = runs_of(engine, wid)
            got = {r.input["name"] for r in runs if r.status != "running"}
            if set(names) <= got:
                return runs
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(poll(), WAIT_S)


def names(runs: Sequence[Run], event: str | None = None) -> list[str]:
    return sorted(r.input["name"] for r in runs if event is None or r.input["event"] == event)


async def test_files_created_while_running_each_start_one_run(
    engine: Engine, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "old.csv").write_text("was there before")  # before watching: no run
    wid = await publish(engine, watch_flow(inbox, pattern="*.csv"))
    (inbox / "a.csv").write_text("1,2\n")
    (inbox / "b.csv").write_text("3,4\n")
    (inbox / "skip.txt").write_text("not matching")
    await runs_for(engine, wid, ["a.csv", "b.csv"])
    (inbox / "sentinel.csv").write_text("last")
    runs = await runs_for(engine, wid, ["sentinel.csv"])
    assert names(runs) == ["a.csv", "b.csv", "sentinel.csv"]
    run = next(r for r in runs if r.input["name"] == "a.csv")
    assert run.status == "succeeded"
    assert run.input["path"] == str((inbox / "a.csv").resolve())
    assert run.input["event"] == "created" and run.input["size"] == 4
    assert run.input["modified"].endswith("+00:00")
    assert run.idempotency_key is not None and run.idempotency_key.startswith("file:wf:watch:")


async def test_a_file_written_twice_quickly_starts_one_run(engine: Engine, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    wid = await publish(engine, watch_flow(inbox, events=["created", "changed"], debounce_s=1))
    target = inbox / "report.txt"
    target.write_text("part one\n")
    with target.open("a") as handle:
        handle.write("part two\n")
    await runs_for(engine, wid, ["report.txt"])
    (inbox / "sentinel.txt").write_text("last")
    runs = await runs_for(engine, wid, ["sentinel.txt"])
    assert names(runs) == ["report.txt", "sentinel.txt"]
    report = next(r for r in runs if r.input["name"] == "report.txt")
    assert report.input["event"] == "created" and report.input["size"] == 18


async def test_deleted_files_start_runs_when_asked(engine: Engine, tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    doomed = inbox / "doomed.txt"
    doomed.write_text("x")
    wid = await publish(engine, watch_flow(inbox, events=["deleted"]))
    (inbox / "new.txt").write_text("created: not asked for")
    doomed.unlink()
    runs = await runs_for(engine, wid, ["doomed.txt"])
    assert [(r.input["name"], r.input["event"], r.input["size"]) for r in runs] == [
        ("doomed.txt", "deleted", None)
    ]


async def test_files_that_arrive_while_stopped_start_one_run_at_the_next_start(
    home: Path, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "before.txt").write_text("there before the trigger was published")
    engine = Engine(home)
    await engine.start()
    wid = await publish(engine, watch_flow(inbox))
    (inbox / "live.txt").write_text("while running")
    await runs_for(engine, wid, ["live.txt"])
    await engine.stop()

    (inbox / "offline1.txt").write_text("while Ren was closed")
    (inbox / "offline2.txt").write_text("this one too")
    engine = Engine(home)
    await engine.start()
    try:
        runs = await runs_for(engine, wid, ["offline1.txt", "offline2.txt"])
    finally:
        await engine.stop()

    engine = Engine(home)  # a second restart fires nothing again
    await engine.start()
    try:
        (inbox / "sentinel.txt").write_text("last")
        runs = await runs_for(engine, wid, ["sentinel.txt"])
    finally:
        await engine.stop()
    assert names(runs) == ["live.txt", "offline1.txt", "offline2.txt", "sentinel.txt"]
    assert all(r.status == "succeeded" for r in runs)


async def test_publishing_a_new_folder_replaces_the_watcher(engine: Engine, tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    wid = await publish(engine, watch_flow(first))
    assert list(engine.file_watches.watches) == [("wf", "watch")]
    await publish(engine, watch_flow(second))
    (first / "ignored.txt").write_text("the old folder")
    (second / "seen.txt").write_text("the new folder")
    runs = await runs_for(engine, wid, ["seen.txt"])
    assert names(runs) == ["seen.txt"]
    engine.delete_workflow(wid)
    await engine.file_watches.refresh()
    assert engine.file_watches.watches == {}


async def test_config_problems_before_publishing(engine: Engine, tmp_path: Path) -> None:
    cases = {
        "folder": (tmp_path / "missing", {}, "does not exist"),
        "pattern": (tmp_path, {"pattern": "../*.txt"}, "reaches outside"),
        "events": (tmp_path, {"events": []}, "choose at least one"),
    }
    for field, (folder, config, text) in cases.items():
        doc = watch_flow(folder, **config)
        spec = engine.workflows.import_document(doc)
        found = [p for p in engine.validate(spec) if p.node_id == "watch"]
        assert any(p.field == f"config.{field}" and text in p.message for p in found), found
    relative = engine.workflows.import_document(watch_flow(Path("inbox")))
    assert any("is not a full path" in p.message for p in engine.validate(relative))
    absolute = engine.workflows.import_document(watch_flow(tmp_path, pattern=os.sep + "etc"))
    assert any("reaches outside" in p.message for p in engine.validate(absolute))


async def test_a_publish_is_picked_up_without_being_told(engine: Engine, tmp_path: Path) -> None:
    """The engine notices a newly published trigger by itself (its reconcile loop)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    engine.import_workflow(watch_flow(inbox, recursive=True, pattern="in/*.txt"))

    async def watching() -> None:
        while ("wf", "watch") not in engine.file_watches.watches:
            await asyncio.sleep(0.05)

    await asyncio.wait_for(watching(), WAIT_S)
    await engine.file_watches.ready()
    (inbox / "in").mkdir()
    (inbox / "in" / "deep.txt").write_text("matches in/*.txt")
    (inbox / "top.txt").write_text("does not match in/*.txt")
    runs = await runs_for(engine, "wf", ["deep.txt"])
    assert [r.input["path"] for r in runs] == [str((inbox / "in" / "deep.txt").resolve())]


def test_which_files_match_and_how_changes_add_up() -> None:
    from app.engine.file_watch_folder import merge
    from app.nodes.file_trigger import FileTriggerConfig, matches

    flat = FileTriggerConfig(folder="/x", pattern="*.pdf")
    deep = FileTriggerConfig(folder="/x", pattern="*.pdf", recursive=True)
    by_path = FileTriggerConfig(folder="/x", pattern="2026/*.pdf", recursive=True)
    assert matches(flat, "a.pdf") and not matches(flat, "sub/a.pdf") and not matches(flat, "a.txt")
    assert matches(deep, "sub/a.pdf") and matches(by_path, "2026/a.pdf")
    assert not matches(by_path, "2025/a.pdf")
    assert merge(None, "created") == "created"
    assert merge("created", "changed") == "created"  # written after it appeared: one created
    assert merge("created", "deleted") is None  # gone before it settled: nothing
    assert merge("deleted", "created") == "changed"  # replaced
    assert merge("changed", "deleted") == "deleted"
