"""The page frame every page shares: header, navigation, theme, and the small shared pieces
(page heading, empty state, status chip).

    @ui.page("/runs")
    def runs_page() -> None:
        with frame("Runs", "runs"):
            page_heading("Runs", "Every run of every workflow.")
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Literal

from nicegui import app, ui

from app.asset_paths import asset, assets_dir
from app.auth.my_tasks import my_open_count
from app.auth.page_access import may_open, task_scope
from app.engine.service import Engine
from app.ui import live, runtime, task_count
from app.ui.fmt import STATUS_LABELS
from app.ui.notifications_bell import NotificationBell
from app.ui.pages.login import account_footer

CSS = asset("css/shell.css")
ASSETS_URL = "/ren-assets"  # the assets folder, served as static files
PRIMARY = "#4f46e5"
Theme = Literal["auto", "light", "dark"]

NAV: tuple[tuple[str, str, str, str], ...] = (
    # key, label, path, icon
    ("workflows", "Workflows", "/workflows", "account_tree"),
    ("runs", "Runs", "/runs", "history"),
    ("inbox", "Inbox", "/inbox", "inbox"),
    ("schedules", "Schedules", "/schedules", "event_repeat"),
    ("functions", "Functions", "/functions", "functions"),
    ("credentials", "Credentials", "/credentials", "key"),
    ("settings", "Settings", "/settings", "settings"),
    ("audit", "Audit", "/audit", "policy"),
)

LOGO_SVG = (
    '<svg viewBox="0 0 24 24" width="18" height="18" fill="none" stroke="currentColor" '
    'stroke-width="2.2" stroke-linecap="round"><circle cx="5" cy="6" r="2.6"/>'
    '<circle cx="19" cy="6" r="2.6"/><circle cx="12" cy="18" r="2.6"/>'
    '<path d="M7.3 7.5 10.6 15.7M16.7 7.5 13.4 15.7M7.6 6h8.8"/></svg>'
)
FAVICON = asset("icons/favicon.svg").read_text(encoding="utf-8").strip()  # drawn in PRIMARY


def open_task_count() -> int:
    """Open human tasks, shown next to Inbox (kept current by app.ui.task_count)."""
    return task_count.open_count()


def install() -> None:
    """Once per app: colours and the shared stylesheet."""
    app.colors(primary=PRIMARY, secondary="#64748b", accent="#0ea5e9", positive="#16a34a")
    ui.add_css(CSS, shared=True)
    # The CJK fallback font (assets/css/fonts.css): linked, not inlined, so pages stay small.
    if not any(getattr(r, "path", "").startswith(ASSETS_URL + "/") for r in app.routes):
        app.add_static_files(ASSETS_URL, assets_dir())  # once per process (tests restart the app)
    ui.add_head_html(f'<link rel="stylesheet" href="{ASSETS_URL}/css/fonts.css">', shared=True)
    task_count.install()


# -- theme ----------------------------------------------------------------------------------


def get_theme() -> Theme:
    value = app.storage.general.get("theme", "auto")
    return value if value in ("auto", "light", "dark") else "auto"


def set_theme(theme: Theme) -> None:
    app.storage.general["theme"] = theme


def _dark_value(theme: Theme) -> bool | None:
    return {"light": False, "dark": True}.get(theme)


class ThemeSwitch:
    """The header's light/dark button; the choice is kept for every page and every window."""

    def __init__(self) -> None:
        self.dark = ui.dark_mode(_dark_value(get_theme()))
        self.button = (
            ui.button(on_click=self.toggle, color=None)
            .props("flat round dense")
            .classes("ren-icon-btn")
        )
        self.button.props('aria-label="Switch between light and dark theme"')
        self.button.props('data-testid="theme-switch"').mark("theme-switch")
        with self.button:
            self.tooltip = ui.tooltip("")
        self._show()

    def _show(self) -> None:
        if self.dark.value is True:
            self.button.props("icon=light_mode")
            self.tooltip.text = "Switch to the light theme"
        else:
            self.button.props("icon=dark_mode")
            self.tooltip.text = "Switch to the dark theme"

    async def toggle(self) -> None:
        is_dark = self.dark.value
        if is_dark is None:  # following the system: ask the browser what it shows now
            try:
                is_dark = bool(
                    await ui.run_javascript(
                        "document.body.classList.contains('body--dark')", timeout=1.0
                    )
                )
            except TimeoutError:
                is_dark = False
        self.apply("light" if is_dark else "dark")

    def apply(self, theme: Theme) -> None:
        set_theme(theme)
        self.dark.value = _dark_value(theme)
        self._show()


# -- the frame ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    content: ui.column
    theme: ThemeSwitch


@contextmanager
def frame(title: str, active: str) -> Iterator[Frame]:
    """Header, navigation (with `active` highlighted) and the page's content column."""
    ui.page_title(f"{title} · Ren")
    with ui.header().classes("ren-header items-center px-3 gap-2").props("bordered=false"):
        menu = ui.button(icon="menu", color=None).props('flat round dense aria-label="Menu"')
        menu.classes("ren-icon-btn lg:hidden")
        with ui.link(target="/workflows").classes("ren-brand flex items-center gap-2 ml-1"):
            ui.html(LOGO_SVG, sanitize=False).classes("ren-logo")
            ui.label("Ren")
        ui.space()
        NotificationBell()
        theme = ThemeSwitch()
    with (
        ui.left_drawer(value=None, fixed=True)
        .props("width=232 breakpoint=1023 show-if-above")
        .classes("ren-drawer p-0") as drawer
    ):
        _navigation(active)
    menu.on_click(drawer.toggle)
    with ui.column().classes("ren-page") as content:
        _database_warning()
        yield Frame(content, theme)


def _database_warning() -> None:
    """What the background check of a big database found, on every page until it is fixed."""
    check = runtime.engine().quick_check if runtime.running() else None
    if check is not None and check.problem:
        with ui.row().classes("ren-db-warning w-full items-start gap-2").props('role="alert"'):
            ui.icon("error")
            ui.label(check.problem).classes("flex-1")


def _navigation(active: str) -> None:
    with ui.column().classes("ren-nav w-full"):
        for key, label, path, icon in NAV:
            if not may_open(path):  # what this person's role cannot open is not shown
                continue
            link = ui.link(target=path).classes("ren-nav-item")
            link.props(f'data-nav="{key}"')
            if key == active:
                link.classes("active").props('aria-current="page"')
            with link:
                ui.icon(icon)
                ui.label(label)
                if key == "inbox":
                    _task_count()
    ui.space()
    account_footer()  # signed in on the network: who, and Sign out


def _task_count() -> None:
    count = ui.label().classes("ren-nav-count").props('data-testid="inbox-count"')
    count.mark("inbox-count")

    def show(n: int) -> None:
        if count.text == str(n):
            return
        count.text = str(n)
        count.classes(add="has-tasks" if n else "", remove="" if n else "has-tasks")
        count.props(f'aria-label="{n} open task{"" if n == 1 else "s"}"')

    scope = task_scope()  # an assignee counts only their own tasks
    if scope is not None:
        show(my_open_count(scope))
        task_count.changed.subscribe(lambda _: show(my_open_count(scope)))
        return
    show(open_task_count())
    task_count.changed.subscribe(show)  # no timer: recounted when the engine's tasks change


# -- shared pieces --------------------------------------------------------------------------


def page_heading(title: str, subtitle: str = "") -> ui.row:
    """The page's title and one-line explanation; returns the row for the page's actions."""
    with ui.row().classes("w-full items-end justify-between gap-4 flex-wrap"):
        with ui.column().classes("gap-0"):
            ui.label(title).classes("ren-title").props('role="heading" aria-level="1"')
            if subtitle:
                ui.label(subtitle).classes("ren-subtitle")
        actions = ui.row().classes("items-center gap-2 flex-wrap")
    return actions


def empty_state(icon: str, title: str, text: str) -> ui.row:
    """A friendly 'nothing here yet' block; returns the row for its buttons."""
    with ui.column().classes("ren-empty w-full"):
        with ui.element("div").classes("ren-empty-icon"):
            ui.icon(icon, size="28px")
        ui.label(title).classes("ren-empty-title")
        ui.label(text).classes("ren-empty-text")
        actions = ui.row().classes("gap-2 mt-3 justify-center")
    return actions


def status_chip(status: str, text: str | None = None) -> ui.label:
    chip = ui.label(text or STATUS_LABELS.get(status, status.capitalize()))
    return chip.classes(f"ren-status ren-status--{status}").props(f'data-status="{status}"')


def fixed_height(grid: ui.aggrid, height: str) -> None:
    """A grid that grew past a screenful scrolls inside a fixed height (rows are virtualised)."""
    grid.classes(remove="ren-grid-auto", add=height)
    grid.run_grid_method("setGridOption", "domLayout", "normal")


def require_engine() -> Engine | None:
    """The running engine, or None after showing why Ren could not open its data folder."""
    if live.status.error is None:
        try:
            return runtime.engine()
        except RuntimeError:
            pass
    with ui.column().classes("ren-card w-full p-6 gap-2"):
        ui.label("Ren could not open its data folder").classes("text-lg font-semibold")
        ui.label(live.status.error or "The engine is not running.").classes("ren-muted ren-mono")
        ui.label(
            "Check that the folder is writable and that no other Ren is using it, then restart."
        ).classes("ren-muted")
    return None
