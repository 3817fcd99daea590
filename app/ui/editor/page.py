"""The editor page at /workflows/{workflow_id}: palette, canvas, side panel, toolbar.

`EditorPage` turns what the canvas reports into edits on `EditorModel` and answers the canvas
with the result (the canvas never edits the graph by itself). After every change it validates
the workflow (problems become badges and the problem list) and autosaves the draft a moment
after the last change.

Saves are compare-and-set on the draft's revision (the one this page loaded or last saved):
when the draft was saved elsewhere meanwhile (another tab or window, an import, `ren`), the
save writes nothing, autosave stops and `ConflictNotice` offers Reload or Keep mine. The page
also looks at the revision every few seconds, so the notice can come before any edit is made.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from nicegui import background_tasks, events, run, ui
from nicegui.elements.drawer import LeftDrawer

from app.core.dsl import WorkflowFormatError, WorkflowSpec
from app.core.problems import Problem
from app.engine.code_trust import code_hash, typed_problems_dropped
from app.engine.service import Engine
from app.engine.workflows import DraftChanged, NotFound, WorkflowSummary, definition_hash
from app.nodes.functions import FunctionRegistry
from app.nodes.pinned import PINNED_TYPE
from app.ui.editor import views
from app.ui.editor.code_review import open_code_review
from app.ui.editor.config_panel import Inspector
from app.ui.editor.conflict import ConflictNotice
from app.ui.editor.data_panel import DataPanel
from app.ui.editor.expression_preview import ExpressionHelp
from app.ui.editor.model import Clip, EditorModel
from app.ui.editor.palette import Palette
from app.ui.editor.problems_panel import ProblemList
from app.ui.editor.samples import completions, field_rows, node_root, schema_rows, upstream_ids
from app.ui.editor.toolbar import Toolbar
from app.ui.editor.workbench import WORKBENCH_CSS, Workbench
from app.ui.flow_editor import FlowEditor

VALIDATE_AFTER_S = 0.15
SAVE_AFTER_S = 0.8
CHECK_EVERY_S = 2.0  # how often an open editor looks whether its draft was saved elsewhere
NODE_OFFSET = (110, 32)  # a dropped node's centre lands under the pointer
CLIPBOARD: dict[str, Clip] = {}  # copy in one workflow, paste in another (one user, one app)

FOCUS_JS = """
window.renFlow = (elementId) => {
  const comp = getElement(elementId);
  if (!comp || !comp.$) return null;
  const find = (vnode, depth) => {
    if (!vnode || depth > 60) return null;
    const c = vnode.component;
    if (c) {
      if (c.exposed && c.exposed.setCenter && c.exposed.findNode) return c.exposed;
      return find(c.subTree, depth + 1);
    }
    if (Array.isArray(vnode.children)) {
      for (const child of vnode.children) { const r = find(child, depth + 1); if (r) return r; }
    }
    return null;
  };
  return find(comp.$.subTree, 0);
};
window.renBounds = (nodes) => {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (const n of nodes) {
    const p = n.computedPosition, d = n.dimensions;
    x0 = Math.min(x0, p.x); y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x + d.width); y1 = Math.max(y1, p.y + d.height);
  }
  return { x0, y0, x1, y1 };
};
window.renFocus = (elementId, ids) => {
  const flow = renFlow(elementId);
  if (!flow) return false;
  const found = ids.map((id) => flow.findNode(id)).filter(Boolean);
  if (!found.length) return false;
  const b = renBounds(found);
  const zoom = Math.min(Math.max(flow.getViewport().zoom, 0.9), 1.2);
  flow.setCenter((b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2, { zoom, duration: 300 });
  return true;
};
document.addEventListener('keydown', (e) => {
  if ((e.ctrlKey || e.metaKey) && !e.shiftKey && !e.altKey && (e.key || '').toLowerCase() === 's') {
    e.preventDefault();
    emitEvent('ren_editor_save');
  }
});
"""


class EditorPage:
    def __init__(
        self,
        engine: Engine,
        workflow_id: str,
        spec: WorkflowSpec,
        registry: FunctionRegistry | None = None,
        revision: int | None = None,
    ) -> None:
        """`revision` is the draft's revision `spec` was read at (`Workflows.load`); without it
        the current one is read."""
        self.engine = engine
        self.workflow_id = workflow_id
        self.registry = engine.functions if registry is None else registry
        self.model = EditorModel(spec, engine.catalog)
        if self.model.needs_layout():
            self.model.auto_layout(record=False)
        self.problems: list[Problem] = []
        self.badges: dict[str, list[str]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.selection: tuple[list[str], list[str]] = ([], [])
        self.stale_edges: set[str] = set()
        self.dirty = False
        self.validate_pending = True
        self.validating = False  # a check runs in a worker thread
        self.edits = 0  # counts changes, so a check of an older graph is dropped
        self.last_change = 0.0
        self.saved_hash = definition_hash(self.model.spec)
        # the draft revision this page's copy builds on: saves only succeed while it is current
        self.revision = engine.workflows.revision(workflow_id) if revision is None else revision
        self.conflict = False  # the draft was saved elsewhere: no autosave until resolved
        self.last_check = time.monotonic()
        self.typed_code: set[str] = set()  # hashes of Code-node code typed here: trusted on save

    @property
    def spec(self) -> WorkflowSpec:
        return self.model.spec

    # ---- building the page ----------------------------------------------------------------
    def build(self) -> None:
        ui.add_body_html(f"<script>{FOCUS_JS}</script>")
        ui.on("ren_editor_save", self.save_now)
        ui.add_css(WORKBENCH_CSS)
        self.workbench = Workbench(self)  # test runs, pins, the sample data the panels show
        with ui.column().classes("ren-editor w-full gap-0"):
            self.toolbar = Toolbar(self)
            self.notice = ConflictNotice(self)
            with ui.row().classes("ren-editor-body w-full no-wrap gap-0"):
                with ui.column().classes("ren-editor-palette gap-0"):
                    offered = [t for t in self.engine.catalog if t.type_name != PINNED_TYPE]
                    self.palette = Palette(offered, self.add_from_palette)
                nodes, edges = views.graph_view(
                    self.model.catalog, self.spec, self.model.group_sizes
                )
                self.views = {n["id"]: self.workbench.decorate(n) for n in nodes}
                with ui.column().classes("ren-editor-canvas gap-0 no-wrap"):
                    self.canvas = FlowEditor(
                        nodes,
                        edges,
                        on_connect=self.on_connect,
                        on_nodes_moved=self.on_moved,
                        on_node_resized=self.on_resized,
                        on_selection=self.on_selection,
                        on_delete=lambda e: self.delete(e.args["nodes"], e.args["edges"]),
                        on_drop=self.on_drop,
                        on_copy=lambda e: self.copy_nodes(e.args["nodes"]),
                        on_paste=self.on_paste,
                        on_undo=lambda: self.undo(),
                        on_redo=lambda: self.redo(),
                    ).classes("w-full flex-1 min-h-0")
                    self.canvas.on("ready", self.on_ready)
                    self.workbench.canvas = self.canvas
                    self.workbench.listeners.append(self.show_pins)
                    self.data_panel = DataPanel(self.workbench, self)
                with ui.column().classes("ren-editor-side gap-0 no-wrap"):
                    with (
                        ui.tabs()
                        .props("dense no-caps inline-label align=left")
                        .classes("w-full") as tabs
                    ):
                        ui.tab("inspect", "Inspect", icon="tune")
                        self.problems_tab = ui.tab("problems", "Problems", icon="error_outline")
                    self.tabs = tabs
                    with ui.tab_panels(tabs, value="inspect").classes("w-full flex-1 min-h-0"):
                        with ui.tab_panel("inspect").classes("ren-side-panel"):
                            self.inspector = Inspector(self)
                        with ui.tab_panel("problems").classes("ren-side-panel"):
                            self.problem_list = ProblemList(self.focus, self.review_code)
        self.inspector.show([], [], [])
        self.validate()
        self.toolbar.refresh()
        ui.timer(0.25, self.tick)
        ui.context.client.on_disconnect(self.flush)
        # a function saved elsewhere (another tab, the folder watcher) clears or adds problems;
        # the watcher calls from its thread, so only a flag is set and tick() checks again
        stop = self.engine.functions.on_reload(lambda _: setattr(self, "validate_pending", True))
        ui.context.client.on_delete(stop)

    # ---- canvas events --------------------------------------------------------------------
    def on_connect(self, e: events.GenericEventArguments) -> None:
        a = e.args
        args = (
            str(a.get("source")),
            str(a.get("source_port") or "out"),
            str(a.get("target")),
            str(a.get("target_port") or "in"),
        )
        reason = self.model.connect_refusal(*args)
        if reason:
            self.canvas.show_notice(reason)
            return
        edge = self.model.connect(*args)
        self.canvas.add_edge(views.edge_view(edge))
        self.changed()

    def on_ready(self) -> None:  # the canvas took its first view (readable, from the start)
        self.workbench.show_statuses()

    def on_moved(self, e: events.GenericEventArguments) -> None:
        moves = list(e.args or [])
        for item in moves:  # where the canvas shows them now (in their old loop, until answered)
            if str(item.get("id")) in self.views:
                self.views[str(item["id"])]["position"] = {"x": item["x"], "y": item["y"]}
        if self.model.move(moves):
            self.sync_geometry()
            # a node into or out of a loop may leave edges crossing the loop's border
            self.changed(validate=any("into" in item for item in moves))

    def on_resized(self, e: events.GenericEventArguments) -> None:
        a = e.args
        self.model.resize_group(str(a["id"]), a["x"], a["y"], a["width"], a["height"])
        self.changed(validate=False)

    def on_selection(self, e: events.GenericEventArguments) -> None:
        nodes = [str(i) for i in e.args.get("nodes", [])]
        edges = [str(i) for i in e.args.get("edges", [])]
        if (nodes, edges) == self.selection:
            return
        self.selection = (nodes, edges)
        self._redraw_stale_edges(keep=set(edges))
        self.inspector.show(nodes, edges, self.problems)
        self.data_panel.show(nodes[0] if len(nodes) == 1 else None)
        if nodes or edges:
            self.tabs.set_value("inspect")

    def on_drop(self, e: events.GenericEventArguments) -> None:
        a = e.args
        parent = a.get("parent")
        if parent and self.model.is_group(str(parent)):
            x, y = float(a["parent_x"]), float(a["parent_y"])
        else:
            parent, x, y = None, float(a["x"]), float(a["y"])
        self.add_node(str(a["type"]), x - NODE_OFFSET[0], y - NODE_OFFSET[1], parent)

    def on_paste(self, e: events.GenericEventArguments) -> None:
        clip = CLIPBOARD.get("clip")
        if clip is None:
            return
        nodes, edges = self.model.paste(clip, float(e.args["x"]), float(e.args["y"]))
        self._add_to_canvas(nodes, edges)
        pasted = {n.id for n in nodes}
        self.canvas.select([n.id for n in nodes if n.parent not in pasted])
        self.changed()

    # ---- edits ----------------------------------------------------------------------------
    def add_from_palette(self, type_name: str) -> None:
        """A click in the palette: after the selected node (connected to it), else at the end."""
        nodes = self.selection[0]
        after = self.model.node(nodes[0]) if len(nodes) == 1 else None
        if after is not None:
            x, y, parent = after.position.x + 300, after.position.y, after.parent
        else:
            tops = [n for n in self.spec.nodes if n.parent is None]
            x = max((n.position.x for n in tops), default=-220) + 300
            y = min((n.position.y for n in tops), default=120)
            parent = None
        node = self.add_node(type_name, x, y, parent)
        if after is not None and node is not None:
            source = views.ports_of(views.node_type(self.model.catalog, after), after)[1]
            target = views.ports_of(views.node_type(self.model.catalog, node), node)[0]
            if source and target:
                edge = self.model.connect(after.id, source[0].name, node.id, target[0].name)
                self.canvas.add_edge(views.edge_view(edge))
        if node is not None:
            self.canvas.select([node.id])
            self.focus_canvas([node.id])

    def add_node(self, type_name: str, x: float, y: float, parent: str | None) -> Any:
        try:
            node = self.model.add_node(type_name, x, y, parent)
        except KeyError as err:
            ui.notify(str(err), type="warning")
            return None
        self._add_to_canvas([node], [])
        self.sync_geometry()  # its loop may have grown around it
        self.canvas.select([node.id])
        self.changed()
        return node

    def _add_to_canvas(self, nodes: Sequence[Any], edges: Sequence[Any]) -> None:
        new = [
            views.node_view(self.model.catalog, n, size=views.group_size(self.spec, n.id))
            for n in nodes
        ]
        self.views.update({v["id"]: v for v in new})
        if new:
            self.canvas.add_nodes(new)
        if edges:
            self.canvas.add_edges([views.edge_view(e) for e in edges])

    def sync_geometry(self) -> None:
        """Send the canvas the parents, positions and loop sizes the model changed (a node moved
        into a loop, a loop grown around it), in one call."""
        patches: dict[str, dict[str, Any]] = {}
        for node in self.spec.nodes:
            view = self.views.get(node.id)
            if view is None:
                continue
            now: dict[str, Any] = {
                "parent": node.parent,
                "position": {"x": node.position.x, "y": node.position.y},
            }
            if view.get("group"):
                now["width"], now["height"] = self.model.box(node.id)
            patch = {k: v for k, v in now.items() if view.get(k) != v}
            if patch:
                view.update(patch)
                patches[node.id] = patch
        if patches:
            self.canvas.update_nodes(patches)

    def delete(self, nodes: Sequence[str], edges: Sequence[str]) -> None:
        removed_nodes, removed_edges = self.model.remove(nodes, edges)
        if removed_nodes or removed_edges:
            for node_id in removed_nodes:
                self.views.pop(node_id, None)
                self.badges.pop(node_id, None)
            self.canvas.remove_elements(removed_nodes, removed_edges)
            self.changed()

    def copy_nodes(self, nodes: Sequence[str]) -> None:
        clip = self.model.copy(nodes)
        if clip.nodes:
            CLIPBOARD["clip"] = clip
            count = len(clip.nodes)
            ui.notify(  # at the top: a toast at the bottom would cover where pastes land
                f"Copied {count} node{'s' if count != 1 else ''}: Ctrl+V pastes", position="top"
            )

    def config_changed(self, node_id: str, config: dict[str, Any], key: str) -> None:
        if key.endswith(":code") and isinstance(config.get("code"), str):
            self.typed_code.add(code_hash(config["code"]))  # the person typed it: trusted
        self.model.set_config(node_id, config, key)
        self.refresh_node(node_id)
        self.changed()

    def node_field_changed(self, node_id: str, name: str, value: Any) -> None:
        self.model.set_node_field(node_id, name, value)
        self.refresh_node(node_id)
        self.changed()

    def edge_when_changed(self, edge_id: str, when: Any) -> None:
        self.model.set_edge_when(edge_id, when)
        self.stale_edges.add(edge_id)  # its label is redrawn once it is no longer selected
        self.changed()

    def workflow_field_changed(self, name: str, value: Any) -> None:
        self.model.set_workflow_field(name, value)
        self.changed()

    def refresh_node(self, node_id: str) -> None:
        """Send the node's changed look (label, summary, ports) to the canvas."""
        node = self.model.node(node_id)
        if node is None:
            return
        new = views.node_view(self.model.catalog, node, problems=self.badges.get(node_id, []))
        self.workbench.decorate(new)
        old = self.views.get(node_id, {})
        patch = {
            k: new[k]
            for k in ("label", "subtitle", "inputs", "outputs", "icon", "color")
            if old.get(k) != new[k]
        }
        if patch:
            self.canvas.update_node(node_id, patch)
            old.update(patch)
            self.views[node_id] = old or new

    def _redraw_stale_edges(self, keep: set[str]) -> None:
        redraw = [e for e in self.stale_edges if e not in keep]
        for edge_id in redraw:
            self.stale_edges.discard(edge_id)
            edge = self.model.edge(edge_id)
            if edge is not None:
                self.canvas.remove_elements([], [edge_id])
                self.canvas.add_edge(views.edge_view(edge))

    def undo(self) -> None:
        if self.model.undo():
            self.redraw()
            self.changed()

    def redo(self) -> None:
        if self.model.redo():
            self.redraw()
            self.changed()

    def redraw(self) -> None:
        """Send the whole graph again (after undo/redo, layout, restore, import)."""
        nodes, edges = views.graph_view(
            self.model.catalog, self.spec, self.model.group_sizes, self.badges
        )
        self.views = {n["id"]: self.workbench.decorate(n) for n in nodes}
        self.stale_edges.clear()
        self.canvas.set_graph(nodes, edges)
        ids = {n.id for n in self.spec.nodes}
        edge_ids = {e.id for e in self.spec.edges}
        self.selection = (
            [n for n in self.selection[0] if n in ids],
            [e for e in self.selection[1] if e in edge_ids],
        )
        self.inspector.show(*self.selection, self.problems)
        self.toolbar.refresh()

    def auto_layout(self) -> None:
        self.model.auto_layout()
        self.redraw()
        self.canvas.fit_view()
        self.changed(validate=False)

    def canvas_fit(self) -> None:
        self.canvas.fit_view()

    def replace(self, spec: WorkflowSpec, layout: bool = False) -> None:
        """Swap in a version or an imported document (undoable)."""
        self.model.replace(spec)
        if layout or self.model.needs_layout():
            self.model.auto_layout(record=False)
        self.redraw()
        self.canvas.fit_view()
        self.changed()

    def workflows(self) -> list[WorkflowSummary]:
        """The other workflows (for a sub-workflow node's picker)."""
        return [s for s in self.engine.workflows.summaries() if s.id != self.workflow_id]

    # ---- the workbench (test runs, pins, sample data) --------------------------------------
    def show_pins(self) -> None:
        """After a pin changed: the pin mark on the canvas, the data panel's node kept."""
        for node_id, view in self.views.items():
            before = view.get("pinned")
            if self.workbench.decorate(view).get("pinned") != before:
                self.canvas.update_node(node_id, {"pinned": view["pinned"]})

    def expression_help(self, node_id: str, edge_id: str | None = None) -> ExpressionHelp:
        """Previews and autocomplete for a node's boxes (an edge's: at its source's output),
        following the workbench's sample while the form is shown."""
        help = ExpressionHelp(*self._help_data(node_id, edge_id))

        def follow() -> None:
            if not help.update(*self._help_data(node_id, edge_id)):
                stop()  # the form is gone

        stop = self.workbench.on_change(follow)
        return help

    def _help_data(
        self, node_id: str, edge_id: str | None
    ) -> tuple[dict[str, Any] | None, list[str]]:
        wb = self.workbench
        if edge_id is not None:
            step = wb.step(node_id)
            scope = wb.scope_at(node_id, step.output if step else None)
            rows = {"input": wb.output_rows(node_id)[0]}
        else:
            scope = wb.scope_at(node_id)
            rows = {"input": wb.input_rows(node_id)[0]}
        sample = wb.sample
        rows["params"] = (
            field_rows(sample.input) if sample is not None else schema_rows(self.spec.params)
        )
        upstream = upstream_ids(self.spec, node_id)
        if edge_id is not None:
            upstream.append(node_id)
        for other in upstream:
            rows[node_root(other)] = wb.output_rows(other)[0]
        node = self.model.node(node_id)
        names = ["input", "params", "nodes", "run"]
        if node is not None and node.parent:
            names += ["item", "index"]
        return scope, completions(rows, names)

    # ---- selection and focus --------------------------------------------------------------
    def focus(self, node_id: str | None, edge_id: str | None) -> None:
        """Select a node or an edge and bring it into view (from the problem list)."""
        target = node_id or edge_id
        if target is None:
            self.canvas.select([])
            self.tabs.set_value("inspect")
            return
        self.canvas.select([target])
        ids = [node_id] if node_id else []
        edge = self.model.edge(edge_id) if edge_id else None
        if edge is not None:
            ids = [edge.source, edge.target]
        self.focus_canvas(ids)

    def focus_canvas(self, node_ids: Sequence[str]) -> None:
        ui.run_javascript(f"renFocus({self.canvas.id}, {json.dumps(list(node_ids))})")

    # ---- validation and saving ------------------------------------------------------------
    def changed(self, validate: bool = True) -> None:
        self.dirty = True
        self.edits += 1
        self.validate_pending = self.validate_pending or validate
        self.last_change = time.monotonic()
        self.toolbar.refresh()

    def tick(self) -> None:
        idle = time.monotonic() - self.last_change
        if self.validate_pending and idle >= VALIDATE_AFTER_S:
            self.validate()
        if self.dirty and idle >= SAVE_AFTER_S and not self.conflict:
            self.save_now()
        if not self.conflict and time.monotonic() - self.last_check >= CHECK_EVERY_S:
            self.check_revision()

    def validate(self) -> None:
        """Check the workflow in a worker thread (a big one takes seconds; the page stays live)
        and show its problems when done."""
        self.validate_pending = False
        if self.validating:
            self.validate_pending = True  # checked again when the running check ends
            return
        self.validating = True
        background_tasks.create(self._validate(), name="editor validation")

    async def _validate(self) -> None:
        spec, edits = self.spec, self.edits
        try:
            problems = await run.io_bound(self.engine.validate, spec, self.workflow_id)
        except Exception:
            if spec is self.spec and edits == self.edits:
                raise
            problems = None  # the graph changed under the check: check it again
        finally:
            self.validating = False
        if problems is None or spec is not self.spec or edits != self.edits:
            self.validate_pending = True
            return
        self.show_problems(typed_problems_dropped(problems, spec, self.typed_code))

    def show_problems(self, problems: list[Problem]) -> None:
        self.problems = problems
        badges = views.problems_by_node(self.spec, self.problems)
        changes = {k: v for k, v in badges.items() if self.badges.get(k) != v}
        changes.update({k: [] for k in self.badges if k not in badges})
        if changes:
            self.canvas.set_problems(changes)
        self.badges = badges
        self.problem_list.update(self.problems, self.spec)
        self.inspector.set_problems(self.problems)
        count = len(self.problems)
        self.problems_tab.props["label"] = f"Problems ({count})" if count else "Problems"
        self.problems_tab.update()
        self.toolbar.refresh()

    def save_now(self) -> bool:
        """Write the draft now (autosave calls this a moment after the last change). False when
        it is not saved: a save error, or the draft was changed elsewhere (then nothing is
        written until the user chooses Reload or Keep mine)."""
        if self.conflict:
            return False
        if not self.dirty:
            return True
        self.toolbar.show_saving()
        try:
            self.revision = self.engine.workflows.save_draft(
                self.spec, self.workflow_id, self.revision
            )
        except DraftChanged:
            self.draft_changed()
            return False
        except Exception as err:
            self.toolbar.show_save_error(str(err))
            return False
        self.dirty = False
        self.saved_hash = definition_hash(self.spec)
        self.last_check = time.monotonic()
        self.engine.workflows.trust.trust_typed(self.workflow_id, self.spec, self.typed_code)
        self.toolbar.refresh()
        return True

    def review_code(self) -> None:
        open_code_review(self)

    def check_revision(self) -> None:
        """Show the notice as soon as the draft was saved elsewhere, even before an edit."""
        self.last_check = time.monotonic()
        try:
            current = self.engine.workflows.revision(self.workflow_id)
        except NotFound:
            return
        if current != self.revision:
            self.draft_changed()

    def draft_changed(self) -> None:
        self.conflict = True
        self.notice.show()
        self.toolbar.refresh()

    def reload_draft(self) -> None:
        """Reload: drop this page's unsaved edits (and its undo history) and show the draft as
        it is now."""
        try:
            draft = self.engine.workflows.load(self.workflow_id)
        except (NotFound, WorkflowFormatError):
            ui.navigate.reload()  # the page says why it cannot be opened
            return
        self.model = EditorModel(draft.spec, self.engine.catalog)
        if self.model.needs_layout():
            self.model.auto_layout(record=False)
        self.revision = draft.revision
        self.conflict = False
        self.dirty = False
        self.saved_hash = definition_hash(self.spec)
        self.last_check = time.monotonic()
        self.notice.hide()
        self.badges = {}
        self.redraw()
        self.validate()
        ui.notify("Reloaded: this is the current draft")

    def keep_mine(self) -> None:
        """Keep mine (the user confirmed): save this page's draft over the current one."""
        try:
            self.revision = self.engine.workflows.revision(self.workflow_id)
        except NotFound as err:
            self.toolbar.show_save_error(str(err))
            return
        self.conflict = False
        self.dirty = True
        self.notice.hide()
        if self.save_now():
            ui.notify("Saved this tab's draft over the other changes", type="positive")

    def flush(self) -> None:
        if self.dirty:
            self.save_now()

    def published(self, number: int) -> None:
        self.toolbar.refresh()


def nav_drawer() -> LeftDrawer | None:
    """The shell's navigation drawer on this page, if the page has one."""
    layout = ui.context.client.layout
    for child in layout.default_slot.children:
        if isinstance(child, LeftDrawer):
            return child
    return None
