"""PATCH /api/v1/schedules/{id} over real HTTP: every setting the app lets one choose, checked
before anything is written, named in the one error shape, re-armed and audited."""

from __future__ import annotations

import json
from typing import Any

from app.engine.service import Engine
from tests.api.v1_server import client, served
from tests.conftest import chain_workflow


def job_trigger(engine: Engine, schedule_id: str) -> str | None:
    """The armed APScheduler job's trigger, as text with its time zone (None: not armed)."""
    for job in engine.alarms.jobs():
        if job.id == f"schedule:{schedule_id}":
            return f"{job.trigger} {job.trigger.timezone}"
    return None


def audited(engine: Engine, schedule_id: str) -> list[dict[str, Any]]:
    rows = engine.store.rows(
        "SELECT details FROM audit WHERE what='schedule changed' AND target=? ORDER BY id",
        schedule_id,
    )
    return [
        r["details"] if isinstance(r["details"], dict) else json.loads(r["details"]) for r in rows
    ]


async def test_patch_changes_every_editable_setting(engine: Engine) -> None:
    engine.import_workflow(chain_workflow(wid="tick"))
    async with served(engine) as api, client(api.url) as http:
        made = await http.post(
            "/schedules", json={"workflow_id": "tick", "interval_s": 3600, "input": {"n": 1}}
        )
        sid = made.json()["id"]
        assert "interval[1:00:00]" in str(job_trigger(engine, sid))

        change = {
            "cron": "0 7 * * mon-fri",
            "timezone": "Europe/Berlin",
            "input": {"n": 2, "who": "Ana"},
            "misfire": "skip",
        }
        changed = await http.patch(f"/schedules/{sid}", json=change)
        assert changed.status_code == 200, changed.text
        body = changed.json()
        assert {k: body[k] for k in change} == change
        assert body["interval_s"] is None and body["enabled"] is True
        trigger = str(job_trigger(engine, sid))
        assert "day_of_week='mon-fri'" in trigger and "hour='7'" in trigger
        assert "Europe/Berlin" in trigger

        back = (await http.patch(f"/schedules/{sid}", json={"interval_s": 90})).json()
        assert (back["cron"], back["interval_s"]) == (None, 90)
        assert "interval[0:01:30]" in str(job_trigger(engine, sid))

        off = (await http.patch(f"/schedules/{sid}", json={"enabled": False})).json()
        assert off["enabled"] is False and job_trigger(engine, sid) is None
        on = await http.patch(f"/schedules/{sid}", json={"enabled": True, "input": None})
        assert on.json()["enabled"] is True and on.json()["input"] is None
        assert job_trigger(engine, sid) is not None
        assert (await http.get(f"/schedules/{sid}")).json() == on.json()

    entries = audited(engine, sid)
    assert [e["change"] for e in entries] == ["added", "changed", "changed", "changed", "changed"]
    assert entries[1]["cron"] == "0 7 * * mon-fri" and entries[1]["input"] == change["input"]
    assert entries[1]["interval_s"] is None and entries[1]["workflow_id"] == "tick"
    assert entries[3] == {"change": "changed", "workflow_id": "tick", "enabled": False}


async def test_bad_changes_name_the_field_and_change_nothing(engine: Engine) -> None:
    engine.import_workflow(chain_workflow(wid="tick"))
    async with served(engine) as api, client(api.url) as http:
        made = await http.post("/schedules", json={"workflow_id": "tick", "cron": "0 8 * * *"})
        sid = made.json()["id"]
        before = (await http.get(f"/schedules/{sid}")).json()
        bad = {
            "body.timezone": {"timezone": "Mars/Olympus", "input": {"n": 9}},
            "body.cron": {"cron": "every morning", "misfire": "all"},
            "body.interval_s": {"interval_s": -5},
            "body.misfire": {"misfire": "sometimes"},
            "body.workflow_id": {"workflow_id": "other"},
            "body.enabled": {"enabled": None},
            "body": {},
        }
        for field, change in bad.items():
            answer = await http.patch(f"/schedules/{sid}", json=change)
            assert answer.status_code == 422, (field, answer.text)
            error = answer.json()["error"]
            assert error["kind"] == "invalid" and error["message"].startswith(field), error
            assert error["problems"][0]["field"] == field, error
        both = await http.patch(f"/schedules/{sid}", json={"cron": "0 9 * * *", "interval_s": 60})
        assert both.json()["error"]["problems"][0]["field"] == "body.cron"
        assert (await http.get(f"/schedules/{sid}")).json() == before
        missing = await http.patch("/schedules/nope", json={"enabled": False})
        assert missing.status_code == 404 and missing.json()["error"]["kind"] == "not_found"
    assert [e["change"] for e in audited(engine, sid)] == ["added"]
