"""A model credential's key on the run page: an llm step that used it, and one whose error and
reply quote it, show the step but never the key (NiceGUI's simulated user, the app's engine)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from nicegui.testing import User

from app.credentials.vault import folder_vault
from tests.ai.openai_stub import Error, OpenAIStub, Reply
from tests.ui.people import engine

KEY = "sk-page-secret-90210"


def page_text(user: User) -> str:
    """Everything the page holds: texts, values and props of every element."""
    parts = []
    for element in user.client.elements.values():
        parts += [str(element._props), str(getattr(element, "text", "")), str(element._text)]
        parts.append(str(getattr(element, "value", "")))
    return "\n".join(parts)


def flow(base_url: str) -> dict[str, Any]:
    return {
        "schema": "ren.workflow/1",
        "id": "ask",
        "name": "ask",
        "nodes": [
            {"id": "start", "type": "start"},
            {
                "id": "ask",
                "type": "llm",
                "config": {"base_url": base_url, "model": "m", "prompt": "hi", "credential": "ai"},
            },
        ],
        "edges": [{"source": "start", "target": "ask"}],
    }


async def test_the_run_page_never_shows_the_model_key(user: User, home: Path) -> None:
    await user.open("/credentials")  # starts the app and its engine on `home`
    folder_vault(engine().folder.root).put("ai", "bearer", {"token": KEY})
    with OpenAIStub([Reply(f"echo {KEY}"), Error(400, f"bad key {KEY}")]) as stub:
        engine().import_workflow(flow(stub.base_url))
        ok = await engine().run("ask", {})
        failed = await engine().run("ask", {})
        assert stub.requests[0].headers["Authorization"] == f"Bearer {KEY}"
    assert ok.status == "succeeded" and failed.status == "failed"
    await user.open(f"/runs/{ok.id}")
    await user.should_see("ask")
    assert KEY not in page_text(user)
    await user.open(f"/runs/{failed.id}")
    await user.should_see("answered 400")
    text = page_text(user)
    assert "bad key" in text and KEY not in text
