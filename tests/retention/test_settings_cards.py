"""The Settings page's Retention and Metrics cards through NiceGUI's simulated user."""

from __future__ import annotations

from typing import Any

from nicegui import ui
from nicegui.testing import User

from app.engine.retention_policy import GLOBAL, Policy, load_policies
from tests.conftest import chain_workflow
from tests.ui.conftest import forget_pages, ren_home  # noqa: F401 - autouse: own data folder
from tests.ui.people import engine, wait_for


def one(user: User, marker: str) -> Any:
    (element,) = [e for e in user.find(marker=marker).elements if not e.is_deleted]
    return element


async def test_the_global_policy_is_saved_and_checked(user: User) -> None:
    await user.open("/settings")
    await user.should_see("Retention")
    await user.should_see("Disk use")
    await user.should_see("Database")  # sizes, read on a thread
    one(user, "global-keep_days").set_value(30)
    one(user, "global-keep_failed_days").set_value(90)
    user.find(marker="retention-save").click()
    await user.should_see("Retention policy saved")
    assert load_policies(engine().store)[GLOBAL] == Policy(keep_days=30, keep_failed_days=90)

    one(user, "global-export").set_value("relative/folder")
    user.find(marker="retention-save").click()
    await user.should_see("export_folder must be an absolute path")
    assert load_policies(engine().store)[GLOBAL].export_folder is None


async def test_a_workflows_own_policy_and_apply_now(user: User) -> None:
    engine().import_workflow(chain_workflow({"type": "set", "config": {"values": {}}}, wid="w"))
    for _ in range(3):
        await engine().run("w", {})
    await user.open("/settings")
    one(user, "retention-workflow").set_value("w")
    one(user, "workflow-keep_last").set_value(1)
    user.find(marker="retention-workflow-save").click()
    await user.should_see("w: keep only the newest (runs per workflow): 1")
    user.find(marker="retention-apply").click()
    await wait_for(lambda: engine().retention.last is not None, timeout=10)
    await user.should_see("Deleted 2 finished run(s).")
    assert len(engine().list_runs()) == 1


async def test_metrics_card_shows_figures_and_charts(user: User) -> None:
    engine().import_workflow(chain_workflow({"type": "set", "config": {"values": {}}}, wid="w"))
    await engine().run("w", {})
    await user.open("/settings")
    await user.should_see("Runs waiting")
    await user.should_see("Runs started per day")
    await wait_for(lambda: bool(user.find(marker="durations").elements))
    (chart,) = user.find(marker="runs-per-day").elements
    assert isinstance(chart, ui.echart)
    assert chart.options["series"][0]["name"] == "succeeded"
    assert sum(chart.options["series"][0]["data"]) == 1
    (durations,) = user.find(marker="durations").elements
    assert isinstance(durations, ui.echart)
    assert durations.options["xAxis"]["data"] == ["w"]


async def test_a_workflows_menu_leads_to_its_policy(user: User) -> None:
    engine().import_workflow(chain_workflow({"type": "set", "config": {"values": {}}}, wid="w"))
    await user.open("/workflows")
    user.find(marker="more").click()
    await user.should_see("Retention…")
    await user.open("/settings?retention=w")
    assert one(user, "retention-workflows").value is True
    assert one(user, "retention-workflow").value == "w"
