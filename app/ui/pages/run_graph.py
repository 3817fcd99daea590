"""The run's workflow on the canvas, read-only, each node coloured by its state.

The editor's canvas (app.ui.flow_editor) in its read-only mode, drawn from the run's own
version (not the draft), so the graph is the one the run follows. The run page hands it the
step rows it keeps current from live events; the graph sends only the nodes whose state or
loop counts changed. Clicking a node tells the page which node was picked.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from nicegui.events import GenericEventArguments

from app.core.dsl import Position, WorkflowSpec
from app.core.layout import layout_workflow
from app.nodes.catalog import NodeCatalog
from app.ui.editor import views
from app.ui.flow_editor import FlowEditor
from app.ui.pages.run_graph_state import loop_counts, node_states


def placed(catalog: NodeCatalog, spec: WorkflowSpec) -> tuple[WorkflowSpec, dict[str, Any]]:
    """The spec with every node placed (laid out when its nodes were never placed, as the
    editor does), and the loop nodes' sizes."""
    points = [(n.parent, n.position.x, n.position.y) for n in spec.nodes]
    groups = [n.id for n in spec.nodes if any(c.parent == n.id for c in spec.nodes)]
    if len(points) < 2 or len(set(points)) == len(points):
        return spec, {g: views.group_size(spec, g) for g in groups}
    spec = spec.model_copy(deep=True)
    layout = layout_workflow(spec, groups=groups)
    for node in spec.nodes:
        x, y = layout.positions.get(node.id, (node.position.x, node.position.y))
        node.position = Position(x=round(x), y=round(y))
    return spec, dict(layout.group_sizes)


class RunGraph:
    def __init__(
        self, catalog: NodeCatalog, spec: WorkflowSpec, on_pick: Callable[[str], None]
    ) -> None:
        self.spec, sizes = placed(catalog, spec)
        nodes, edges = views.graph_view(catalog, self.spec, sizes)
        self.subtitles = {n["id"]: n.get("subtitle") for n in nodes}
        self.states: dict[str, str] = {}
        self.counts: dict[str, str] = {}
        self.on_pick = on_pick
        self.canvas = FlowEditor(
            nodes, edges, readonly=True, minimap=False, on_selection=self._on_selection
        )
        self.canvas.classes("w-full ren-run-graph").mark("run-graph")  # as high as its parent

    def _on_selection(self, e: GenericEventArguments) -> None:
        picked = (e.args or {}).get("nodes") or []
        if len(picked) == 1:
            self.on_pick(str(picked[0]))

    def show(self, rows: Iterable[Mapping[str, Any]], run_status: str) -> None:
        """Bring the nodes' states and the loops' counts up to date (only changes are sent)."""
        rows = list(rows)
        states = node_states(rows, run_status)
        changed: dict[str, str | None] = {
            node_id: state for node_id, state in states.items() if self.states.get(node_id) != state
        }
        changed.update({n: None for n in self.states if n not in states})
        if changed:
            self.canvas.set_status(changed)
        self.states = states
        counts = loop_counts(self.spec, rows)
        patches = {
            loop: {"subtitle": line}
            for loop, line in counts.items()
            if self.counts.get(loop) != line
        }
        if patches:
            self.canvas.update_nodes(patches)
        self.counts = counts

    def select(self, node_id: str) -> None:
        self.canvas.select([node_id])
