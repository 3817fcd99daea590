"""How the workflow's nodes and edges look on the canvas: the dicts FlowEditor draws.

Pure functions of the spec and the node catalogue: label, icon, colour, a one-line summary of
the config under the label, and typed ports (computed from the config, so a switch shows one
output per case). A node whose config does not parse still gets ports, from the type's defaults.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from app.core.diff import show
from app.core.dsl import EdgeSpec, NodeSpec, WorkflowSpec
from app.core.layout import GROUP_MIN, GROUP_PAD_BOTTOM, GROUP_PAD_X, NODE_SIZE
from app.core.ports import ERROR_PORT, Port
from app.core.problems import Problem
from app.nodes.base import IN, OUT
from app.nodes.catalog import AnyNodeType, NodeCatalog

CATEGORY_COLORS = {
    "Triggers": "#1e9e59",
    "Flow": "#8d5cd6",
    "Data": "#2f7de1",
    "Code": "#d9822b",
    "People": "#c0508a",
    "Waits": "#16a3a3",
    "HTTP": "#0e7490",
}
OTHER_COLOR = "#64748b"
CATEGORY_ORDER = (
    "Triggers",
    "Flow",
    "Data",
    "Code",
    "People",
    "Waits",
    "HTTP",
    "Files",
    "System",
    "Storage",
    "Email & notify",
)

# the config field whose value sums a node up under its label
SUMMARY_FIELDS = {
    "if": "condition",
    "switch": "value",
    "filter": "condition",
    "foreach": "items",
    "function": "function",
    "log": "message",
    "webhook": "path",
    "merge": "mode",
    "human_task": "title",
    "wait": "mode",
    "signal": "name",
    "subworkflow": "workflow",
    "command": "program",
    "http_request": "url",
    "file_trigger": "folder",
    "send_email": "subject",
    "notify": "title",
    "form_trigger": "title",
    "storage": "key",
    "date_time": "operation",
    "split_out": "field",
    "text_template": "template",
}
SUMMARY_LIMIT = 34
FALLBACKS = {
    "start": "run input",
    "end": "run output",
    "webhook": "trigger",
    "if": "needs a condition",
    "switch": "needs a value",
    "filter": "needs a condition",
    "foreach": "needs a list",
    "function": "pick a function",
    "log": "needs a message",
    "human_task": "needs a title",
    "signal": "needs a signal name",
    "subworkflow": "pick a workflow",
}


def color_of(category: str) -> str:
    return CATEGORY_COLORS.get(category, OTHER_COLOR)


def node_type(catalog: NodeCatalog, node: NodeSpec) -> AnyNodeType | None:
    return catalog.lookup(node.type, node.type_version)


def ports_of(info: AnyNodeType | None, node: NodeSpec) -> tuple[list[Port], list[Port]]:
    """The node's input and output ports; defaults when its config does not parse yet."""
    if info is None:
        return [IN], [OUT]
    try:
        config: Any = info.parse_config(node.config)
    except ValidationError:
        try:
            config = info.config_model.model_construct(**node.config)
        except Exception:  # a config too broken to even construct
            config = None
    try:
        inputs = list(info.input_ports(config))
        outputs = list(info.output_ports(config))
    except Exception:  # ports that need a valid config, e.g. a switch without cases
        inputs, outputs = [IN], [OUT]
    if node.on_error == "continue" and all(p.name != ERROR_PORT.name for p in outputs):
        outputs.append(ERROR_PORT)
    return inputs, outputs


def summary(info: AnyNodeType | None, node: NodeSpec) -> str:
    if info is None:
        return f"unknown type '{node.type}'"
    name = SUMMARY_FIELDS.get(node.type)
    value = node.config.get(name) if name else None
    field = info.config_model.model_fields.get(name) if name and value is None else None
    if field is not None and not field.is_required():
        value = field.get_default(call_default_factory=True)
    if value is None or value == "":
        title = str(info.title)
        return title if title != node.label else FALLBACKS.get(node.type, info.category)
    text = value if isinstance(value, str) else show(value, 200)
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 1] + "…"


def group_size(
    spec: WorkflowSpec, group_id: str, _outer: frozenset[str] = frozenset()
) -> tuple[float, float]:
    """A loop node's size on the canvas: big enough for the nodes inside it (a loop inside it
    counts with its own size)."""
    width, height = GROUP_MIN
    outer = _outer | {group_id}  # a (broken) loop of parents must not recurse forever
    for child in spec.nodes:
        if child.parent == group_id:
            holds = child.id not in outer and any(n.parent == child.id for n in spec.nodes)
            w, h = group_size(spec, child.id, outer) if holds else NODE_SIZE
            width = max(width, child.position.x + w + GROUP_PAD_X)
            height = max(height, child.position.y + h + GROUP_PAD_BOTTOM)
    return width, height


def node_view(
    catalog: NodeCatalog,
    node: NodeSpec,
    *,
    size: tuple[float, float] | None = None,
    problems: Sequence[str] = (),
) -> dict[str, Any]:
    info = node_type(catalog, node)
    inputs, outputs = ports_of(info, node)
    view: dict[str, Any] = {
        "id": node.id,
        "type": node.type,
        "label": node.label,
        "position": {"x": node.position.x, "y": node.position.y},
        "parent": node.parent,
        "group": bool(info is not None and info.is_loop),
        "inputs": [p.to_dict() for p in inputs],
        "outputs": [p.to_dict() for p in outputs],
        "icon": info.icon if info is not None else "help_outline",
        "color": color_of(info.category) if info is not None else OTHER_COLOR,
        "problems": list(problems),
        "subtitle": summary(info, node),
    }
    if view["group"]:
        width, height = size or GROUP_MIN
        view["width"], view["height"] = width, height
    return view


def edge_view(edge: EdgeSpec) -> dict[str, Any]:
    label = None
    if edge.when is not None:
        label = "when " + (edge.when if isinstance(edge.when, str) else show(edge.when, 40))
    return {
        "id": edge.id,
        "source": edge.source,
        "source_port": edge.source_port,
        "target": edge.target,
        "target_port": edge.target_port,
        "label": label,
    }


def graph_view(
    catalog: NodeCatalog,
    spec: WorkflowSpec,
    sizes: Mapping[str, tuple[float, float]],
    problems: Mapping[str, Sequence[str]] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    problems = problems or {}
    nodes = [
        node_view(
            catalog,
            n,
            size=sizes.get(n.id) or group_size(spec, n.id),
            problems=problems.get(n.id, ()),
        )
        for n in spec.nodes
    ]
    return nodes, [edge_view(e) for e in spec.edges]


def problem_text(problem: Problem) -> str:
    """A problem as a node badge shows it: the field (without `config.`) and the message."""
    field = (problem.field or "").removeprefix("config.")
    return f"{field}: {problem.message}" if field else problem.message


def problems_by_node(spec: WorkflowSpec, problems: Sequence[Problem]) -> dict[str, list[str]]:
    """Badges per node; an edge's problem shows on the node the edge leads to."""
    edges = {e.id: e for e in spec.edges}
    ids = {n.id for n in spec.nodes}
    found: dict[str, list[str]] = {}
    for problem in problems:
        if problem.node_id and problem.node_id in ids:
            found.setdefault(problem.node_id, []).append(problem_text(problem))
        elif problem.edge_id and problem.edge_id in edges:
            edge = edges[problem.edge_id]
            target = edge.target if edge.target in ids else edge.source
            if target in ids:
                text = f"edge from '{edge.source}': {problem.message}"
                found.setdefault(target, []).append(text)
    return found
