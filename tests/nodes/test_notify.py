"""The notify node on a real engine: the in-app list (the header's bell reads it), the desktop
channel falling back to the list where no notification service exists (this headless machine
without a D-Bus session), marking read, and bad config before a run."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.core.dsl import WorkflowSpec
from app.engine.notifications import notifications_of
from app.engine.notifications_desktop import desktop_missing
from app.engine.service import Engine
from tests.conftest import chain_workflow


def notify_node(**config: Any) -> dict[str, Any]:
    return {
        "type": "notify",
        "config": {
            "title": "Order {{ input.order }}",
            "message": "Total {{ input.total }}",
            **config,
        },
    }


@pytest.fixture
def headless(monkeypatch: pytest.MonkeyPatch) -> None:
    """No D-Bus session: no desktop notification service (as on a headless Linux)."""
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    if desktop_missing() is None:
        pytest.skip("this machine has a desktop notification service")


async def test_the_app_channel_adds_an_unread_notification(engine: Engine) -> None:
    notifications = notifications_of(engine)
    heard: list[int] = []
    notifications.listeners.append(heard.append)
    engine.import_workflow(chain_workflow(notify_node(channel="app")))
    run = await engine.run("wf", {"order": 42, "total": 9.5})
    assert run.status == "succeeded", run.error
    (entry,) = notifications.latest()
    assert (entry["title"], entry["message"]) == ("Order 42", "Total 9.5")
    assert entry["run_id"] == run.id and entry["kind"] == "notify" and entry["read_at"] is None
    assert notifications.unread_count() == 1 and heard == [1]
    step = next(s for s in engine.steps(run.id) if s.node_id == "n1")
    assert step.output["delivered"] == ["app"]

    notifications.mark_read(entry["id"])
    assert notifications.unread_count() == 0 and heard == [1, 0]
    assert notifications.latest()[0]["read_at"] is not None


async def test_desktop_without_a_service_falls_back_to_the_list_with_a_warning(
    engine: Engine, headless: None
) -> None:
    engine.import_workflow(chain_workflow(notify_node(channel="desktop")))
    run = await engine.run("wf", {"order": 7, "total": 1})
    assert run.status == "succeeded", run.error
    step = next(s for s in engine.steps(run.id) if s.node_id == "n1")
    assert step.output["delivered"] == ["app"]
    assert "D-Bus" in step.output["problems"][0]
    assert [n["title"] for n in notifications_of(engine).latest()] == ["Order 7"]
    logs = [e.data for e in engine.events(run.id) if e.type == "log"]
    assert any(d["level"] == "warning" and "D-Bus" in d["message"] for d in logs)


async def test_fail_if_undelivered_fails_the_step_saying_why(
    engine: Engine, headless: None
) -> None:
    engine.import_workflow(chain_workflow(notify_node(channel="desktop", fail_if_undelivered=True)))
    run = await engine.run("wf", {"order": 7, "total": 1})
    assert run.status == "failed"
    assert "no desktop notification service" in json.dumps(run.error)


async def test_mark_all_read_and_the_newest_first(engine: Engine) -> None:
    notifications = notifications_of(engine)
    for number in range(3):
        notifications.add(f"n{number}", "text")
    assert [n["title"] for n in notifications.latest()][:1] == ["n2"]
    assert notifications.unread_count() == 3
    notifications.mark_all_read()
    assert notifications.unread_count() == 0


def test_config_problems_before_publishing(engine: Engine) -> None:
    def problems(config: dict[str, Any]) -> set[str | None]:
        doc = chain_workflow({"type": "notify", "config": config})
        found = engine.validate(WorkflowSpec.model_validate(doc))
        return {p.field for p in found if p.node_id == "n1"}

    assert "config.message" in problems({"message": "{{ input."})
    assert "config.title" in problems({"title": "", "message": ""})
    assert "config.channel" in problems({"title": "x", "channel": "pager"})
