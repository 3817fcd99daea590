"""The workflow editor at /workflows/{workflow_id}.

`register()` (also importable as `register_editor_pages`) adds the page to NiceGUI's app; the
app shell calls it with the other page modules. See `page.py` for how the parts fit together.
"""

from __future__ import annotations

from nicegui import ui

from app.asset_paths import asset
from app.core.dsl import WorkflowFormatError
from app.engine.workflows import NotFound
from app.ui.shell import empty_state, frame, require_engine

CSS = asset("css/editor.css")
PATH = "/workflows/{workflow_id}"


def register() -> None:
    ui.page(PATH)(editor_page)


register_editor_pages = register


def editor_page(workflow_id: str) -> None:
    from app.ui.editor.page import EditorPage, nav_drawer

    with frame("Editor", "workflows") as page_frame:
        page_frame.content.classes(remove="ren-page").classes("ren-editor-page")
        ui.add_css(CSS)
        ui.query(".nicegui-content").classes("p-0 gap-0")
        drawer = nav_drawer()
        if drawer is not None:  # the canvas wants the width; the toolbar's menu button opens it
            drawer.props(remove="show-if-above")
            drawer.value = False
        engine = require_engine()
        if engine is None:
            return
        try:
            draft = engine.workflows.load(workflow_id)
        except (NotFound, WorkflowFormatError) as err:
            with ui.column().classes("ren-page"):
                actions = empty_state(
                    "search_off",
                    "This workflow cannot be opened",
                    str(err)
                    if isinstance(err, WorkflowFormatError)
                    else f"There is no workflow '{workflow_id}'. It may have been deleted.",
                )
                with actions:
                    ui.button("All workflows", on_click=lambda: ui.navigate.to("/workflows"))
            return
        ui.page_title(f"{draft.spec.name} · Ren")
        EditorPage(engine, workflow_id, draft.spec, revision=draft.revision).build()


__all__ = ["register", "register_editor_pages"]
