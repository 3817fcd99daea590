"""/api/v1 over real HTTP: runs, workflows, versions, tasks, signals, schedules, functions,
logs, and the one error shape."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from app import register_function
from app.engine.service import Engine
from tests.api.v1_server import EXPENSE, SIGNAL_FLOW, client, served
from tests.conftest import chain_workflow


def error_of(response: Any, status: int, kind: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["kind"] == kind and error["message"]
    assert isinstance(error["problems"], list)
    return error


async def test_start_get_and_list_runs(engine: Engine) -> None:
    engine.import_workflow(EXPENSE)
    async with served(engine) as api, client(api.url) as http:
        body = {"workflow": "expense-approval", "input": {"who": "Ana", "amount": 12}}
        started = await http.post("/runs", json={**body, "wait": True})
        assert started.status_code == 201
        run = started.json()
        assert run["status"] == "waiting" and run["created"] is True
        got = (await http.get(f"/runs/{run['run_id']}")).json()
        assert got["input"] == {"who": "Ana", "amount": 12}
        assert got["tasks"][0]["title"] == "Expense of 12 EUR for Ana"
        for n in range(4):
            await http.post(
                "/runs",
                json={"workflow": "expense-approval", "input": {"who": str(n), "amount": n}},
            )
        first = (await http.get("/runs", params={"limit": 3})).json()
        second = (await http.get("/runs", params={"limit": 3, "cursor": first["next"]})).json()
        assert second["next"] is None
        ids = [r["run_id"] for r in first["items"] + second["items"]]
        assert len(ids) == len(set(ids)) == 5 and run["run_id"] == ids[-1]
        waiting = (await http.get("/runs", params={"status": "succeeded"})).json()
        assert waiting["items"] == []
        steps = (await http.get(f"/runs/{run['run_id']}/steps")).json()
        assert steps[0]["node_key"] == "start" and steps[0]["output"]["who"] == "Ana"
        log = await http.get(f"/runs/{run['run_id']}/log")
        assert log.headers["content-type"].startswith("application/x-ndjson")
        events = [json.loads(line) for line in log.text.splitlines()]
        assert events[0]["type"] == "run.created"


async def test_same_idempotency_key_starts_one_run(engine: Engine) -> None:
    engine.import_workflow(EXPENSE)
    async with served(engine) as api, client(api.url) as http:
        body = {"workflow": "expense-approval", "input": {"who": "Bo", "amount": 3}}
        headers = {"Idempotency-Key": "order-41"}
        answers = await asyncio.gather(
            *(http.post("/runs", json=body, headers=headers) for _ in range(2))
        )
        assert {a.status_code for a in answers} <= {200, 201}
        assert len({a.json()["run_id"] for a in answers}) == 1
        again = await http.post("/runs", json=body, headers=headers)
        assert again.status_code == 200 and again.json()["created"] is False
        assert again.json()["run_id"] == answers[0].json()["run_id"]
        listed = (await http.get("/runs")).json()["items"]
        assert len(listed) == 1


async def test_tasks_signals_and_control(engine: Engine) -> None:
    engine.import_workflow(EXPENSE)
    engine.import_workflow(SIGNAL_FLOW)
    async with served(engine) as api, client(api.url) as http:
        body = {"workflow": "expense-approval", "input": {"who": "Cy", "amount": 9}, "wait": True}
        run_id = (await http.post("/runs", json=body)).json()["run_id"]
        (task,) = (await http.get("/tasks")).json()
        assert (await http.get(f"/tasks/{task['id']}")).json()["status"] == "open"
        wrong = await http.post(f"/tasks/{task['id']}/complete", json={"outcome": "approve"})
        error_of(wrong, 422, "invalid")  # budget_code is required
        answer = {"outcome": "approve", "values": {"budget_code": "TRAVEL"}, "by": "Dee"}
        done = await http.post(f"/tasks/{task['id']}/complete", json=answer)
        assert done.json()["status"] == "succeeded" and done.json()["run_id"] == run_id
        error_of(
            await http.post(f"/tasks/{task['id']}/complete", json=answer), 409, "no_longer_possible"
        )
        assert (await http.get(f"/tasks/{task['id']}")).json()["completed_by"] == "Dee"

        pay = (await http.post("/runs", json={"workflow": "pay", "wait": True})).json()["run_id"]
        paused = (await http.post(f"/runs/{pay}/pause")).json()
        assert paused["status"] == "paused"
        assert (await http.post(f"/runs/{pay}/resume", json={})).json()["status"] == "waiting"
        signalled = await http.post(f"/runs/{pay}/signals", json={"name": "payment", "data": 5})
        assert signalled.json()["status"] == "succeeded"
        other = (await http.post("/runs", json={"workflow": "pay", "wait": True})).json()["run_id"]
        assert (await http.post(f"/runs/{other}/cancel")).json()["status"] == "canceled"
        rerun = await http.post(f"/runs/{run_id}/rerun", json={"node_id": "paid"})
        assert rerun.json()["rerun_of"] == run_id and rerun.json()["status"] == "succeeded"


async def test_workflows_versions_and_schedules(engine: Engine) -> None:
    async with served(engine) as api, client(api.url) as http:
        made = await http.post("/workflows", json={"name": "Tiny flow"})
        assert made.status_code == 201
        wid = made.json()["id"]
        doc = json.loads(EXPENSE.read_text())
        saved = await http.put(
            f"/workflows/{wid}/draft", json={"document": doc, "revision": made.json()["revision"]}
        )
        assert saved.json()["name"] == "Expense approval"
        stale = await http.put(
            f"/workflows/{wid}/draft", json={"document": doc, "revision": made.json()["revision"]}
        )
        error_of(stale, 409, "conflict")
        assert (await http.post(f"/workflows/{wid}/publish", json={"message": "v1"})).json()[
            "number"
        ] == 1
        doc["name"] = "Expense approval 2"
        await http.put(f"/workflows/{wid}/draft", json={"document": doc})
        diff = (await http.get(f"/workflows/{wid}/diff")).json()
        assert diff["changes"] and any("name" in line.lower() for line in diff["lines"])
        restored = (await http.post(f"/workflows/{wid}/versions/1/restore")).json()
        assert restored["name"] == "Expense approval"
        versions = (await http.get(f"/workflows/{wid}/versions")).json()
        assert [v["number"] for v in versions] == [1]
        assert (await http.get(f"/workflows/{wid}/versions/1")).json()["definition"]["id"] == wid
        exported = (await http.get(f"/workflows/{wid}/export")).json()
        imported = (
            await http.post("/workflows/import", json={"document": exported, "publish": True})
        ).json()
        assert imported["id"] != wid and imported["version"] == 1
        assert {w["id"] for w in (await http.get("/workflows")).json()} == {wid, imported["id"]}

        schedule = await http.post(
            "/schedules",
            json={"workflow_id": wid, "interval_s": 3600, "input": {"who": "Ed", "amount": 1}},
        )
        assert schedule.status_code == 201
        sid = schedule.json()["id"]
        off = await http.patch(f"/schedules/{sid}", json={"enabled": False})
        assert off.json()["enabled"] is False
        bad = await http.post("/schedules", json={"workflow_id": wid, "cron": "not a cron"})
        error_of(bad, 422, "invalid")
        assert (await http.delete(f"/workflows/{wid}")).json() == {"removed": wid}
        assert (await http.get("/schedules")).json() == []  # went with its workflow
        error_of(await http.get(f"/workflows/{wid}"), 404, "not_found")
        assert isinstance((await http.get("/functions")).json(), list)


async def test_errors_share_one_shape(engine: Engine) -> None:
    engine.import_workflow(EXPENSE)
    async with served(engine) as api, client(api.url) as http:
        error_of(await http.get("/nowhere"), 404, "not_found")
        error_of(await http.delete("/runs"), 405, "method_not_allowed")
        error_of(await http.get("/runs/nope"), 404, "not_found")
        missing = error_of(await http.post("/runs", json={"input": {}}), 422, "invalid")
        assert missing["problems"][0]["field"] == "body.workflow"
        bad_input = await http.post(
            "/runs", json={"workflow": "expense-approval", "input": {"who": "x"}}
        )
        assert "amount" in error_of(bad_input, 422, "invalid")["message"]
        error_of(await http.post("/runs", json={"workflow": "nope"}), 404, "not_found")
        error_of(await http.get("/runs", params={"cursor": "!!"}), 422, "invalid")
        not_json = await http.post(
            "/runs", content=b"{", headers={"content-type": "application/json"}
        )
        error_of(not_json, 422, "invalid")
        huge = {"workflow": "expense-approval", "input": {"x": "a" * (17 * 1024 * 1024)}}
        error_of(await http.post("/runs", json=huge), 413, "too_large")
        doc = await http.get("/openapi.json")
        assert "/runs/{run_id}" in doc.json()["paths"]
        assert (await http.get("/docs")).status_code == 200


@register_function("api.save_report")
def save_report(state: dict[str, Any], ctx: Any) -> dict[str, Any]:
    return {"saved": ctx.save_artifact("report <1>.csv", b"a,b\n1,2\n")}


async def test_artifacts_listed_and_downloaded(engine: Engine) -> None:
    node = {"type": "function", "config": {"function": "api.save_report", "args": {}}}
    engine.import_workflow(chain_workflow(node, wid="report"))
    async with served(engine) as api, client(api.url) as http:
        started = await http.post("/runs", json={"workflow": "report", "wait": True})
        run_id = started.json()["run_id"]
        (artifact,) = (await http.get(f"/runs/{run_id}/artifacts")).json()
        assert artifact["name"] == "report <1>.csv" and artifact["size"] == 8
        download = await http.get(f"/artifacts/{artifact['id']}")
        assert download.content == b"a,b\n1,2\n"
        assert download.headers["content-disposition"].startswith("attachment")
        assert download.headers["x-content-type-options"] == "nosniff"
        error_of(await http.get("/artifacts/nope"), 404, "not_found")
