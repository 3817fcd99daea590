"""The versions dialog: every published version with its message, what each one changed (or
how it differs from the current draft), and "Restore into draft"."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from nicegui import ui

from app.core.diff import Change, SpecDiff, diff_specs, show
from app.core.dsl import WorkflowSpec, parse_workflow
from app.store.schema import WorkflowVersion

_ICONS = {
    "added": ("add_circle", "ren-diff-added"),
    "removed": ("remove_circle", "ren-diff-removed"),
}
_CHANGED = ("change_circle", "ren-diff-changed")


def when(at: float, now: float | None = None) -> str:
    """'just now', '5 min ago', '3 h ago', else the date."""
    seconds = (now or time.time()) - at
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{int(seconds // 60)} min ago"
    if seconds < 86400:
        return f"{int(seconds // 3600)} h ago"
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(at))


def diff_view(diff: SpecDiff, empty: str = "No changes.") -> None:
    """The diff as readable lines, each marked added, removed or changed."""
    with ui.column().classes("w-full gap-1 ren-diff"):
        ui.label(diff.summary() if not diff.empty else empty).classes("ren-field-title")
        for change in diff.changes:
            _line(change)
        if diff.moved:
            with ui.row().classes("items-center no-wrap gap-2 ren-diff-line"):
                ui.icon("open_with", size="16px").classes("ren-faint")
                ui.label(diff.lines[-1]).classes("ren-faint")


def _line(change: Change) -> None:
    icon, css = _ICONS.get(change.kind, _CHANGED)
    headline, details = readable(change)
    with ui.row().classes(f"items-start no-wrap gap-2 ren-diff-line {css}"):
        ui.icon(icon, size="16px")
        with ui.column().classes("min-w-0 gap-0"):
            ui.label(headline).classes("min-w-0 break-words")
            for detail in details:
                ui.label(detail).classes("min-w-0 break-words ren-hint ren-diff-detail")


MAX_DETAILS = 8


def readable(change: Change) -> tuple[str, list[str]]:
    """A change as a headline and, for a structured value (a map, a list, the run input's
    schema), what changed inside it in words instead of the JSON before and after."""
    structured = isinstance(change.before, dict | list) or isinstance(change.after, dict | list)
    if not structured or change.subject not in ("config", "workflow") or not change.field:
        return change.line, []
    marker = f" {change.field}"
    cut = change.line.find(marker)
    headline = change.line[: cut + len(marker)] if cut >= 0 else change.line
    if change.subject == "workflow" and change.field == "params":
        details = _input_fields(change.before, change.after)
        headline = headline.replace("Workflow params", "Workflow run input")
    else:
        details = _inside(change.before, change.after, "")
    if len(details) > MAX_DETAILS:
        details = [*details[:MAX_DETAILS], f"… and {len(details) - MAX_DETAILS} more"]
    return headline + (" changed" if details else ""), details


def _short(value: Any) -> str:
    if isinstance(value, dict):
        return f"{{{len(value)} keys}}" if value else "{}"
    if isinstance(value, list):
        return f"[{len(value)} items]" if value else "[]"
    return show(value)


def _inside(before: Any, after: Any, path: str) -> list[str]:
    """Each difference between two values, by dotted path (lists of named items by name)."""
    here = path or "value"
    if isinstance(before, list) and isinstance(after, list):
        named = all(isinstance(i, dict) and "name" in i for i in [*before, *after])
        if named:
            before = {str(i["name"]): i for i in before}
            after = {str(i["name"]): i for i in after}
        else:
            before = {str(n + 1): i for n, i in enumerate(before)}
            after = {str(n + 1): i for n, i in enumerate(after)}
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[str] = []
        for key in [*before, *(k for k in after if k not in before)]:
            where = f"{path}.{key}" if path else str(key)
            if key not in after:
                out.append(f"{where} removed")
            elif key not in before:
                item = after[key]
                named = isinstance(item, dict) and item.get("name") == key  # a list's item
                out.append(f"{where} added" if named else f"{where} added: {_short(item)}")
            elif before[key] != after[key]:
                out += _inside(before[key], after[key], where)
        return out
    if before is None:
        return [f"{here} added: {_short(after)}"] if path else _inside({}, after, path)
    if after is None:
        return [f"{here} removed"] if path else _inside(before, {}, path)
    return [f"{here}: {_short(before)} → {_short(after)}"]


def _input_fields(before: Any, after: Any) -> list[str]:
    """The run input's fields added, removed or changed (type, required)."""

    def fields(schema: Any) -> dict[str, str]:
        schema = schema if isinstance(schema, dict) else {}
        props = schema.get("properties") if isinstance(schema.get("properties"), dict) else {}
        need = set(schema.get("required") or ())
        return {
            str(name): str((prop or {}).get("type", "any")) + (", required" if name in need else "")
            for name, prop in props.items()
        }

    old, new = fields(before), fields(after)
    out = [f"{name} ({kind}) added" for name, kind in new.items() if name not in old]
    out += [f"{name} removed" for name in old if name not in new]
    out += [
        f"{name}: {old[name]} → {new[name]}"
        for name in new
        if name in old and old[name] != new[name]
    ]
    return out or _inside(before, after, "")


def spec_of(version: WorkflowVersion) -> WorkflowSpec:
    return parse_workflow(version.definition, f"version {version.number}")


def versions_dialog(
    versions: list[WorkflowVersion],
    draft: WorkflowSpec,
    on_restore: Callable[[WorkflowVersion], None],
) -> ui.dialog:
    dialog = ui.dialog().props("maximized=false")
    state: dict[str, object] = {"mode": "own"}
    with dialog, ui.card().classes("ren-dialog ren-versions-dialog"):
        with ui.row().classes("w-full items-center justify-between"):
            ui.label("Versions").classes("ren-dialog-title")
            ui.button(icon="close", on_click=dialog.close).props("flat round dense")
        if not versions:
            ui.label(
                "Nothing published yet. Publish makes an immutable version that runs use; "
                "the draft you edit stays separate."
            ).classes("ren-hint")
            return dialog
        with ui.row().classes("w-full no-wrap gap-4 items-stretch ren-versions-body"):
            listing = ui.column().classes("gap-1 ren-version-list")
            detail = ui.column().classes("flex-1 min-w-0 gap-2 ren-version-detail")
        selected: dict[str, WorkflowVersion] = {"v": versions[0]}

        def set_mode(mode: str) -> None:
            state["mode"] = mode
            show(selected["v"])

        def restore() -> None:
            dialog.close()
            on_restore(selected["v"])

        def show(version: WorkflowVersion) -> None:
            selected["v"] = version
            for item, v in items:
                item.classes(
                    add="ren-version-active" if v is version else "",
                    remove="" if v is version else "ren-version-active",
                )
            detail.clear()
            with detail:
                ui.label(f"Version {version.number}").classes("ren-panel-title")
                ui.label(version.message or "(no message)").classes("text-sm")
                ui.label(
                    time.strftime("%Y-%m-%d %H:%M", time.localtime(version.created_at))
                ).classes("ren-hint")
                toggle = ui.toggle(
                    {"own": "What it changed", "draft": "Compared with the draft"},
                    value=state["mode"],
                    on_change=lambda e: set_mode(str(e.value)),
                ).props("dense no-caps")  # readable: size=sm made its text about 8 px
                toggle.classes("ren-diff-mode")
                spec = spec_of(version)
                if state["mode"] == "draft":
                    diff_view(
                        diff_specs(spec, draft),
                        "The draft is the same as this version.",
                    )
                else:
                    older = next((v for v in versions if v.number < version.number), None)
                    base = spec_of(older) if older else WorkflowSpec(name=spec.name)
                    diff_view(diff_specs(base, spec), "Same as the version before.")
                with ui.row().classes("w-full justify-end pt-2"):
                    ui.button("Restore into draft", icon="restore", on_click=restore).props(
                        "unelevated no-caps color=primary"
                    ).classes("ren-restore").mark("restore")
                ui.label(
                    "Restoring replaces the draft with this version (Undo brings it back); "
                    "publish to make it the version runs use."
                ).classes("ren-hint")

        items: list[tuple[ui.element, WorkflowVersion]] = []
        with listing:
            for version in versions:
                item = ui.element("div").classes("ren-version-item")
                item.props(f'role=button tabindex=0 data-version="{version.number}"')
                item.on("click", lambda v=version: show(v))
                item.mark(f"version-{version.number}")
                with item:
                    with ui.row().classes("items-center gap-2 no-wrap"):
                        ui.label(f"v{version.number}").classes("ren-version-number")
                        ui.label(when(version.created_at)).classes("ren-hint")
                    ui.label(version.message or "(no message)").classes("ren-version-message")
                items.append((item, version))
        show(versions[0])
    return dialog
