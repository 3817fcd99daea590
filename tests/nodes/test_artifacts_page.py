"""The run page lists the run's artifacts (and a step's own in its panel), each a download link
to /artifacts/<id>, through NiceGUI's simulated user on the app's real engine."""

from __future__ import annotations

from typing import Any

from nicegui import ui
from nicegui.testing import User

from tests.nodes import test_artifacts  # noqa: F401 - registers the art.* functions
from tests.ui.conftest import chain, forget_pages, ren_home  # noqa: F401 - the UI fixtures
from tests.ui.people import engine


def links(user: User) -> dict[str, str]:
    """Text -> href of the page's links to artifacts."""
    found = {}
    for element in user.client.elements.values():
        href = str(element.props.get("href") or "")
        if href.startswith("/artifacts/") and not element.is_deleted:
            found[str(getattr(element, "text", ""))] = href
    return found


def fn(function: str, **args: Any) -> dict[str, Any]:
    return {"type": "function", "config": {"function": function, "args": args}}


async def test_the_run_page_lists_artifacts_with_download_links(user: User) -> None:
    await user.open("/")  # starts the app's engine
    eng = engine()
    eng.import_workflow(chain("files", fn("art.save", name="summary.csv"), fn("art.save_chunks")))
    run = await eng.run("files", {})
    ids = {a.name: a.id for a in eng.artifacts.of_run(run.id)}

    await user.open(f"/runs/{run.id}")
    await user.should_see("Artifacts")
    await user.should_see("summary.csv")
    await user.should_see("text/csv · 20 bytes · n1")
    await user.should_see("application/x-test · 3.9 KB · n2")
    assert links(user) == {
        "summary.csv": f"/artifacts/{ids['summary.csv']}",
        "blob.bin": f"/artifacts/{ids['blob.bin']}",
    }


async def test_a_run_without_files_says_so(user: User) -> None:
    await user.open("/")
    eng = engine()
    eng.import_workflow(chain("plain", {"type": "set", "config": {"values": {"a": 1}}}))
    run = await eng.run("plain", {})
    await user.open(f"/runs/{run.id}")
    await user.should_see("No files saved by this run's steps.")
    assert links(user) == {}


async def test_the_step_panel_lists_the_steps_own_files(user: User) -> None:
    await user.open("/")
    eng = engine()
    eng.import_workflow(chain("two", fn("art.save", name="first.csv"), fn("art.save_chunks")))
    run = await eng.run("two", {})
    await user.open(f"/runs/{run.id}")
    user.find(ui.aggrid).trigger("rowClicked", {"data": {"key": "n2"}})
    await user.should_see("Files")
    (title,) = [e for e in user.find("Files").elements if isinstance(e, ui.label)]
    panel = title.parent_slot.parent if title.parent_slot else None  # the step panel
    assert panel is not None and panel.props.get("data-testid") == "step-detail"
    shown = {a.text for a in panel.descendants() if isinstance(a, ui.link)}
    assert shown == {"blob.bin"}  # n1's file is not this step's
