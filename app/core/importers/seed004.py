"""Seed 004: nodes with `config`, edges from/to with `condition`."""

from __future__ import annotations

from typing import Any

from app.core.importers.reading import (
    MISSING,
    Draft,
    Report,
    branch_port,
    edge_at,
    endpoint,
    ident_of,
    kind_of,
    list_field,
    make_node,
    note_unknown,
    object_field,
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
            action = config.pop("action_name", MISSING)
            if not isinstance(action, str) or not action.strip():
                rep.problem(
                    f"{where}.config.action_name",
                    f"an action node names a registered function, got {kind_of(action)}",
                )
            args = config.pop("args", None)
            if args is not None and not isinstance(args, dict):
                rep.problem(f"{where}.config.args", f"expected an object, got {kind_of(args)}")
            config = {"function": action, "args": {**(args or {}), **config}}
            kind_out = "function"
        elif kind == "switch":
            config = switch_config(config, f"{where}.config", rep)
        nodes.append(
            make_node(raw, ident, kind_out, config, raw.get("name"), where, {"config"}, rep)
        )
        kinds[ident] = kind
    edges = []
    for j, raw in enumerate(list_field(doc, "edges", rep)):
        where = edge_at(j, raw, ("from", "to"))
        if not isinstance(raw, dict):
            rep.problem(where, f"expected an object, got {kind_of(raw)}")
            continue
        source, target = (endpoint(raw, key, set(kinds), where, rep) for key in ("from", "to"))
        edge: dict[str, Any] = {"source": source, "target": target}
        if ident_of(raw.get("id")):
            edge["id"] = str(raw["id"])
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
