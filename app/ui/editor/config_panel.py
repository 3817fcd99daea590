"""The side panel: what is selected, and its settings.

- one node: name, the config form generated from the node type's pydantic model (function nodes
  get the function picker and an args form, webhook nodes their URL and secret), error
  handling (on error, retry, timeout), and the node's current problems;
- one edge: where it goes and its optional condition;
- several: counts and buttons for the whole selection;
- nothing: the workflow itself (name, description, run input, time limit) and how to start.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any, Protocol

from nicegui import ui
from pydantic import BaseModel, TypeAdapter

from app.core.dsl import RetryPolicy
from app.core.problems import Problem
from app.engine.service import Engine
from app.engine.workflows import WorkflowSummary
from app.nodes.functions import FunctionRegistry
from app.nodes.start import WebhookNode
from app.ui.editor.expression_preview import ExpressionHelp, helping
from app.ui.editor.fields import build_field, field_label, number_field, text_field
from app.ui.editor.form_panel import FormPanel
from app.ui.editor.function_form import args_form, create_button, picker
from app.ui.editor.mcp_panel import McpPanel
from app.ui.editor.model import EditorModel
from app.ui.editor.params_designer import params_designer
from app.ui.editor.schema_form import FieldSpec, schema_fields
from app.ui.editor.views import color_of, node_type, problem_text
from app.ui.editor.webhook_panel import WebhookPanel

ON_ERROR = {
    "fail": "Fail the run",
    "continue": "Continue (send the error out of an 'error' port)",
    "pause": "Pause the run (retry, skip or edit later)",
}


def default_of(model: type[BaseModel], name: str) -> Any:
    """A config field's default as plain JSON data (None when it has none)."""
    field = model.model_fields.get(name)
    if field is None or field.is_required():
        return None
    value = field.get_default(call_default_factory=True)
    return TypeAdapter(Any).dump_python(value, mode="json")


class Actions(Protocol):
    """What the panel asks the page to do."""

    model: EditorModel
    registry: FunctionRegistry
    engine: Engine
    workflow_id: str

    def config_changed(self, node_id: str, config: dict[str, Any], key: str) -> None: ...

    def node_field_changed(self, node_id: str, name: str, value: Any) -> None: ...

    def edge_when_changed(self, edge_id: str, when: Any) -> None: ...

    def workflow_field_changed(self, name: str, value: Any) -> None: ...

    def delete(self, nodes: Sequence[str], edges: Sequence[str]) -> None: ...

    def copy_nodes(self, nodes: Sequence[str]) -> None: ...

    def focus(self, node_id: str | None, edge_id: str | None) -> None: ...

    def workflows(self) -> list[WorkflowSummary]: ...

    def expression_help(self, node_id: str, edge_id: str | None = None) -> ExpressionHelp: ...


class Inspector:
    def __init__(self, actions: Actions) -> None:
        self.actions = actions
        self.root = ui.column().classes("w-full gap-3 ren-inspector")
        self.problems_box: ui.column | None = None
        self.args_box: ui.column | None = None
        self.webhook: WebhookPanel | None = None
        self.form: FormPanel | None = None
        self.showing: tuple[str, str | None] = ("workflow", None)

    # ---- what to show ---------------------------------------------------------------------
    def show(self, nodes: Sequence[str], edges: Sequence[str], problems: Sequence[Problem]) -> None:
        self.root.clear()
        self.problems_box = self.args_box = None
        self.webhook = None
        self.form = None
        with self.root:
            if len(nodes) == 1 and not edges and self.actions.model.node(nodes[0]):
                self.showing = ("node", nodes[0])
                self._node(nodes[0])
            elif len(edges) == 1 and not nodes and self.actions.model.edge(edges[0]):
                self.showing = ("edge", edges[0])
                self._edge(edges[0])
            elif nodes or edges:
                self.showing = ("many", None)
                self._many(list(nodes), list(edges))
            else:
                self.showing = ("workflow", None)
                self._workflow()
        self.set_problems(problems)

    def set_problems(self, problems: Sequence[Problem]) -> None:
        """Refresh the selected node's or edge's problems without rebuilding its form."""
        if self.problems_box is None:
            return
        kind, ident = self.showing
        mine = [
            p
            for p in problems
            if (kind == "node" and p.node_id == ident) or (kind == "edge" and p.edge_id == ident)
        ]
        self.problems_box.clear()
        with self.problems_box:
            for problem in mine:
                with ui.row().classes("items-start no-wrap gap-2 ren-panel-problem"):
                    ui.icon("error_outline", size="18px").classes("text-negative")
                    ui.label(problem_text(problem)).classes("text-sm")
        self.problems_box.set_visibility(bool(mine))

    # ---- one node -------------------------------------------------------------------------
    def _node(self, node_id: str) -> None:
        model = self.actions.model
        node = model.node(node_id)
        assert node is not None
        info = node_type(model.catalog, node)
        with ui.row().classes("w-full items-center no-wrap gap-2"):
            icon = ui.icon(info.icon if info else "help_outline", size="22px")
            icon.style(f"color: {color_of(info.category) if info else '#64748b'}")
            with ui.column().classes("gap-0 min-w-0"):
                ui.label(str(info.title) if info else node.type).classes("ren-panel-title")
                ui.label(f"id: {node.id}").classes("ren-hint ren-mono")
        if info and info.description:
            ui.label(str(info.description)).classes("ren-hint")
        self.problems_box = ui.column().classes("w-full gap-1 ren-panel-problems")

        def rename(value: Any) -> None:
            self.actions.node_field_changed(node_id, "name", str(value or ""))

        name = text_field(FieldSpec("name", "Name", "text"), node.name, rename)
        name.props["placeholder"] = f"shown as its id, {node.id}"
        if info is None:
            ui.label(f"Unknown node type '{node.type}': its config is kept as it is.").classes(
                "ren-hint"
            )
            return
        config = dict(node.config)

        def setter(name: str) -> Any:
            def set_value(value: Any) -> None:
                current = model.node(node_id)
                if current is None:
                    return
                new = dict(current.config)
                if value is None or (value == "" and name in new):
                    new.pop(name, None)
                else:
                    new[name] = value
                self.actions.config_changed(node_id, new, f"config:{node_id}:{name}")
                if name == "function":
                    self._render_args(node_id)
                if self.webhook is not None:
                    self.webhook.update(new)
                if self.form is not None:
                    self.form.update(new)

            return set_value

        specs = schema_fields(info.config_model.model_json_schema(), node.type)
        if specs:
            ui.label("Settings").classes("ren-section")
        with helping(self.actions.expression_help(node_id)):  # previews and autocomplete
            for spec in specs:
                if spec.kind == "function":
                    picker(self.actions.registry, config.get("function"), setter("function"))
                elif spec.kind == "workflow":
                    self._workflow_picker(spec, config.get(spec.name), setter(spec.name))
                elif spec.kind == "args":
                    ui.label("Arguments").classes("ren-field-title")
                    self.args_box = ui.column().classes("w-full gap-2")
                    self._render_args(node_id)
                else:
                    value = config.get(spec.name)
                    if value is None and spec.kind in ("records", "list", "map"):
                        value = default_of(info.config_model, spec.name)  # e.g. default outcomes
                    build_field(spec, value, setter(spec.name))
        if node.type == WebhookNode.type_name:
            self.webhook = WebhookPanel(
                self.actions.engine, self.actions.workflow_id, model.spec.params
            )
            self.webhook.build(config)
        if node.type == "form_trigger":
            self.form = FormPanel(self.actions.engine, self.actions.workflow_id)
            self.form.build(config)
        if node.type == "mcp_tools":  # "Load tools" (app.ui.editor.mcp_panel)
            self._mcp_panel(node_id, config)
        self._error_settings(node_id)
        with ui.row().classes("w-full gap-2 pt-2"):
            ui.button(
                "Copy", icon="content_copy", on_click=lambda: self.actions.copy_nodes([node_id])
            ).props("flat dense no-caps")
            ui.button(
                "Delete node", icon="delete", on_click=lambda: self.actions.delete([node_id], [])
            ).props("flat dense no-caps color=negative")

    def _mcp_panel(self, node_id: str, config: dict[str, Any]) -> None:
        def current() -> dict[str, Any] | None:
            node = self.actions.model.node(node_id)
            return None if node is None else dict(node.config)

        def save(new: dict[str, Any]) -> None:
            self.actions.config_changed(node_id, new, f"config:{node_id}:tools")

        McpPanel(current, save).build(config)

    def _workflow_picker(self, spec: FieldSpec, value: Any, on_change: Any) -> None:
        """Another workflow of this app, by name (a sub-workflow node runs its latest version)."""
        options = {
            s.id: f"{s.name} · {s.id}" + ("" if s.version else " (not published)")
            for s in self.actions.workflows()
        }
        if value and value not in options:
            options[value] = f"{value} (not found)"
        select = ui.select(
            options,
            label=field_label(spec),
            value=value or None,
            with_input=True,
            on_change=lambda e: on_change(e.value),
        ).props("dense outlined stack-label options-dense")
        select.classes("w-full ren-field").mark(f"field-{spec.name}")
        select.props["data-field"] = spec.name
        if spec.description:
            select.props["hint"] = spec.description

    def _render_args(self, node_id: str) -> None:
        node = self.actions.model.node(node_id)
        if self.args_box is None or node is None:
            return
        info = self.actions.registry.get(str(node.config.get("function") or ""))
        self.args_box.clear()

        def set_args(args: dict[str, Any]) -> None:
            current = self.actions.model.node(node_id)
            if current is None:
                return
            new = dict(current.config)
            if args:
                new["args"] = args
            else:
                new.pop("args", None)
            self.actions.config_changed(node_id, new, f"config:{node_id}:args")

        with self.args_box:
            name = str(node.config.get("function") or "")
            if info is None and name:  # no dead end: write the function from here
                back = f"/workflows/{self.actions.workflow_id}"
                create_button(name, dict(node.config.get("args") or {}), back)
            args_form(info, dict(node.config.get("args") or {}), set_args)

    def _error_settings(self, node_id: str) -> None:
        node = self.actions.model.node(node_id)
        assert node is not None
        changed = self.actions.node_field_changed
        with ui.expansion("When it fails", icon="report_problem").classes(
            "w-full ren-expansion"
        ) as box:
            if node.on_error != "fail" or node.retry or node.timeout_s:
                box.open()
            ui.select(
                ON_ERROR,
                label="On error",
                value=node.on_error,
                on_change=lambda e: changed(node_id, "on_error", e.value),
            ).props("dense outlined stack-label options-dense").classes("w-full ren-field")
            retry = node.retry

            def set_retry(on: bool) -> None:
                changed(node_id, "retry", RetryPolicy() if on else None)
                attempts.set_visibility(on)

            ui.switch("Retry", value=retry is not None, on_change=lambda e: set_retry(e.value))
            with ui.column().classes("w-full gap-2") as attempts:

                def retry_field(name: str, value: Any) -> None:
                    current = self.actions.model.node(node_id)
                    policy = (current.retry if current else None) or RetryPolicy()
                    if isinstance(value, int | float):
                        data = {**policy.model_dump(), name: value}
                        with contextlib.suppress(ValueError):
                            changed(node_id, "retry", RetryPolicy.model_validate(data))

                number_field(
                    FieldSpec("max_attempts", "Attempts in all", "integer", minimum=1, maximum=100),
                    (retry or RetryPolicy()).max_attempts,
                    lambda v: retry_field("max_attempts", v),
                )
                number_field(
                    FieldSpec("backoff_s", "First wait (seconds)", "number", minimum=0),
                    (retry or RetryPolicy()).backoff_s,
                    lambda v: retry_field("backoff_s", v),
                )
            attempts.set_visibility(retry is not None)

            def set_timeout(value: Any) -> None:
                ok = isinstance(value, int | float) and value > 0
                changed(node_id, "timeout_s", float(value) if ok else None)

            number_field(
                FieldSpec(
                    "timeout_s",
                    "Time limit (seconds)",
                    "number",
                    minimum=0,
                    description="Empty: no limit",
                ),
                node.timeout_s,
                set_timeout,
            )

    # ---- one edge -------------------------------------------------------------------------
    def _edge(self, edge_id: str) -> None:
        model = self.actions.model
        edge = model.edge(edge_id)
        assert edge is not None
        src, dst = model.node(edge.source), model.node(edge.target)
        with ui.row().classes("items-center gap-2"):
            ui.icon("trending_flat", size="22px").classes("text-primary")
            ui.label("Connection").classes("ren-panel-title")
        ui.label(
            f"{src.label if src else edge.source} · {edge.source_port}  →  "
            f"{dst.label if dst else edge.target} · {edge.target_port}"
        ).classes("text-sm")
        self.problems_box = ui.column().classes("w-full gap-1 ren-panel-problems")
        with helping(self.actions.expression_help(edge.source, edge_id)):
            text_field(
                FieldSpec(
                    "when",
                    "Only when (optional)",
                    "condition",
                    description="Follow this connection only when the condition holds; "
                    "empty: always",
                ),
                edge.when,
                lambda v: self.actions.edge_when_changed(edge_id, v),
            )
        ui.button(
            "Delete connection", icon="delete", on_click=lambda: self.actions.delete([], [edge_id])
        ).props("flat dense no-caps color=negative")

    # ---- several --------------------------------------------------------------------------
    def _many(self, nodes: list[str], edges: list[str]) -> None:
        parts = []
        if nodes:
            parts.append(f"{len(nodes)} node{'s' if len(nodes) != 1 else ''}")
        if edges:
            parts.append(f"{len(edges)} connection{'s' if len(edges) != 1 else ''}")
        ui.label(" and ".join(parts) + " selected").classes("ren-panel-title")
        ui.label("Drag any of them to move them together.").classes("ren-hint")
        with ui.row().classes("gap-2"):
            if nodes:
                ui.button(
                    "Copy", icon="content_copy", on_click=lambda: self.actions.copy_nodes(nodes)
                ).props("flat dense no-caps")
            ui.button(
                "Delete", icon="delete", on_click=lambda: self.actions.delete(nodes, edges)
            ).props("flat dense no-caps color=negative")

    # ---- the workflow ---------------------------------------------------------------------
    def _workflow(self) -> None:
        spec = self.actions.model.spec
        changed = self.actions.workflow_field_changed
        ui.label("Workflow").classes("ren-panel-title")
        text_field(
            FieldSpec("wf_name", "Name", "text"), spec.name, lambda v: changed("name", v or "")
        )
        text_field(
            FieldSpec("wf_description", "Description", "multiline"),
            spec.description,
            lambda v: changed("description", v or ""),
        )
        ui.label("Run input").classes("ren-section")
        ui.label(
            "The fields someone fills in to start a run; nodes read them as input.<name> "
            "and params.<name>."
        ).classes("ren-hint")
        params_designer(spec.params, lambda schema: changed("params", schema))
        number_field(
            FieldSpec(
                "wf_timeout", "Run time limit (seconds)", "number", description="Empty: no limit"
            ),
            spec.timeout_s,
            lambda v: changed(
                "timeout_s", float(v) if isinstance(v, int | float) and v > 0 else None
            ),
        )
        with ui.card().props("flat bordered").classes("w-full ren-tips"):
            ui.label("How to build").classes("ren-field-title")
            for line in (
                "Drag a node from the left onto the canvas (or click it).",
                "Connect an output (right side of a node) to an input (left side).",
                "Click a node to set it up here; problems show as red badges.",
                "Publish freezes a version; Run starts it with input.",
            ):
                ui.label("• " + line).classes("ren-hint")
