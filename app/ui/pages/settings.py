"""Settings: where Ren keeps its data, which version runs, the theme, and what workflows can use
(registered Python functions and node types)."""

from __future__ import annotations

import inspect
import platform
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import nicegui
from nicegui import events, ui

from app.engine.service import Engine
from app.nodes.functions import FunctionInfo
from app.ui.background import background_card
from app.ui.notification_settings import notifications_card
from app.ui.pages.settings_metrics import metrics_card
from app.ui.pages.settings_retention import retention_card
from app.ui.shell import Theme, ThemeSwitch, frame, get_theme, page_heading, require_engine

FUNCTIONS_PER_PAGE = 25


def register() -> None:
    ui.page("/settings")(settings_page)


def ren_version() -> str:
    try:
        return version("ren")
    except PackageNotFoundError:
        return "development copy"


def settings_page() -> None:
    with frame("Settings", "settings") as page:
        engine = require_engine()
        if engine is None:
            return
        page_heading("Settings", "Where Ren keeps its data, and what your workflows can use.")
        with ui.row().classes("w-full gap-5 items-stretch max-md:flex-wrap"):
            _data_card(engine)
            _about_card(page.theme)
        _functions_card(engine)
        _node_types_card(engine)
        notifications_card(engine)
        retention_card(engine)
        metrics_card(engine)
        background_card(engine)


def _card(title: str) -> ui.column:
    column = ui.column().classes("ren-card w-full p-5 gap-3")
    with column:
        ui.label(title).classes("ren-card-title")
    return column


def _fact(key: str, value: str, mono: bool = False) -> None:
    ui.label(key).classes("k")
    ui.label(value).classes("break-all" + (" ren-mono text-[13px]" if mono else ""))


def copy(text: str) -> None:
    ui.clipboard.write(text)
    ui.notify("Copied the data folder's path.")


def _data_card(engine: Engine) -> None:
    folder = engine.folder
    db = folder.db_path
    size = db.stat().st_size if db.exists() else 0
    with _card("Data").classes("flex-1 min-w-0"):
        with ui.element("div").classes("ren-kv w-full"):
            ui.label("Data folder").classes("k")
            with ui.row().classes("items-center gap-1 flex-nowrap min-w-0"):
                ui.label(str(folder.root)).classes("ren-mono text-[13px] break-all").props(
                    'data-testid="data-folder"'
                )
                ui.button(icon="content_copy", on_click=lambda: copy(str(folder.root))).props(
                    'flat round dense size=sm aria-label="Copy the path"'
                ).tooltip("Copy")
            _fact("Database", f"{db.name} · {size / 2**20:.1f} MB", mono=True)
            _fact("Run logs", str(folder.logs_dir), mono=True)
        ui.label("Set REN_HOME (or pass --home) to keep Ren's data somewhere else.").classes(
            "ren-muted ren-small"
        )


def _about_card(theme: ThemeSwitch) -> None:
    card = _card("About and appearance").classes("flex-1 min-w-0")
    with card, ui.element("div").classes("ren-kv w-full"):
        _fact("Ren", ren_version())
        _fact("NiceGUI", nicegui.__version__)
        _fact("Python", f"{platform.python_version()} · {sys.platform}")
        ui.label("Theme").classes("k")

        def chosen(e: events.ValueChangeEventArguments[Theme]) -> None:
            theme.apply(e.value)

        ui.toggle(
            {"auto": "System", "light": "Light", "dark": "Dark"},
            value=get_theme(),
            on_change=chosen,
        ).props('no-caps unelevated toggle-color=primary dense padding="2px 12px"').props(
            'data-testid="theme"'
        ).mark("theme")


def _signature(info: FunctionInfo) -> str:
    params = []
    for p in info.params:
        text = p.name if p.type == "any" else f"{p.name}: {p.type}"
        if not p.required:
            text += f" = {p.default!r}"
        params.append(text)
    return "(" + ", ".join(params) + ")"


def _defined_in(info: FunctionInfo) -> str:
    """The file a function comes from (relative to the working folder when inside it)."""
    try:
        source = inspect.getsourcefile(info.fn)
    except TypeError:
        source = None
    if source is None:
        return info.module
    path = Path(source)
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _functions_card(engine: Engine) -> None:
    functions = list(engine.functions)
    with _card(f"Registered functions · {len(functions)}"):
        ui.link("Write, upload and try functions on the Functions page", "/functions")
        if not functions:
            ui.label(
                "No Python functions yet. Add them on the Functions page (they are saved in "
                "the data folder's functions/ folder), or start Ren with “--functions FILE”."
            ).classes("ren-muted")
            return
        rows = [
            {
                "name": f.name,
                "args": _signature(f),
                "kind": "async" if f.is_async else "sync",
                "description": f.description,
                "module": _defined_in(f),
            }
            for f in functions
        ]
        columns: list[dict[str, str]] = [
            {"name": "name", "label": "Name", "field": "name", "align": "left"},
            {"name": "args", "label": "Arguments", "field": "args", "align": "left"},
            {"name": "kind", "label": "Kind", "field": "kind", "align": "left"},
            {
                "name": "description",
                "label": "Description",
                "field": "description",
                "align": "left",
            },
            {"name": "module", "label": "Defined in", "field": "module", "align": "left"},
        ]
        paged = len(rows) > FUNCTIONS_PER_PAGE
        table = ui.table(
            rows=rows,
            columns=columns,
            row_key="name",
            pagination=FUNCTIONS_PER_PAGE if paged else None,
        ).props('flat dense wrap-cells data-testid="functions"')
        table.classes("w-full ren-table")
        if not paged:
            table.props("hide-bottom")


def _node_types_card(engine: Engine) -> None:
    types = sorted(engine.catalog, key=lambda t: (t.category, t.title))
    with _card(f"Node types · {len(types)}"):
        by_category: dict[str, list[str]] = {}
        for node_type in types:
            by_category.setdefault(node_type.category, []).append(node_type.title)
        with ui.element("div").classes("ren-kv w-full"):
            for category, titles in by_category.items():
                _fact(category, ", ".join(titles))
