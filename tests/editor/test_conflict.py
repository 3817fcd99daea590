"""The editor when its draft is changed elsewhere (another tab or window, an import, `ren`):
saves are compare-and-set, so the page stops autosaving, says so, and offers Reload or Keep
mine. The other change is written through the engine exactly as another tab's save writes it."""

from __future__ import annotations

from nicegui.testing import User

from app.core.dsl import WorkflowSpec
from app.ui import runtime
from tests.editor.test_editor_page import START_ONLY, WID, draft, emit, field, ids, save, settle

WITH_END = {
    "name": "Flow",
    "nodes": [{"id": "start", "type": "start"}, {"id": "end", "type": "end"}],
    "edges": [{"source": "start", "target": "end"}],
}
NOTICE = "This draft was changed elsewhere"


def save_elsewhere(doc: dict[str, object]) -> None:
    """What another editor tab's autosave does: a compare-and-set save on the current draft."""
    workflows = runtime.engine().workflows
    workflows.save_draft(WorkflowSpec.model_validate(doc), WID, workflows.revision(WID))


def node_ids() -> list[str]:
    return [n.id for n in draft().nodes]


async def edited_after_a_change_elsewhere(user: User) -> None:
    save(START_ONLY)
    await user.open(f"/workflows/{WID}")
    await user.should_not_see(NOTICE)
    save_elsewhere(WITH_END)
    emit(user, "drop", {"type": "if", "x": 400, "y": 100, "parent": None})
    assert ids(user) == ["start", "if_1"]
    await settle(1.2)  # past the autosave delay
    await user.should_see(NOTICE)
    await user.should_see("Not saved")
    assert node_ids() == ["start", "end"]  # the other change is kept, nothing was overwritten


async def test_a_draft_changed_elsewhere_stops_autosave_and_reload_shows_it(
    editor_user: User,
) -> None:
    await edited_after_a_change_elsewhere(editor_user)
    emit(editor_user, "drop", {"type": "log", "x": 600, "y": 100, "parent": None})
    await settle(1.2)  # further edits are not saved either
    await editor_user.should_see("Not saved")
    assert node_ids() == ["start", "end"]

    editor_user.find(marker="conflict-reload").click()
    await editor_user.should_see("Reloaded: this is the current draft")
    assert ids(editor_user) == ["start", "end"]
    await editor_user.should_not_see(NOTICE)
    await editor_user.should_see("Saved")
    assert editor_user.find(marker="undo").elements.pop().enabled is False  # edits dropped

    emit(editor_user, "drop", {"type": "log", "x": 600, "y": 100, "parent": None})
    await settle(1.2)  # autosave works again, on top of the reloaded draft
    assert node_ids() == ["start", "end", "log_1"]
    await editor_user.should_not_see(NOTICE)


async def test_keep_mine_asks_then_overwrites_with_this_tabs_draft(editor_user: User) -> None:
    await edited_after_a_change_elsewhere(editor_user)
    editor_user.find(marker="conflict-keep-mine").click()
    await editor_user.should_see("Overwrite the draft with this tab's?")
    editor_user.find(marker="keep-mine-cancel").click()
    await editor_user.should_not_see("Overwrite the draft with this tab's?")
    await editor_user.should_see(NOTICE)
    assert node_ids() == ["start", "end"]

    editor_user.find(marker="conflict-keep-mine").click()
    await editor_user.should_see(marker="confirm-keep-mine")
    editor_user.find(marker="confirm-keep-mine").click()
    await editor_user.should_see("Saved this tab's draft over the other changes")
    assert node_ids() == ["start", "if_1"]
    await editor_user.should_not_see(NOTICE)
    await editor_user.should_see("Saved")

    emit(editor_user, "delete", {"nodes": ["if_1"], "edges": []})
    await settle(1.2)  # and it goes on saving
    assert node_ids() == ["start"]
    await editor_user.should_not_see(NOTICE)


async def test_the_notice_comes_before_any_edit(editor_user: User) -> None:
    """An open editor looks at the draft's revision every few seconds."""
    save(START_ONLY)
    await editor_user.open(f"/workflows/{WID}")
    save(WITH_END)  # e.g. `ren import` or the API: a plain save
    await settle(2.5)
    await editor_user.should_see(NOTICE)
    await editor_user.should_see("Not saved")
    editor_user.find(marker="conflict-reload").click()
    await editor_user.should_see("Reloaded: this is the current draft")
    assert ids(editor_user) == ["start", "end"]


async def test_publish_restore_and_rename_in_this_tab_do_not_trip_the_check(
    editor_user: User,
) -> None:
    save(START_ONLY)
    await editor_user.open(f"/workflows/{WID}")
    editor_user.find(marker="publish").click()
    editor_user.find(marker="publish-message").type("first")
    editor_user.find(marker="publish-go").click()
    await editor_user.should_see("Published version 1")

    emit(editor_user, "drop", {"type": "log", "x": 400, "y": 100, "parent": None})
    await settle(1.2)
    assert node_ids() == ["start", "log_1"]

    field(editor_user, "wf_name").value = "Renamed flow"  # the workflow's name, in this tab
    await settle(1.2)
    assert draft().name == "Renamed flow"

    editor_user.find(marker="versions").click()
    editor_user.find(marker="restore").click()
    await editor_user.should_see("Version 1 restored into the draft")
    await settle(2.5)  # past autosave and the editor's own look at the revision
    assert node_ids() == ["start"]
    await editor_user.should_not_see(NOTICE)
    await editor_user.should_see("Saved")
    await editor_user.should_see("Published · v1")


async def test_run_does_not_publish_the_other_draft_while_in_conflict(editor_user: User) -> None:
    await edited_after_a_change_elsewhere(editor_user)
    editor_user.find(marker="run").click()
    editor_user.find(marker="run-go").click()
    await editor_user.should_see("This tab's draft is not saved")
    assert runtime.engine().workflows.versions(WID) == []
    assert runtime.engine().list_runs() == []
