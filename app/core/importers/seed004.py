"""Seed 004: nodes with `config`, edges from/to with `condition`."""

from __future__ import annotations

from typing import Any

from app.core.importers.reading import (
    Draft,
    Report,
    branch_port,
    make_node,
    note_unknown,
    object_field,
    pop_function,
    read_edges,
    read_nodes,
    short,
    switch_config,
)


def from_seed004(doc: dict[str, Any], rep: Report) -> Draft:
    nodes, kinds = [], {}
    for where, raw, ident, kind in read_nodes(doc, rep):
        config = object_field(raw, "config", where, rep)
        kind_out = kind
        if kind == "action":
            action, args = pop_function(
                config, "action_name", f"{where}.config", "an action node", rep
            )
            config = {"function": action, "args": {**(args or {}), **config}}
            kind_out = "function"
        elif kind == "switch":
            config = switch_config(config, f"{where}.config", rep)
        nodes.append(
            make_node(raw, ident, kind_out, config, raw.get("name"), where, {"config"}, rep)
        )
        kinds[ident] = kind
    edges = []
    for where, raw, edge in read_edges(doc, ("from", "to"), set(kinds), rep):
        source = edge["source"]
        condition = raw.get("condition")
        source_kind = kinds.get(source or "")
        if source_kind == "if" and condition is not None:
            edge["source_port"] = branch_port(condition)
            if edge["source_port"] is None:
                rep.problem(
                    f"{where}.condition",
                    f'an edge leaving if node \'{source}\' takes "true" or "false", '
                    f"not {short(condition)}",
                )
        elif source_kind == "switch":  # seed 004 takes an unconditioned edge as the fallback
            edge["source_port"] = "default" if condition is None else str(condition)
        elif condition is not None:
            edge["when"] = condition
        note_unknown(raw, {"id", "from", "to", "condition"}, where, rep)
        edges.append(edge)
    return nodes, edges
