"""A small page around FlowEditor, for the browser tests and for looking at the canvas.

Run: ``python -m tests.ui_component.demo_app [port]`` from the repo root, then open
http://127.0.0.1:8080/ . Query parameters: ``dark=1`` (dark mode), ``showcase=1`` (a foreach
group, statuses and problems), ``n=300`` (a generated graph of n nodes and about 4n/3 edges),
``readonly=1``.

Every event the canvas sends is appended to a JSON list shown in the ``.demo-events`` label.
"""

from __future__ import annotations

import json
import os
import random
import sys
from typing import Any

from nicegui import ui
from nicegui.events import GenericEventArguments

from app.ui.flow_editor import FlowEditor

PALETTE = [
    ("if", "If", "call_split"),
    ("http", "HTTP request", "cloud_download"),
]


def demo_nodes() -> list[dict[str, Any]]:
    return [
        {
            "id": "start",
            "type": "manual",
            "label": "Start",
            "position": {"x": 0, "y": 60},
            "outputs": [{"name": "out", "type": "object", "label": "out"}],
            "icon": "play_arrow",
            "color": "#1e9e59",
            "subtitle": "manual trigger",
        },
        {
            "id": "fetch",
            "type": "http",
            "label": "Fetch items",
            "position": {"x": 280, "y": 40},
            "inputs": [{"name": "in", "type": "object", "label": "in"}],
            "outputs": [
                {"name": "items", "type": "list", "label": "items"},
                {"name": "error", "type": "object", "label": "error"},
            ],
            "icon": "cloud_download",
            "color": "#2f7de1",
            "subtitle": "GET /items",
        },
        {
            "id": "export",
            "type": "file_write",
            "label": "Export",
            "position": {"x": 580, "y": 60},
            "inputs": [{"name": "in", "type": "object", "label": "in"}],
            "outputs": [{"name": "out", "type": "any", "label": "out"}],
            "icon": "save",
            "color": "#d9822b",
        },
    ]


def demo_edges() -> list[dict[str, Any]]:
    return [
        {
            "id": "e1",
            "source": "start",
            "source_port": "out",
            "target": "fetch",
            "target_port": "in",
        }
    ]


def showcase_graph() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    nodes = demo_nodes()
    nodes[0]["status"] = "succeeded"
    nodes[1]["status"] = "running"
    nodes[2]["problems"] = ["Missing file name", "Folder 'out' is outside the data folder"]
    nodes += [
        {
            "id": "check",
            "type": "if",
            "label": "Any items?",
            "position": {"x": 280, "y": 240},
            "inputs": [{"name": "in", "type": "any"}],
            "outputs": [{"name": "true", "type": "any"}, {"name": "false", "type": "any"}],
            "icon": "call_split",
            "color": "#8d5cd6",
            "subtitle": "input.count > 0",
            "status": "failed",
        },
        {
            "id": "loop",
            "type": "foreach",
            "label": "For each item",
            "group": True,
            "position": {"x": 580, "y": 220},
            "width": 420,
            "height": 230,
            "inputs": [{"name": "items", "type": "list"}],
            "outputs": [{"name": "results", "type": "list"}],
            "icon": "repeat",
            "color": "#16a3a3",
            "subtitle": "concurrency 4",
            "status": "waiting",
        },
        {
            "id": "approve",
            "type": "human_task",
            "label": "Approve item",
            "parent": "loop",
            "position": {"x": 30, "y": 90},
            "inputs": [{"name": "in", "type": "object"}],
            "outputs": [
                {"name": "approve", "type": "object"},
                {"name": "reject", "type": "object"},
            ],
            "icon": "how_to_reg",
            "color": "#d98a0b",
            "subtitle": "assignee: ops",
            "status": "paused",
        },
        {
            "id": "skip",
            "type": "log",
            "label": "Log skipped",
            "position": {"x": 580, "y": 490},
            "inputs": [{"name": "in", "type": "any"}],
            "icon": "notes",
            "status": "skipped",
        },
    ]
    edges = [
        *demo_edges(),
        {
            "id": "e2",
            "source": "fetch",
            "source_port": "error",
            "target": "check",
            "target_port": "in",
        },
        {
            "id": "e3",
            "source": "check",
            "source_port": "true",
            "target": "export",
            "target_port": "in",
            "label": "yes",
        },
        {
            "id": "e4",
            "source": "fetch",
            "source_port": "items",
            "target": "loop",
            "target_port": "items",
        },
        {
            "id": "e5",
            "source": "check",
            "source_port": "false",
            "target": "skip",
            "target_port": "in",
        },
    ]
    return nodes, edges


def big_graph(n: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """n nodes on a grid, about 4n/3 edges between near neighbours (left to right)."""
    rng = random.Random(7)
    cols = max(1, round(n**0.5 * 1.3))
    nodes = []
    for i in range(n):
        kind, _, icon = PALETTE[i % 2]
        outputs = [{"name": "out", "type": "any"}]
        if kind == "if":
            outputs = [{"name": "true", "type": "any"}, {"name": "false", "type": "any"}]
        nodes.append(
            {
                "id": f"n{i}",
                "type": kind,
                "label": f"Step {i}",
                "position": {"x": (i % cols) * 260, "y": (i // cols) * 130},
                "inputs": [{"name": "in", "type": "any"}],
                "outputs": outputs,
                "icon": icon,
            }
        )
    edges: list[dict[str, Any]] = []
    seen: set[tuple[int, int]] = set()
    while len(edges) < n * 4 // 3:
        a = rng.randrange(n)
        b = a + rng.choice([1, 1, cols, cols + 1, cols - 1])
        if b >= n or b == a or (a, b) in seen:
            continue
        seen.add((a, b))
        port = "true" if a % 2 == 0 else "out"
        edges.append(
            {
                "id": f"e{len(edges)}",
                "source": f"n{a}",
                "source_port": port,
                "target": f"n{b}",
                "target_port": "in",
            }
        )
    return nodes, edges


@ui.page("/")
def index(dark: int = 0, showcase: int = 0, n: int = 0, readonly: int = 0) -> None:
    ui.dark_mode(bool(dark))
    events: list[dict[str, Any]] = []
    counter = {"edge": 100, "node": 0}
    editor: FlowEditor  # both created further down; the handlers below run later
    log: ui.label

    if n:
        nodes, edges = big_graph(n)
    elif showcase:
        nodes, edges = showcase_graph()
    else:
        nodes, edges = demo_nodes(), demo_edges()

    def record(name: str) -> Any:
        def handler(e: GenericEventArguments) -> None:
            events.append({"event": name, "args": e.args})
            del events[:-50]
            log.set_text(json.dumps(events))

        return handler

    def connect(e: GenericEventArguments) -> None:
        record("connect")(e)
        counter["edge"] += 1
        editor.add_edge({"id": f"e{counter['edge']}", **e.args})

    def drop(e: GenericEventArguments) -> None:
        record("drop")(e)
        counter["node"] += 1
        kind = str(e.args["type"])
        label = dict((k, lbl) for k, lbl, _ in PALETTE).get(kind, kind)
        icon = dict((k, i) for k, _, i in PALETTE).get(kind)
        outputs = [{"name": "true", "type": "any"}, {"name": "false", "type": "any"}]
        editor.add_node(
            {
                "id": f"new{counter['node']}",
                "type": kind,
                "label": label,
                "position": {"x": e.args["x"], "y": e.args["y"]},
                "inputs": [{"name": "in", "type": "any"}],
                "outputs": outputs if kind == "if" else [{"name": "out", "type": "any"}],
                "icon": icon,
            }
        )

    def delete(e: GenericEventArguments) -> None:
        record("delete")(e)
        editor.remove_elements(e.args.get("nodes", []), e.args.get("edges", []))

    def methods() -> None:
        editor.update_node("start", {"label": "Begin", "subtitle": "renamed"})
        editor.set_problems({"fetch": ["URL is empty", "Timeout must be positive"]})
        editor.select(["export"])

    async def viewport() -> None:
        events.append({"event": "viewport", "args": await editor.get_viewport()})
        log.set_text(json.dumps(events))

    def reset() -> None:
        editor.set_graph(demo_nodes()[:2], [])

    with ui.column().classes("w-full h-screen p-4 gap-3 no-wrap"):
        with ui.row().classes("items-center gap-2"):
            ui.label("Flow editor demo").classes("text-lg font-medium")
            ui.button("Status", on_click=lambda: editor.set_status({"fetch": "running"})).props(
                "flat dense no-caps"
            ).classes("demo-set-status")
            ui.button("Fit", on_click=lambda: editor.fit_view()).props("flat dense no-caps")
            ui.button("Methods", on_click=methods).props("flat dense no-caps").classes(
                "demo-methods"
            )
            ui.button("Viewport", on_click=viewport).props("flat dense no-caps").classes(
                "demo-viewport"
            )
            ui.button("Reset", on_click=reset).props("flat dense no-caps").classes("demo-reset")
        with ui.row().classes("w-full flex-1 min-h-0 no-wrap gap-3"):
            with ui.column().classes("w-40 gap-2"):
                ui.label("Palette").classes("text-xs uppercase opacity-60")
                for kind, label, icon in PALETTE:
                    with (
                        ui.element("div")
                        .props("draggable=true")
                        .classes(
                            f"demo-palette-{kind} w-full flex items-center gap-2 px-3 py-2 "
                            "rounded border border-gray-300 cursor-grab select-none"
                        )
                        .on(
                            "dragstart",
                            js_handler=(
                                "(e) => { e.dataTransfer.effectAllowed = 'copy';"
                                f" e.dataTransfer.setData('application/ren-node', '{kind}'); }}"
                            ),
                        )
                    ):
                        ui.icon(icon).classes("text-lg")
                        ui.label(label).classes("text-sm")
            editor = FlowEditor(
                nodes,
                edges,
                readonly=bool(readonly),
                on_connect=connect,
                on_connect_refused=record("connect_refused"),
                on_nodes_moved=record("nodes_moved"),
                on_node_resized=record("node_resized"),
                on_selection=record("selection"),
                on_delete=delete,
                on_node_dblclick=record("node_dblclick"),
                on_drop=drop,
                on_copy=record("copy"),
                on_paste=record("paste"),
                on_undo=record("undo"),
                on_redo=record("redo"),
                on_pane_click=record("pane_click"),
            ).classes("demo-editor flex-1 h-full min-w-0 rounded border border-gray-300")
        log = ui.label("[]").classes("demo-events text-xs font-mono break-all h-16 overflow-auto")


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else int(os.environ.get("DEMO_PORT", "8080"))
    ui.run(port=port, host="127.0.0.1", reload=False, show=False, title="Flow editor demo")


if __name__ in {"__main__", "__mp_main__"}:
    main()
