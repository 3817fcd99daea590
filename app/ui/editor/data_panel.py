"""The data panel under the canvas: the selected node's input and output, from a sample run.

The sample is the latest test run or a past run chosen in the panel's header, read by the
workbench in a worker thread (the panel draws what it has read, and again after each read).
Each side shows the data as a field list with types (each field draggable into a config
field, or inserted with its button), a table, or a JSON tree. A node with no data yet shows
what it will receive from its upstream nodes' output schemas. The input side can also show
`params` (the run's input) or any upstream node's output, so the field inserted is the right
reference: `input.amount`, `params.amount` or `nodes.ask.values.ok`. The output side pins the
node's output (or a typed one) for test runs.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any, Protocol

from nicegui import background_tasks, ui

from app.core.dsl import NodeSpec, WorkflowSpec
from app.ui.editor.pins import PinDialog
from app.ui.editor.samples import (
    FieldRow,
    field_rows,
    node_root,
    reference,
    schema_rows,
    upstream_ids,
)
from app.ui.editor.test_run import TestDialog
from app.ui.editor.workbench import Workbench

VIEWS = {"fields": "Fields", "table": "Table", "json": "JSON"}
TABLE_ROWS = 50

# Insert an expression into the config field last focused (or dropped on): raw in expression
# and condition boxes, as `{{ … }}` in template ones (anything else, e.g. a Set node's values).
INSERT_JS = """
window.renLastField = null;
document.addEventListener('focusin', (e) => {
  const t = e.target;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA') && t.closest('.ren-inspector')) {
    window.renLastField = t;
  }
});
window.renInsert = (expr, el) => {
  el = el || window.renLastField;
  if (!el || !document.contains(el)) { emitEvent('ren_insert_missed'); return false; }
  const holder = el.closest('[data-kind]');
  const kind = holder ? holder.dataset.kind : 'template';
  const text = (kind === 'expression' || kind === 'condition') ? expr : '{{ ' + expr + ' }}';
  const start = el.selectionStart ?? el.value.length, end = el.selectionEnd ?? start;
  el.value = el.value.slice(0, start) + text + el.value.slice(end);
  el.selectionStart = el.selectionEnd = start + text.length;
  el.dispatchEvent(new Event('input', { bubbles: true }));
  el.focus();
  return true;
};
document.addEventListener('dragover', (e) => {
  if (e.dataTransfer && e.dataTransfer.types.includes('application/x-ren-expr')
      && e.target.closest && e.target.closest('.ren-inspector')) e.preventDefault();
}, true);
document.addEventListener('drop', (e) => {
  const expr = e.dataTransfer && e.dataTransfer.getData('application/x-ren-expr');
  const field = e.target.closest && e.target.closest('.ren-inspector .q-field');
  const el = field && field.querySelector('input, textarea');
  if (!expr || !el) return;
  e.preventDefault();
  e.stopPropagation();
  el.focus();
  el.selectionStart = el.selectionEnd = el.value.length;
  window.renInsert(expr, el);
}, true);
"""


class PanelHost(Protocol):
    @property
    def spec(self) -> WorkflowSpec: ...


def drag_js(expr: str) -> str:
    template = "{{ " + expr + " }}"
    return (
        "(e) => { e.dataTransfer.effectAllowed = 'copy';"
        f" e.dataTransfer.setData('text/plain', {json.dumps(template)});"
        f" e.dataTransfer.setData('application/x-ren-expr', {json.dumps(expr)}); }}"
    )


class DataPanel:
    def __init__(self, workbench: Workbench, host: PanelHost) -> None:
        self.workbench = workbench
        self.host = host
        self.node_id: str | None = None
        self.source = "input"  # what the input side shows: input, params or nodes.<id>
        self.views = {"input": "fields", "output": "fields"}
        self.collapsed = False
        ui.add_body_html(f"<script>{INSERT_JS}</script>")
        ui.on("ren_insert_missed", self._missed)
        self.root = ui.column().classes("ren-data-panel w-full gap-0 no-wrap").mark("data-panel")
        self.dialogs = ui.element("div")  # outside the root, which is redrawn under them
        stop = workbench.on_change(self.render_soon)
        ui.context.client.on_delete(stop)
        self.render()

    # ---- what to show ----------------------------------------------------------------------
    def show(self, node_id: str | None) -> None:
        if node_id != self.node_id:
            self.source = "input"
        self.node_id = node_id
        self.render()

    def render_soon(self) -> None:
        """Redraw after the current event: the element that sent it is drawn anew, and must not
        be deleted while its own handler runs."""

        async def later() -> None:
            await asyncio.sleep(0)
            if not self.root.is_deleted:
                self.render()

        background_tasks.create(later(), name="data panel")

    def node(self) -> NodeSpec | None:
        return next((n for n in self.host.spec.nodes if n.id == self.node_id), None)

    def render(self) -> None:
        self.root.clear()
        self.root.classes(remove="ren-data-collapsed")
        if self.collapsed:
            self.root.classes("ren-data-collapsed")
        node = self.node()
        with self.root:
            self._header(node)
            if self.collapsed:
                return
            with ui.row().classes("ren-data-body w-full no-wrap gap-0"):
                if node is None:
                    with ui.column().classes("ren-data-side"):
                        ui.label(
                            "Select a node to see the data it receives and produces. "
                            "Test the workflow to fill it with data."
                        ).classes("ren-hint")
                    return
                with ui.column().classes("ren-data-side gap-1").mark("data-input"):
                    self._input_side(node)
                with ui.column().classes("ren-data-side gap-1").mark("data-output"):
                    self._output_side(node)

    def _header(self, node: NodeSpec | None) -> None:
        wb = self.workbench
        with ui.row().classes("ren-data-header w-full items-center no-wrap gap-2"):
            ui.icon("dataset", size="18px").classes("text-primary")
            title = f"Data · {node.label}" if node else "Data"
            ui.label(title).classes("ren-data-title")
            sample = wb.sample
            if sample is not None:
                kind = "test run" if sample.is_test else "run"
                ui.label(f"{kind} {sample.run_id[:8]} · {sample.status}").classes(
                    "ren-hint ren-mono"
                ).mark("data-run-status")
            ui.space()
            choices = wb.choices
            select = ui.select(
                choices,
                value=wb.chosen_run or "",
                on_change=lambda e: wb.choose(e.value or None),  # redraws soon
            ).props("dense outlined options-dense")
            select.classes("ren-data-run").mark("data-run")
            select.tooltip("Whose data the panels show")
            if node is not None:
                ui.button(
                    "Test up to here",
                    icon="science",
                    on_click=lambda: self.open(TestDialog, wb, node.id, node.label),
                ).props("unelevated dense no-caps color=primary data-testid=test-node").mark(
                    "test-node"
                )
            ui.button(
                "Test workflow",
                icon="play_circle",
                on_click=lambda: self.open(TestDialog, wb, None),
            ).props("flat dense no-caps data-testid=test-all").mark("test-all")
            ui.button(
                icon="expand_more" if not self.collapsed else "expand_less",
                on_click=self._toggle,
            ).props("flat round dense").tooltip("Hide or show the data")

    def open(self, dialog: Callable[..., object], *args: Any) -> None:
        """Open a dialog where redrawing the panel does not delete it."""
        self.dialogs.clear()
        with self.dialogs:
            dialog(*args)

    def _toggle(self) -> None:
        self.collapsed = not self.collapsed
        self.render_soon()

    # ---- the input side -------------------------------------------------------------------
    def _input_side(self, node: NodeSpec) -> None:
        spec = self.host.spec
        sources = {"input": "Input (input)", "params": "Run input (params)"}
        for upstream in upstream_ids(spec, node.id):
            other = next((n for n in spec.nodes if n.id == upstream), None)
            label = other.label if other else upstream
            sources[f"nodes.{upstream}"] = f"{label} (nodes.{upstream})"
        if self.source not in sources:
            self.source = "input"
        with ui.row().classes("w-full items-center no-wrap gap-2"):
            ui.label("INPUT").classes("ren-data-side-title")
            ui.select(sources, value=self.source, on_change=self._set_source).props(
                "dense borderless options-dense"
            ).classes("ren-data-source").mark("data-source").props["data-testid"] = "data-source"
            ui.space()
            self._view_toggle("input")
        value, rows, known, root = self._source_data(node)
        if not rows and not known:
            ui.label(
                "No data yet. Test up to this node (or an upstream one) to see what it gets."
            ).classes("ren-hint")
            return
        if not known:
            ui.label("Not run yet. It will receive:").classes("ren-hint").mark("data-expected")
        self._data(value, rows, known, root, "input")

    def _set_source(self, e: Any) -> None:
        self.source = str(e.value or "input")
        self.render_soon()

    def _source_data(self, node: NodeSpec) -> tuple[Any, list[FieldRow], bool, str]:
        """(value, rows, known, root) for what the input side shows now."""
        wb = self.workbench
        if self.source == "params":
            sample = wb.sample
            if sample is not None:
                return sample.input, field_rows(sample.input), True, "params"
            return None, schema_rows(self.host.spec.params), False, "params"
        if self.source.startswith("nodes."):
            other = self.source[len("nodes.") :]
            rows, known = wb.output_rows(other)
            return self._output_value(other), rows, known, node_root(other)
        rows, known = wb.input_rows(node.id)
        step = wb.step(node.id)
        return (step.input if step else None), rows, known, "input"

    def _output_value(self, node_id: str) -> Any:
        step = self.workbench.step(node_id)
        if step is not None and step.status == "succeeded":
            return step.output
        pin = self.workbench.pins.get(node_id)
        return pin.output if pin is not None else None

    # ---- the output side ------------------------------------------------------------------
    def _output_side(self, node: NodeSpec) -> None:
        wb = self.workbench
        pin = wb.pins.get(node.id)
        step = wb.step(node.id)
        with ui.row().classes("w-full items-center no-wrap gap-2"):
            ui.label("OUTPUT").classes("ren-data-side-title")
            if pin is not None:
                ui.badge("pinned", color="amber-8").props("outline").mark("pin-badge").tooltip(
                    "Test runs use this output instead of running the node"
                )
            ui.space()
            self._pin_buttons(node, pin is not None, step)
            self._view_toggle("output")
        if step is not None and step.status == "failed":
            message = (step.error or {}).get("message") if isinstance(step.error, dict) else None
            ui.label(f"Failed: {message or step.error}").classes("text-negative text-sm")
        if self._waiting(node.id):
            ui.label(
                "Waiting for a person. Answer it in the inbox, or pin a sample answer and test "
                "again."
            ).classes("ren-hint").mark("data-waiting")
        rows, known = wb.output_rows(node.id)
        if not rows and not known:
            ui.label("No output yet.").classes("ren-hint")
            return
        if not known:
            ui.label("Not run yet. It will output:").classes("ren-hint")
        if pin is not None and (step is None or step.status != "succeeded"):
            ui.label(f"The pinned output (fires “{pin.port}”):").classes("ren-hint")
        self._data(self._output_value(node.id), rows, known, node_root(node.id), "output")

    def _waiting(self, node_id: str) -> bool:
        step = self.workbench.step(node_id)
        return step is not None and step.status == "waiting"

    def _pin_buttons(self, node: NodeSpec, pinned: bool, step: Any) -> None:
        wb = self.workbench
        if step is not None and step.status == "succeeded" and wb.sample is not None:
            run_id = wb.sample.run_id

            async def pin_this() -> None:
                port = (list(step.ports) or ["out"])[0]
                await wb.pin(node.id, step.output, port, run_id)
                ui.notify(f"Pinned the output of {node.label}", type="positive", position="top")

            ui.button(icon="push_pin", on_click=pin_this).props("flat round dense").tooltip(
                "Pin this output"
            ).mark("pin-this")
        ui.button(icon="edit_note", on_click=lambda: self.open(PinDialog, wb, node)).props(
            "flat round dense"
        ).tooltip("Pin a typed output").mark("pin-typed").props["data-testid"] = "pin-typed"
        if pinned:

            async def unpin() -> None:
                await wb.unpin(node.id)

            ui.button(icon="backspace", on_click=unpin).props("flat round dense").tooltip(
                "Remove the pin"
            ).mark("unpin")

    # ---- showing data ---------------------------------------------------------------------
    def _view_toggle(self, side: str) -> None:
        def set_view(e: Any) -> None:
            self.views[side] = str(e.value)
            self.render_soon()

        ui.toggle(VIEWS, value=self.views[side], on_change=set_view).props(
            "dense no-caps unelevated size=sm"
        ).classes("ren-data-views").mark(f"data-view-{side}")

    def _data(self, value: Any, rows: list[FieldRow], known: bool, root: str, side: str) -> None:
        view = self.views[side] if known else "fields"
        with ui.element("div").classes("ren-data-content w-full"):
            if view == "json":
                ui.json_editor(
                    {"content": {"json": value}, "readOnly": True, "mode": "tree"}
                ).classes("w-full ren-data-json").mark(f"data-json-{side}")
            elif view == "table":
                self._table(value, side)
            else:
                self._fields(rows, root, side)

    def _fields(self, rows: list[FieldRow], root: str, side: str) -> None:
        with ui.column().classes("w-full gap-0 ren-data-fields").mark(f"data-fields-{side}"):
            for row in rows:
                expr = reference(root, row.path)
                line = ui.row().classes("ren-data-field w-full items-center no-wrap gap-2")
                line.props("draggable=true")
                line.props["data-expr"] = expr
                line.on("dragstart", js_handler=drag_js(expr))
                line.mark(f"field-row-{side}-{row.text}")
                with line:
                    depth = len(row.path) - 1
                    ui.icon("drag_indicator", size="16px").classes("ren-data-grip")
                    name = ui.label(str(row.path[-1]) if row.path else root)
                    name.classes("ren-mono ren-data-name").style(f"padding-left: {depth * 12}px")
                    name.tooltip(expr)
                    ui.label(row.type or "?").classes(f"ren-data-type ren-type-{row.type or 'any'}")
                    ui.label(row.shown).classes("ren-data-value ren-mono")
                    ui.button(icon="input", on_click=self._inserter(expr)).props(
                        "flat round dense size=sm"
                    ).tooltip(f"Insert {expr} into the field being edited").mark(
                        f"insert-{side}-{row.text}"
                    )

    def _inserter(self, expr: str) -> Callable[[], None]:
        def insert() -> None:
            ui.run_javascript(f"renInsert({json.dumps(expr)})")

        return insert

    def _missed(self) -> None:
        ui.notify("Click into a field of the node's settings first, then insert.", type="info")

    def _table(self, value: Any, side: str) -> None:
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            keys = list(dict.fromkeys(k for item in value[:TABLE_ROWS] for k in item))[:20]
            columns = [{"name": k, "label": k, "field": k, "align": "left"} for k in keys]
            rows = [
                {k: _cell(item.get(k)) for k in keys} | {"_i": i}
                for i, item in enumerate(value[:TABLE_ROWS])
            ]
        elif isinstance(value, dict):
            columns = [
                {"name": "key", "label": "field", "field": "key", "align": "left"},
                {"name": "value", "label": "value", "field": "value", "align": "left"},
            ]
            rows = [{"key": k, "value": _cell(v), "_i": k} for k, v in value.items()]
        else:
            ui.label(_cell(value)).classes("ren-mono")
            return
        ui.table(columns=columns, rows=rows, row_key="_i").props("dense flat").classes(
            "w-full ren-data-table"
        ).mark(f"data-table-{side}")


def _cell(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)
