"""Page logic through NiceGUI's simulated user (no browser): the shell, the workflows page's
actions, the runs list and the run page's live view."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from nicegui import Client, ui
from nicegui.elements.upload_files import SmallFileUpload
from nicegui.testing import User

from app.engine.service import Engine
from app.ui import runtime, shell
from tests.ui.conftest import EXAMPLES, chain


def engine() -> Engine:
    return runtime.engine()


def stub_editor() -> None:
    """The editor is another module's page; stand in for it when it is not registered."""
    if "/workflows/{workflow_id}" not in Client.page_routes.values():

        @ui.page("/workflows/{workflow_id}")
        def _editor(workflow_id: str) -> None:
            ui.label(f"editor for {workflow_id}")


def grid_ids(user: User) -> list[str]:
    grids = [g for g in user.find(ui.aggrid).elements if not g.is_deleted]
    return [row["id"] for grid in grids for row in grid.options["rowData"]]


async def wait_for(condition: object, timeout: float = 3.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


# -- shell ------------------------------------------------------------------------------------


async def test_every_page_has_the_navigation_and_inbox_count(user: User) -> None:
    for path, heading in [
        ("/workflows", "Workflows"),
        ("/runs", "Runs"),
        ("/inbox", "Inbox"),
        ("/schedules", "Schedules"),
        ("/settings", "Settings"),
    ]:
        await user.open(path)
        await user.should_see(heading)
        for label in ("Workflows", "Runs", "Inbox", "Schedules", "Settings"):
            await user.should_see(label, kind=ui.link)
        await user.should_see(marker="inbox-count")
        assert user.find(marker="inbox-count").elements.pop().text == "0"


async def test_root_shows_the_workflows_page(user: User) -> None:
    await user.open("/")
    await user.should_see("No workflows yet")


async def test_inbox_and_schedules_say_what_will_appear(user: User) -> None:
    await user.open("/inbox")
    await user.should_see("Nothing is waiting for you")
    await user.should_see("a task appears here")
    await user.open("/schedules")
    await user.should_see("No schedules yet")
    await user.should_see("next and last run")


async def test_theme_choice_is_kept_for_every_page(user: User) -> None:
    await user.open("/settings")
    assert shell.get_theme() == "auto"
    user.find(marker="theme").elements.pop().set_value("dark")
    assert shell.get_theme() == "dark"
    await user.open("/runs")
    dark = user.find(ui.dark_mode).elements.pop()
    assert dark.value is True
    await user.open("/settings")
    user.find(marker="theme").elements.pop().set_value("light")
    await user.open("/workflows")
    assert user.find(ui.dark_mode).elements.pop().value is False


async def test_header_button_switches_the_theme(user: User) -> None:
    shell.set_theme("light")
    await user.open("/workflows")
    user.find(marker="theme-switch").click()
    await wait_for(lambda: shell.get_theme() == "dark")
    assert user.find(ui.dark_mode).elements.pop().value is True
    user.find(marker="theme-switch").click()
    await wait_for(lambda: shell.get_theme() == "light")


async def test_header_button_from_the_system_theme_asks_the_browser(user: User) -> None:
    user.javascript_rules[re.compile(r".*body--dark.*")] = lambda _: True
    await user.open("/workflows")
    assert user.find(ui.dark_mode).elements.pop().value is None
    user.find(marker="theme-switch").click()
    await wait_for(lambda: shell.get_theme() == "light")


async def test_settings_show_data_folder_version_and_functions(user: User, ren_home: Path) -> None:
    await user.open("/settings")
    await user.should_see(str(ren_home))
    await user.should_see("0.1.0")
    await user.should_see("Registered functions")
    table = user.find(ui.table).elements.pop()
    names = {row["name"] for row in table.rows}
    assert {"approve", "reject", "t.sleep"} <= names
    await user.should_see("Node types")


# -- workflows page ---------------------------------------------------------------------------


async def test_create_makes_a_draft_with_a_start_node_and_opens_the_editor(user: User) -> None:
    stub_editor()
    await user.open("/workflows")
    user.find(marker="new-workflow").click()
    name = next(i for i in user.find(ui.input).elements if i.props.get("label") == "Name")
    name.set_value("Nightly report")
    user.find(marker="create").click()
    await wait_for(lambda: user.back_history[-1] == "/workflows/nightly-report")
    spec = engine().workflows.draft("nightly-report")
    assert spec.name == "Nightly report"
    assert [(n.id, n.type) for n in spec.nodes] == [("start", "start")]


async def test_list_shows_status_and_last_run(user: User) -> None:
    eng = engine()
    eng.import_workflow(EXAMPLES / "seed004_amount_approval.json")
    eng.workflows.create("Just a draft")
    changed = chain("changed", {"type": "log", "config": {"message": "hi"}}, name="Changed later")
    eng.import_workflow(changed)
    changed["name"] = "Changed later!"
    eng.workflows.save(eng.workflows.import_document(changed))
    run = await eng.run("workflow_1", {"data": {"amount": 1500}})
    await user.open("/workflows")
    await user.should_see("Draft only")
    await user.should_see("Published v1")
    await user.should_see("Draft changed since v1")
    await user.should_see("Never run")
    await user.should_see("Succeeded")
    links = [link.props.get("href") for link in user.find(ui.link).elements]
    assert f"/runs/{run.id}" in links
    assert "/workflows/workflow_1" in links


async def test_search_filters_by_name(user: User) -> None:
    eng = engine()
    eng.workflows.create("Invoice intake")
    eng.workflows.create("Product import")
    await user.open("/workflows")
    user.find(marker="search").type("invoice")
    await user.should_see("Invoice intake")
    await user.should_not_see("Product import")
    user.find(marker="search").clear().type("nothing like it")
    await user.should_see("No workflows match")


async def test_import_a_seed_file_publishes_it(user: User) -> None:
    await user.open("/workflows")
    user.find(marker="import").click()
    data = (EXAMPLES / "seed004_amount_approval.json").read_bytes()
    upload = user.find(ui.upload).elements.pop()
    await upload.handle_uploads([SmallFileUpload("approval.json", "application/json", data)])
    await user.should_see("Imported “示例工作流” and published it as v1")
    assert [s.version for s in engine().workflows.summaries()] == [1]


async def test_import_with_problems_keeps_a_draft(user: User) -> None:
    await user.open("/workflows")
    user.find(marker="import").click()
    doc = chain("needs_fn", {"type": "function", "config": {"function": "no.such"}})
    upload = user.find(ui.upload).elements.pop()
    await upload.handle_uploads(
        [SmallFileUpload("needs.json", "application/json", json.dumps(doc).encode())]
    )
    await user.should_see("Imported “needs_fn” as a draft")
    (summary,) = engine().workflows.summaries()
    assert summary.id == "needs_fn" and summary.version is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{not json", "invalid JSON at line 1, column 2"),
        (b'{"nodes": 3}', "not a workflow"),
        (b"\xff\xfe\x00", "not UTF-8 text"),
        (b'{"schema": "ren.workflow/1", "nodes": [{"id": "1bad", "type": "log"}]}', "nodes[0]"),
    ],
)
async def test_a_bad_file_shows_the_importers_message_and_writes_nothing(
    user: User, content: bytes, message: str
) -> None:
    await user.open("/workflows")
    user.find(marker="import").click()
    upload = user.find(ui.upload).elements.pop()
    await upload.handle_uploads([SmallFileUpload("bad.json", "application/json", content)])
    await user.should_see(marker="import-error")
    await user.should_see("Couldn't import bad.json")
    await user.should_see(message)
    assert engine().workflows.summaries() == []


async def test_export_downloads_the_draft_as_json(user: User) -> None:
    engine().import_workflow(EXAMPLES / "seed004_amount_approval.json")
    await user.open("/workflows")
    user.find(marker="more").click()
    user.find(marker="export").click()
    response = await user.download.next()
    doc = json.loads(response.content)
    assert doc["schema"] == "ren.workflow/1"
    assert doc["id"] == "workflow_1"
    assert len(doc["nodes"]) == 4


async def test_duplicate_copies_the_draft(user: User) -> None:
    engine().import_workflow(EXAMPLES / "seed004_amount_approval.json")
    await user.open("/workflows")
    user.find(marker="more").click()
    user.find(marker="duplicate").click()
    await user.should_see("workflow_1-copy")
    copy = engine().workflows.draft("workflow_1-copy")
    assert copy.name.endswith("(copy)")
    assert len(copy.nodes) == 4


async def test_delete_asks_first_and_keeps_past_runs(user: User) -> None:
    eng = engine()
    eng.import_workflow(EXAMPLES / "seed004_amount_approval.json")
    run = await eng.run("workflow_1", {"data": {"amount": 5}})
    eng.schedules.add("workflow_1", cron="0 9 * * *")
    await user.open("/workflows")
    user.find(marker="more").click()
    user.find(marker="delete").click()
    await user.should_see("past run is kept")
    await user.should_see("Its 1 schedule will be removed, so no new runs start.")
    user.find(marker="cancel-delete").click()
    await user.should_not_see(marker="confirm-delete")
    assert [s.id for s in eng.workflows.summaries()] == ["workflow_1"]
    user.find(marker="more").click()
    user.find(marker="delete").click()
    await user.should_see(marker="confirm-delete")
    user.find(marker="confirm-delete").click()
    await user.should_see("No workflows yet")
    assert eng.workflows.summaries() == []
    assert eng.schedules.all() == []
    assert eng.get_run(run.id).status == "succeeded"
    await user.open("/runs")
    await user.should_see("Runs 1–1 of 1")  # the list is read on a worker thread
    grid = user.find(ui.aggrid).elements.pop()
    assert [row["id"] for row in grid.options["rowData"]] == [run.id]


# -- runs -------------------------------------------------------------------------------------


async def test_runs_page_lists_filters_and_opens_a_run(user: User) -> None:
    eng = engine()
    eng.import_workflow(EXAMPLES / "seed004_amount_approval.json")
    ok = await eng.run("workflow_1", {"data": {"amount": 5}})
    bad = await eng.run("workflow_1", {"data": {}})
    assert bad.status == "failed"
    await user.open("/runs")
    await user.should_see("Failed · 1")  # the list is read on a worker thread
    grid = user.find(ui.aggrid).elements.pop()
    assert {row["id"]: row["status"] for row in grid.options["rowData"]} == {
        ok.id: "succeeded",
        bad.id: "failed",
    }
    user.find(marker="filter").elements.pop().set_value("failed")
    await wait_for(lambda: grid_ids(user) == [bad.id])
    user.find(ui.aggrid).trigger("rowClicked", {"data": {"id": bad.id}})
    await wait_for(lambda: user.back_history[-1] == f"/runs/{bad.id}")
    await user.should_see("The run failed")


async def test_runs_page_without_runs_says_how_runs_start(user: User) -> None:
    await user.open("/runs")
    await user.should_see("No runs yet")
    await user.should_see("ren run")


async def test_runs_page_adds_new_runs_live(user: User) -> None:
    eng = engine()
    sleep = {"function": "t.sleep", "args": {"seconds": 0.6}}
    eng.import_workflow(chain("slow", {"type": "function", "config": sleep}))
    first = await eng.run("slow")
    await user.open("/runs")
    await user.should_see("Runs 1–1 of 1")  # the list is read on a worker thread
    (page,) = live_pages(user, "RunsPage")
    run_id = await eng.start_run("slow")
    await wait_for(lambda: run_id in page.rows and page.rows[run_id]["status"] == "running")
    await eng.wait(run_id)
    await wait_for(lambda: page.rows[run_id]["status"] == "succeeded")
    assert first.id in page.rows


def live_pages(user: User, kind: str) -> list[Any]:
    """The page objects subscribed to run events (NiceGUI's test reset re-imports page modules
    between tests, so they are matched by class name)."""
    from app.ui.live import run_events

    found = [getattr(cb.func, "__self__", None) for cb in run_events.callbacks]
    return [
        page
        for page in found
        if type(page).__name__ == kind and page.grid is not None and page.grid.client is user.client
    ]


async def test_run_page_shows_steps_output_and_step_details(user: User) -> None:
    eng = engine()
    eng.import_workflow(EXAMPLES / "seed004_amount_approval.json")
    run = await eng.run("workflow_1", {"data": {"amount": 1500}})
    await user.open(f"/runs/{run.id}")
    await user.should_see("Succeeded")
    await user.should_see('"decision": "approved"')
    grid = user.find(ui.aggrid).elements.pop()
    rows = {row["key"]: row["status"] for row in grid.options["rowData"]}
    assert rows == {
        "node_1": "succeeded",
        "node_2": "succeeded",
        "node_3": "succeeded",
        "node_4": "skipped",
    }
    user.find(ui.aggrid).trigger("rowClicked", {"data": {"key": "node_3"}})
    await user.should_see("Input")
    await user.should_see('"amount": 1500')
    await user.should_see("Fired: out")


async def test_run_page_follows_a_live_run(user: User) -> None:
    eng = engine()
    eng.import_workflow(
        chain(
            "slow",
            {"type": "function", "config": {"function": "t.sleep", "args": {"seconds": 0.3}}},
            {"type": "function", "config": {"function": "t.sleep", "args": {"seconds": 0.3}}},
        )
    )
    run_id = await eng.start_run("slow")
    await user.open(f"/runs/{run_id}")
    (view,) = live_pages(user, "RunView")
    await wait_for(lambda: view.rows.get("n1", {}).get("status") in ("running", "succeeded"))
    await eng.wait(run_id)
    await wait_for(lambda: view.status == "succeeded" and view.expect is None, timeout=5)
    assert {k: r["status"] for k, r in view.rows.items()} == {
        "start": "succeeded",
        "n1": "succeeded",
        "n2": "succeeded",
        "end": "succeeded",
    }
    await user.should_see("took")
    assert view.run.output is not None


async def test_run_again_starts_a_new_run_of_the_same_version(user: User) -> None:
    eng = engine()
    eng.import_workflow(EXAMPLES / "seed004_amount_approval.json")
    run = await eng.run("workflow_1", {"data": {"amount": 1500}})
    await user.open(f"/runs/{run.id}")
    user.find(marker="run-again").click()
    await wait_for(lambda: user.back_history[-1] != f"/runs/{run.id}")
    new_id = user.back_history[-1].removeprefix("/runs/")
    new = await eng.wait(new_id)
    assert new.id != run.id and new.input == run.input and new.version_id == run.version_id


async def test_unknown_run_says_so(user: User) -> None:
    await user.open("/runs/nope")
    await user.should_see("No such run")


async def test_a_growing_step_list_switches_to_a_scrolling_grid(user: User) -> None:
    eng = engine()
    sleep = {"function": "t.sleep", "args": {"seconds": 0.4}}
    eng.import_workflow(
        {
            "schema": "ren.workflow/1",
            "id": "many",
            "nodes": [
                {"id": "start", "type": "start"},
                {
                    "id": "each",
                    "type": "foreach",
                    "config": {"items": "input.n", "concurrency": 64},
                },
                {"id": "nap", "parent": "each", "type": "function", "config": sleep},
                {"id": "end", "type": "end"},
            ],
            "edges": [
                {"source": "start", "target": "each"},
                {"source": "each", "target": "end"},
            ],
        }
    )
    run_id = await eng.start_run("many", {"n": list(range(60))})
    await user.open(f"/runs/{run_id}")
    (view,) = live_pages(user, "RunView")
    assert "ren-grid-auto" in view.grid.classes
    await eng.wait(run_id)
    await wait_for(lambda: len(view.rows) >= 60 and "ren-grid-auto" not in view.grid.classes)
    assert "h-[560px]" in view.grid.classes


async def test_runs_of_one_workflow(user: User) -> None:
    eng = engine()
    eng.import_workflow(EXAMPLES / "seed004_amount_approval.json")
    eng.import_workflow(chain("other", {"type": "log", "config": {"message": "hi"}}))
    mine = await eng.run("workflow_1", {"data": {"amount": 5}})
    await eng.run("other")
    await user.open("/runs?workflow=workflow_1")
    await user.should_see("The runs of “示例工作流”, newest first.")
    assert grid_ids(user) == [mine.id]
