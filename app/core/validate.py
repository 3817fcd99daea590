"""Workflow validation: every problem at once, each tied to the node or edge it is about.

Runs on every save and before every run. Pure: it needs a node catalogue and the names of the
registered functions, nothing else.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import replace

from pydantic import BaseModel, ValidationError

from app.core.catalog import Catalog, FunctionLookup, NodeTypeInfo
from app.core.conditions import condition_problem
from app.core.cycles import cycle_through, knots
from app.core.dsl import EdgeSpec, NodeSpec, WorkflowSpec
from app.core.graph import ai_sub_nodes
from app.core.params_schema import params_problems
from app.core.ports import ERROR_PORT, Port, types_compatible
from app.core.problems import Problem, humane, node_label, readable_config_error
from app.core.validate_ai import ai_problems
from app.core.validate_scope import scope_problems


class _Checked:
    """A node whose type is known and whose config parsed."""

    def __init__(self, info: NodeTypeInfo, config: BaseModel, on_error: str) -> None:
        self.info = info
        self.config = config
        self.inputs: dict[str, Port] = {p.name: p for p in info.input_ports(config)}
        self.outputs: dict[str, Port] = {p.name: p for p in info.output_ports(config)}
        if on_error == "continue":  # a failure then leaves through its own port
            self.outputs[ERROR_PORT.name] = ERROR_PORT


def validate(spec: WorkflowSpec, catalog: Catalog, functions: FunctionLookup) -> list[Problem]:
    problems: list[Problem] = []
    checked = _check_nodes(spec, catalog, functions, problems)
    _check_parents(spec, checked, problems)
    _check_edges(spec, checked, problems)
    _check_structure(spec, checked, problems)
    problems += params_problems(spec.params)  # a valid JSON Schema, with local $refs only
    problems += scope_problems(spec)  # every name an expression reads exists where it is read
    problems += ai_problems(spec)  # sub-node edges join one kind; AI nodes' sub-node counts
    return _named(spec, problems)


def _named(spec: WorkflowSpec, problems: list[Problem]) -> list[Problem]:
    """Problems carry their node's name, so they can say "Approve [approve]", not an id, and
    their messages hold no developer markup."""
    names = {n.id: n.name for n in spec.nodes if n.name}
    return [
        replace(p, message=humane(p.message), node_name=names.get(p.node_id or ""))
        for p in problems
    ]


def _check_nodes(
    spec: WorkflowSpec, catalog: Catalog, functions: FunctionLookup, problems: list[Problem]
) -> dict[str, _Checked]:
    counts = Counter(n.id for n in spec.nodes)
    for node_id, count in counts.items():
        if count > 1:
            problems.append(Problem("duplicate_node", f"{count} nodes share this id", node_id))
    checked: dict[str, _Checked] = {}
    for node in spec.nodes:
        info = catalog.lookup(node.type, node.type_version)
        if info is None:
            known = ", ".join(sorted(catalog.known_types()))
            problems.append(
                Problem(
                    "unknown_node_type",
                    f"unknown node type '{node.type}' (version {node.type_version}); "
                    f"known types: {known}",
                    node.id,
                    field="type",
                )
            )
            continue
        try:
            config = info.parse_config(node.config)
        except ValidationError as err:
            for e in err.errors():
                path = ".".join(str(p) for p in ("config", *e["loc"]))
                message = readable_config_error(e["loc"], e["msg"])
                problems.append(Problem("bad_config", message, node.id, field=path))
            continue
        for field_path, message in info.config_problems(config, functions):
            problems.append(Problem("bad_config", message, node.id, field=f"config.{field_path}"))
        checked[node.id] = _Checked(info, config, node.on_error)
    return checked


def _check_parents(
    spec: WorkflowSpec, checked: dict[str, _Checked], problems: list[Problem]
) -> None:
    ids: set[str] = set()
    children: list[tuple[NodeSpec, str]] = []  # (a node inside a loop, its parent's id)
    for node in spec.nodes:  # one pass: every id, and the nodes inside a loop
        ids.add(node.id)
        if node.parent is not None:
            children.append((node, node.parent))
    parents = {parent_id for _, parent_id in children}  # a set: not one scan per loop
    for node, parent_id in children:
        parent = checked.get(parent_id)
        if parent_id not in ids:
            problems.append(
                Problem(
                    "bad_parent", f"parent '{parent_id}' does not exist", node.id, field="parent"
                )
            )
        elif parent is not None and not parent.info.is_loop:
            problems.append(
                Problem(
                    "bad_parent",
                    f"parent '{parent_id}' is not a loop node, so it cannot hold other nodes",
                    node.id,
                    field="parent",
                )
            )
    for node_id, known in checked.items():
        if known.info.is_loop and node_id not in parents:
            problems.append(Problem("empty_loop", "the loop has no nodes in its body", node_id))


def _check_edges(spec: WorkflowSpec, checked: dict[str, _Checked], problems: list[Problem]) -> None:
    nodes = {n.id: n for n in spec.nodes}
    for edge_id, count in Counter(e.id for e in spec.edges).items():
        if count > 1:
            problems.append(
                Problem("duplicate_edge", f"{count} edges share this id", edge_id=edge_id)
            )
    seen: set[tuple[str, str, str, str]] = set()
    for edge in spec.edges:
        missing = [end for end in (edge.source, edge.target) if end not in nodes]
        if missing:
            names = " and ".join(f"'{m}'" for m in missing)  # no such node: only its id
            problems.append(
                Problem("dangling_edge", f"edge points to missing node {names}", edge_id=edge.id)
            )
            continue
        key = (edge.source, edge.source_port, edge.target, edge.target_port)
        if key in seen:
            problems.append(
                Problem(
                    "duplicate_edge",
                    f"another edge already connects {node_label(nodes[edge.source])} "
                    f"'{edge.source_port}' to {node_label(nodes[edge.target])} "
                    f"'{edge.target_port}'",
                    edge_id=edge.id,
                )
            )
        seen.add(key)
        if edge.source == edge.target:
            problems.append(
                Problem("self_loop", "an edge cannot connect a node to itself", edge_id=edge.id)
            )
        if nodes[edge.source].parent != nodes[edge.target].parent:
            problems.append(
                Problem(
                    "cross_scope_edge",
                    "an edge cannot cross a loop's border; use the loop's output instead",
                    edge_id=edge.id,
                )
            )
        _check_ports(edge, nodes, checked, problems)
        if edge.when is not None:
            message = condition_problem(edge.when)
            if message:
                problems.append(Problem("bad_expression", message, edge_id=edge.id, field="when"))


def _check_ports(
    edge: EdgeSpec,
    nodes: Mapping[str, NodeSpec],
    checked: dict[str, _Checked],
    problems: list[Problem],
) -> None:
    edge_id, source, source_port = edge.id, edge.source, edge.source_port
    target, target_port = edge.target, edge.target_port
    src_label, dst_label = node_label(nodes[source]), node_label(nodes[target])
    src, dst = checked.get(source), checked.get(target)
    out_port = src.outputs.get(source_port) if src else None
    in_port = dst.inputs.get(target_port) if dst else None
    if src and out_port is None:
        problems.append(
            Problem(
                "unknown_port",
                f"node {src_label} has no output port '{source_port}' "
                f"(it has: {_names(src.outputs.values())})",
                edge_id=edge_id,
                field="source_port",
            )
        )
    if dst and in_port is None:
        problems.append(
            Problem(
                "unknown_port",
                f"node {dst_label} has no input port '{target_port}' "
                f"(it has: {_names(dst.inputs.values())})",
                edge_id=edge_id,
                field="target_port",
            )
        )
    if out_port and in_port and not types_compatible(out_port.type, in_port.type):
        problems.append(
            Problem(
                "type_mismatch",
                f"output '{source_port}' of {src_label} gives {out_port.type} but input "
                f"'{target_port}' of {dst_label} takes {in_port.type}",
                edge_id=edge_id,
            )
        )


def _names(ports: Iterable[Port]) -> str:
    return ", ".join(p.name for p in ports) or "none"


def _check_structure(
    spec: WorkflowSpec, checked: dict[str, _Checked], problems: list[Problem]
) -> None:
    order = list(dict.fromkeys(n.id for n in spec.nodes))
    successors: dict[str, list[str]] = {node_id: [] for node_id in order}
    has_input: set[str] = set()
    for edge in spec.edges:
        if edge.source in successors and edge.target in successors:
            successors[edge.source].append(edge.target)
            has_input.add(edge.target)

    for knot in knots(order, successors):  # one cycle per knot, so a big knot is one problem
        cycle = cycle_through(knot, successors)
        named = {n.id: n for n in spec.nodes if n.id in knot}  # only when there is a cycle
        path = " -> ".join(node_label(named[n]) for n in [*cycle, cycle[0]])
        problems.append(
            Problem(
                "cycle",
                f"cycle {path}; repeat work with a foreach loop instead of an edge back",
                cycle[0],
            )
        )

    top_level = [n for n in spec.nodes if n.parent is None]
    triggers = [n.id for n in top_level if n.id in checked and checked[n.id].info.is_trigger]
    if not triggers:
        problems.append(Problem("no_start", "the workflow has no start node (add a Start node)"))
    else:
        reachable = _reachable(successors, triggers)
        sub_nodes = ai_sub_nodes(spec)  # attached to an AI node, never run on their own
        for node in top_level:
            if node.id not in reachable and node.id not in sub_nodes:
                problems.append(
                    Problem("unreachable", "no path leads here from a start node", node.id)
                )
    # a trigger with nothing after it, beside one that starts something, would start runs
    # that do nothing (with no trigger connected, the other nodes are already unreachable)
    idle = [t for t in triggers if not successors.get(t)]
    some_connected = len(idle) < len(triggers)
    for trigger in triggers:
        if trigger in has_input:
            problems.append(
                Problem("trigger_input", "a start node cannot have incoming edges", trigger)
            )
        if some_connected and trigger in idle:
            problems.append(
                Problem("unconnected_trigger", "nothing is connected after this trigger", trigger)
            )

    connected = {(e.source, e.source_port) for e in spec.edges}
    for node_id, known in checked.items():
        for port in known.info.branch_ports(known.config):
            if (node_id, port) not in connected:
                problems.append(
                    Problem(
                        "unconnected_outcome",
                        f"outcome '{port}' is not connected to any node",
                        node_id,
                        field=f"outputs.{port}",
                    )
                )


def _reachable(successors: dict[str, list[str]], sources: list[str]) -> set[str]:
    """Every node a path leads to from any of `sources`: one walk, however many sources."""
    seen = set(sources)
    todo = list(sources)
    while todo:
        for successor in successors[todo.pop()]:
            if successor not in seen:
                seen.add(successor)
                todo.append(successor)
    return seen
