"""Artifacts on a real engine: saved by a function through `ctx`, recorded with their step,
read back by a later step, downloadable, and removed with their run."""

from __future__ import annotations

import asyncio
import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import text

from app import register_function
from app.api.artifacts import artifact_router
from app.api.guard import HostGuard
from app.api.hosts import policy_for
from app.api.server import free_port
from app.engine.run_removal import RunNotFinished
from app.engine.service import Engine
from app.nodes.context import ArtifactNotFound
from tests.conftest import chain_workflow

REPORT = b"id,amount\n1,10\n2,32\n"


@register_function("art.save")
def save(state: dict[str, Any], ctx: Any, name: str = "report.csv") -> dict[str, Any]:
    return {"saved": ctx.save_artifact(name, REPORT)}


@register_function("art.save_chunks")
def save_chunks(state: dict[str, Any], ctx: Any, chunks: int = 4) -> dict[str, Any]:
    def parts() -> Iterator[bytes]:
        for i in range(chunks):
            yield bytes([65 + i]) * 1000

    return {"saved": ctx.save_artifact("blob.bin", parts(), "application/x-test")}


@register_function("art.read_back")
def read_back(state: dict[str, Any], ctx: Any) -> dict[str, Any]:
    path = ctx.artifact_path(state["saved"]["artifact_id"])
    return {"text": path.read_text()}


@register_function("art.save_then_fail")
def save_then_fail(state: dict[str, Any], ctx: Any) -> dict[str, Any]:
    ctx.save_artifact(f"try-{ctx.attempt}.txt", b"partial")
    if ctx.attempt < 2:
        raise RuntimeError("first attempt fails")
    return {"ok": True}


@register_function("art.missing")
def missing(state: dict[str, Any], ctx: Any) -> dict[str, Any]:
    try:
        ctx.artifact_path("nope")
    except ArtifactNotFound as err:
        return {"error": str(err)}
    return {"error": None}


@register_function("art.bad_name")
def bad_name(state: dict[str, Any], ctx: Any) -> dict[str, Any]:
    ctx.save_artifact("  ", b"x")
    return {}


@register_function("art.save_item")
def save_item(state: dict[str, Any], ctx: Any) -> dict[str, Any]:
    return ctx.save_artifact(f"item-{state['item']}.txt", str(state["item"]).encode())


@register_function("art.save_then_hang")
async def save_then_hang(state: dict[str, Any], ctx: Any) -> dict[str, Any]:
    ctx.save_artifact("unfinished.bin", b"half of something")
    STARTED.set()
    while True:
        ctx.checkpoint()  # a cancel stops the step here
        await asyncio.sleep(0.01)


STARTED = asyncio.Event()


def fn(function: str, **args: Any) -> dict[str, Any]:
    return {"type": "function", "config": {"function": function, "args": args}}


async def run_doc(engine: Engine, doc: dict[str, Any]) -> Any:
    engine.import_workflow(doc)
    return await engine.run(doc["id"], {})


async def test_a_function_saves_an_artifact_recorded_with_its_step(engine: Engine) -> None:
    run = await run_doc(engine, chain_workflow(fn("art.save"), fn("art.read_back")))
    assert run.status == "succeeded", run.error
    saved = engine.steps(run.id)[1].output["saved"]
    assert saved["name"] == "report.csv" and saved["media_type"] == "text/csv"
    assert saved["size"] == len(REPORT)
    assert saved["sha256"] == hashlib.sha256(REPORT).hexdigest()
    assert run.output == {"text": REPORT.decode()}  # the next step read the file back

    (artifact,) = engine.artifacts.of_run(run.id)
    assert (artifact.id, artifact.node_key, artifact.attempt) == (saved["artifact_id"], "n1", 1)
    assert artifact.path == f"artifacts/{run.id}/{artifact.id}-report.csv"
    file = engine.folder.root / artifact.path
    assert file.read_bytes() == REPORT
    if os.name == "posix":
        assert stat.S_IMODE(file.stat().st_mode) == 0o600
    assert [p.name for p in file.parent.iterdir()] == [file.name]  # no temp file left


async def test_chunks_are_streamed_into_one_file(engine: Engine) -> None:
    run = await run_doc(engine, chain_workflow(fn("art.save_chunks", chunks=5)))
    saved = run.output["saved"]
    assert saved["size"] == 5000 and saved["media_type"] == "application/x-test"
    _, path = engine.artifacts.file(saved["artifact_id"])
    assert path.read_bytes() == b"".join(bytes([65 + i]) * 1000 for i in range(5))


async def test_each_attempt_keeps_its_artifacts(engine: Engine) -> None:
    node = {**fn("art.save_then_fail"), "retry": {"max_attempts": 2, "backoff_s": 0}}
    run = await run_doc(engine, chain_workflow(node))
    assert run.status == "succeeded", run.error
    rows = engine.artifacts.of_run(run.id)
    assert [(a.name, a.attempt) for a in rows] == [("try-1.txt", 1), ("try-2.txt", 2)]


async def test_unknown_artifact_and_empty_name_are_clear_errors(engine: Engine) -> None:
    run = await run_doc(engine, chain_workflow(fn("art.missing")))
    assert run.output == {"error": "no artifact 'nope'"}
    run = await run_doc(engine, chain_workflow(fn("art.bad_name"), wid="bad"))
    assert run.status == "failed"
    assert "an artifact needs a name" in run.error["message"]
    assert engine.artifacts.of_run(run.id) == []


async def test_deleting_a_run_removes_its_rows_and_files(engine: Engine) -> None:
    kept = await run_doc(engine, chain_workflow(fn("art.save"), wid="kept"))
    run = await run_doc(engine, chain_workflow(fn("art.save"), wid="gone"))
    folder = engine.folder.root / "artifacts" / run.id
    assert folder.is_dir()

    assert await engine.delete_runs([run.id]) == 1

    assert not folder.exists()
    assert engine.artifacts.of_run(run.id) == []
    assert engine.steps(run.id) == [] and engine.events(run.id) == []
    with pytest.raises(Exception, match="no run"):
        engine.get_run(run.id)
    assert len(engine.artifacts.of_run(kept.id)) == 1  # another run keeps its files
    assert (engine.folder.root / engine.artifacts.of_run(kept.id)[0].path).is_file()


async def test_a_run_still_going_is_not_deleted(engine: Engine) -> None:
    doc = chain_workflow({"type": "wait", "config": {"seconds": 3600}}, wid="sleepy")
    engine.import_workflow(doc)
    run_id = await engine.start_run("sleepy", {})
    run = await engine.wait(run_id)
    assert run.status == "waiting"
    with pytest.raises(RunNotFinished, match="cancel it"):
        await engine.delete_runs([run_id])
    assert engine.get_run(run_id).status == "waiting"

    await engine.control.cancel(run_id)  # then its wait and timer rows go with it
    assert await engine.delete_runs([run_id]) == 1
    with engine.store.session() as session:
        for table in ("wait", "timer", "step", "event", "run"):
            column = "id" if table == "run" else "run_id"
            query = text(f"SELECT count(*) FROM {table} WHERE {column} = :id")
            assert session.execute(query, {"id": run_id}).scalar() == 0, table


async def test_files_a_crash_left_unrecorded_are_swept_at_start(home: Path) -> None:
    async with Engine(home) as engine:
        run = await run_doc(engine, chain_workflow(fn("art.save")))
        recorded = engine.folder.root / engine.artifacts.of_run(run.id)[0].path
        # as if Ren died while the run was still going and a step had written a file
        engine.store.write_raw("UPDATE run SET status='running' WHERE id=?", run.id)
    stray = recorded.with_name("01stray-report.csv")
    stray.write_bytes(b"from a step that never committed")
    partial = recorded.with_name(".01other-x.csv.abc.part")
    partial.write_bytes(b"half")
    async with Engine(home) as engine:
        assert recorded.is_file() and not stray.exists() and not partial.exists()
        assert (await engine.wait(run.id)).status == "succeeded"


async def test_an_artifact_downloads_over_http_as_an_attachment(engine: Engine) -> None:
    run = await run_doc(engine, chain_workflow(fn("art.save", name="Bericht März.csv")))
    artifact_id = run.output["saved"]["artifact_id"]
    odd = await run_doc(engine, chain_workflow(fn("art.save", name='x/a"b\r\n.txt'), wid="odd"))
    odd_id = odd.output["saved"]["artifact_id"]
    api = FastAPI()
    api.add_middleware(HostGuard, policy=policy_for("127.0.0.1", 0, ()))
    api.include_router(artifact_router(lambda: engine))
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(api, port=port, log_level="warning", lifespan="off"))
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            await asyncio.sleep(0.01)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            answer = await client.get(f"/artifacts/{artifact_id}")
            assert answer.status_code == 200
            assert answer.content == REPORT
            assert answer.headers["content-type"].startswith("text/csv")
            disposition = answer.headers["content-disposition"]
            assert disposition.startswith("attachment;")
            assert "filename*=utf-8''Bericht%20M%C3%A4rz.csv" in disposition
            assert answer.headers["x-content-type-options"] == "nosniff"

            odd = await client.get(f"/artifacts/{odd_id}")
            assert odd.status_code == 200
            assert 'filename="a_b__.txt"' in odd.headers["content-disposition"]

            missing = await client.get("/artifacts/nope")
            assert missing.status_code == 404
            # the same Host guard as every route: a rebinding page's Host is refused
            foreign = await client.get(
                f"/artifacts/{artifact_id}", headers={"Host": "evil.example"}
            )
            assert foreign.status_code == 421 and REPORT not in foreign.content
    finally:
        server.should_exit = True
        await serving


async def test_files_saved_in_loop_items_are_each_recorded(engine: Engine) -> None:
    doc = {
        "id": "loop",
        "name": "loop",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "each", "type": "foreach", "config": {"items": "input.n", "concurrency": 3}},
            {"id": "save", "parent": "each", **fn("art.save_item")},
            {"id": "end", "type": "end"},
        ],
        "edges": [{"source": "start", "target": "each"}, {"source": "each", "target": "end"}],
    }
    engine.import_workflow(doc)
    run = await engine.run("loop", {"n": [1, 2, 3, 4, 5]})
    assert run.status == "succeeded", run.error
    rows = engine.artifacts.of_run(run.id)
    assert sorted((a.node_key, a.name) for a in rows) == [
        (f"save[{i}]", f"item-{i + 1}.txt") for i in range(5)
    ]
    assert all((engine.folder.root / a.path).read_text() == a.name[5:-4] for a in rows)


async def test_a_canceled_step_leaves_no_files(engine: Engine) -> None:
    STARTED.clear()
    engine.import_workflow(chain_workflow(fn("art.save_then_hang"), wid="hang"))
    run_id = await engine.start_run("hang", {})
    await asyncio.wait_for(STARTED.wait(), 10)
    await engine.control.cancel(run_id)
    run = await engine.wait(run_id)
    assert run.status == "canceled"
    assert engine.artifacts.of_run(run_id) == []
    folder = engine.folder.root / "artifacts" / run_id
    assert not folder.exists() or list(folder.iterdir()) == []
