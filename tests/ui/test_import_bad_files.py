"""Importing a bad file in the app shows the importer's message, writes nothing and logs no
traceback (NiceGUI's simulated user on the real page and engine)."""

from __future__ import annotations

import json
import logging

import pytest
from nicegui import ui
from nicegui.elements.upload_files import SmallFileUpload
from nicegui.testing import User

from app.ui import runtime

FLOW = {
    "schema": "ren.workflow/1",
    "name": "flow",
    "nodes": [{"id": "start", "type": "start"}, {"id": "end", "type": "end"}],
    "edges": [{"source": "start", "target": "end"}],
}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "the JSON is nested too deeply"),
        (
            json.dumps(FLOW).replace('"id": "end"', '"id": "end", "name": "x\\ud800"').encode(),
            "nodes[1] (id 'end').name: \"x\\ud800\" holds a lone surrogate",
        ),
    ],
)
async def test_a_bad_file_shows_its_message_and_logs_no_traceback(
    user: User, caplog: pytest.LogCaptureFixture, content: bytes, message: str
) -> None:
    caplog.set_level(logging.INFO)
    await user.open("/workflows")
    user.find(marker="import").click()
    upload = user.find(ui.upload).elements.pop()
    await upload.handle_uploads([SmallFileUpload("bad.json", "application/json", content)])
    await user.should_see(marker="import-error")
    await user.should_see("Couldn't import bad.json")
    await user.should_see(message)
    assert runtime.engine().workflows.summaries() == []
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"


async def test_a_remote_params_ref_is_kept_as_a_draft_naming_the_problem(user: User) -> None:
    doc = {**FLOW, "params": {"properties": {"a": {"$ref": "http://127.0.0.1:9/a.json"}}}}
    await user.open("/workflows")
    user.find(marker="import").click()
    upload = user.find(ui.upload).elements.pop()
    await upload.handle_uploads(
        [SmallFileUpload("remote.json", "application/json", json.dumps(doc).encode())]
    )
    await user.should_see("Imported “flow” as a draft")
    (summary,) = runtime.engine().workflows.summaries()
    assert summary.version is None  # not published: a run could not check its input


async def test_a_fault_found_after_start_shows_on_every_page(user: User) -> None:
    import threading

    from app.store.integrity import BackgroundCheck

    await user.open("/workflows")
    await user.should_not_see("is damaged")
    found = BackgroundCheck(threading.Thread(target=lambda: None))
    found.problem = "the database ren.sqlite is damaged (quick_check: page 7 is never used)"
    runtime.engine().quick_check = found
    for path in ("/workflows", "/runs", "/inbox"):
        await user.open(path)
        await user.should_see("the database ren.sqlite is damaged")
