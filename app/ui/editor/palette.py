"""The palette: every node type, grouped by category, with a search box. Drag an item onto the
canvas to add it there, or click it to add it after the selected node."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from nicegui import ui

from app.nodes.catalog import AnyNodeType
from app.ui.editor.views import CATEGORY_ORDER, color_of

DRAG_JS = "(e) => {{ e.dataTransfer.setData('application/ren-node', '{type}');"
DRAG_JS += " e.dataTransfer.effectAllowed = 'copy'; }}"


def _order(category: str) -> tuple[int, str]:
    return (CATEGORY_ORDER.index(category) if category in CATEGORY_ORDER else 99, category)


def matches(node_type: AnyNodeType, query: str) -> bool:
    text = " ".join(
        [node_type.type_name, str(node_type.title), node_type.category, node_type.description]
    ).lower()
    return all(word in text for word in query.lower().split())


class Palette:
    def __init__(self, types: Iterable[AnyNodeType], on_add: Callable[[str], None]) -> None:
        self.items: list[tuple[AnyNodeType, ui.element]] = []
        self.sections: dict[str, tuple[ui.element, list[ui.element]]] = {}
        by_category: dict[str, list[AnyNodeType]] = {}
        for node_type in types:
            by_category.setdefault(node_type.category, []).append(node_type)
        with ui.column().classes("w-full h-full gap-2 ren-palette no-wrap"):
            self.search = (
                ui.input(placeholder="Search nodes", on_change=lambda e: self.filter(e.value))
                .props("dense outlined clearable")
                .classes("w-full ren-palette-search")
            )
            with self.search.add_slot("prepend"):
                ui.icon("search", size="18px")
            with ui.column().classes("w-full gap-1 overflow-y-auto min-h-0 flex-1 no-wrap"):
                for category in sorted(by_category, key=_order):
                    header = ui.label(category).classes("ren-palette-category")
                    members: list[ui.element] = []
                    for node_type in sorted(by_category[category], key=lambda t: str(t.title)):
                        item = self._item(node_type, on_add)
                        members.append(item)
                        self.items.append((node_type, item))
                    self.sections[category] = (header, members)
                self.empty = ui.label("No node matches.").classes("ren-hint px-2")
                self.empty.set_visibility(False)
            ui.label("Drag onto the canvas, or click to add.").classes("ren-hint px-1")

    def _item(self, node_type: AnyNodeType, on_add: Callable[[str], None]) -> ui.element:
        name = node_type.type_name
        item = ui.element("div").classes(f"ren-palette-item ren-palette-{name}")
        item.props('draggable=true role=button tabindex=0 data-type="' + name + '"')
        item.props["title"] = node_type.description
        item.on("dragstart", js_handler=DRAG_JS.format(type=name))
        item.on("click", lambda: on_add(name))
        item.on("keydown.enter", lambda: on_add(name))
        with item:
            icon = ui.icon(node_type.icon, size="18px").classes("ren-palette-icon")
            icon.style(f"color: {color_of(node_type.category)}")
            ui.label(str(node_type.title)).classes("ren-palette-title")
        return item

    def filter(self, query: str | None) -> None:
        query = (query or "").strip()
        shown = 0
        for node_type, item in self.items:
            visible = not query or matches(node_type, query)
            item.set_visibility(visible)
            shown += visible
        for header, members in self.sections.values():
            header.set_visibility(any(m.visible for m in members))
        self.empty.set_visibility(shown == 0)
