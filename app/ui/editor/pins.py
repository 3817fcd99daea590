"""Pinning a node's output from the editor: typed JSON (with the port it fires) or a run's.

A pin is saved per workflow; test runs use it instead of running the node (e.g. a sample
answer to a Human task, so the rest can be tried without waiting for a person). Real runs
never use pins.
"""

from __future__ import annotations

import json
from typing import Any

from nicegui import ui

from app.core.dsl import NodeSpec
from app.ui.editor.samples import schema_rows
from app.ui.editor.views import node_type, ports_of
from app.ui.editor.workbench import Workbench

EMPTY = {"string": "", "integer": 0, "number": 0, "boolean": True, "list": [], "object": {}}


def example_output(schema: dict[str, Any] | None) -> Any:
    """A value shaped like `schema` to start a typed pin from (first choice of an enum)."""
    if not schema or schema.get("type") != "object":
        return {}
    value: dict[str, Any] = {}
    for name, prop in (schema.get("properties") or {}).items():
        prop = prop if isinstance(prop, dict) else {}
        if prop.get("enum"):
            value[name] = prop["enum"][0]
        elif prop.get("type") == "object":
            value[name] = example_output(prop)
        else:
            rows = schema_rows({"properties": {name: prop}})
            value[name] = EMPTY.get(rows[0].type if rows else "")
    return value


def output_ports(workbench: Workbench, node: NodeSpec) -> list[str]:
    info = node_type(workbench.catalog, node)
    return [p.name for p in ports_of(info, node)[1]] or ["out"]


def read_pin(text: str) -> tuple[Any, str | None]:
    try:
        return json.loads(text), None
    except json.JSONDecodeError as err:
        return None, f"not valid JSON: {err.msg} (line {err.lineno})"


class PinDialog:
    """Type (or edit) the output to pin and the port it fires."""

    def __init__(self, workbench: Workbench, node: NodeSpec) -> None:
        self.workbench = workbench
        self.node = node
        ports = output_ports(workbench, node)
        pin = workbench.pins.get(node.id)
        step = workbench.step(node.id)
        if pin is not None:
            start, port = pin.output, pin.port
        elif step is not None and step.status == "succeeded":
            start, port = step.output, (list(step.ports) or ports)[0]
        else:
            start, port = example_output(workbench.output_schema(node.id)), ports[0]
            if isinstance(start, dict) and start.get("outcome") in ports:
                port = str(start["outcome"])  # a human task: the outcome is the port
        self.dialog = ui.dialog()
        with self.dialog, ui.card().classes("ren-dialog ren-pin-dialog"):
            ui.label(f"Pin the output of “{node.label}”").classes("ren-dialog-title")
            ui.label(
                "Test runs use this output instead of running the node; real runs never do."
            ).classes("ren-hint")
            self.box = (
                ui.textarea("Output (JSON)", value=json.dumps(start, indent=2, ensure_ascii=False))
                .props("outlined dense stack-label autogrow")
                .classes("w-full ren-mono")
                .mark("pin-output")
            )
            self.port = ui.select(ports, value=port if port in ports else ports[0])
            self.port.props("dense outlined stack-label options-dense label='Fires the output'")
            self.port.classes("w-full").mark("pin-port")
            self.port.set_visibility(len(ports) > 1)
            self.message = ui.label("").classes("text-negative text-sm")
            with ui.row().classes("w-full justify-end gap-2"):
                ui.button("Cancel", on_click=self.dialog.close).props("flat no-caps")
                ui.button("Pin", icon="push_pin", on_click=self.save).props(
                    "unelevated no-caps color=primary"
                ).mark("pin-save").props["data-testid"] = "pin-save"
        self.dialog.open()

    async def save(self) -> None:
        value, error = read_pin(str(self.box.value or ""))
        if error:
            self.message.set_text(error)
            return
        await self.workbench.pin(self.node.id, value, str(self.port.value), "typed")
        self.dialog.close()
        ui.notify(f"Pinned the output of {self.node.label}", type="positive", position="top")
