"""Seed 001: start | end | python | condition, `data`, edges source/target with `data.when`."""

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
)


def from_seed001(doc: dict[str, Any], rep: Report) -> Draft:
    nodes, kinds = [], {}
    for where, raw, ident, kind in read_nodes(doc, rep):
        config = object_field(raw, "data", where, rep)
        label = config.pop("label", None)
        if kind == "python":
            ref, args = pop_function(config, "codeRef", f"{where}.data", "a python node", rep)
            config = {"function": ref, "args": args or {}, **config}
            kind_out = "function"
        elif kind == "condition":
            if "expr" not in config:
                rep.problem(f"{where}.data.expr", "a condition node needs a JSON Logic rule")
            config = {"condition": config.pop("expr", None), **config}
            kind_out = "if"
        else:
            kind_out = kind
        name = raw.get("name") if raw.get("name") is not None else label
        if label is not None and label != name:
            rep.note(f"{where}.data.label", f"{short(label)} (the node's name is {short(name)})")
        nodes.append(make_node(raw, ident, kind_out, config, name, where, {"data"}, rep))
        kinds[ident] = kind
    edges = []
    ends = ("source", "target")
    for where, raw, edge in read_edges(doc, ends, set(kinds), rep):
        data = object_field(raw, "data", where, rep)
        for handle, port in (("sourceHandle", "source_port"), ("targetHandle", "target_port")):
            if isinstance(raw.get(handle), str) and raw[handle]:  # React Flow's handles
                edge[port] = raw[handle]
        if "when" in data:
            when = data.pop("when")
            source = edge["source"]
            if source is not None and kinds[source] == "condition":
                branch = branch_port(when)
                if branch is None:
                    rep.problem(
                        f"{where}.data.when",
                        f"an edge leaving condition node '{source}' is taken when the rule "
                        f"gives true or false, not {short(when)}",
                    )
                edge["source_port"] = branch
            elif when is not None:
                edge["when"] = when
        note_unknown(data, set(), f"{where}.data", rep)
        note_unknown(raw, {"id", "data", "sourceHandle", "targetHandle", *ends}, where, rep)
        edges.append(edge)
    return nodes, edges
