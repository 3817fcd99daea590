"""Seed 001: start | end | python | condition, `data`, edges source/target with `data.when`."""

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
)


def from_seed001(doc: dict[str, Any], rep: Report) -> Draft:
    nodes, kinds = [], {}
    for where, raw, ident, kind in read_nodes(doc, rep):
        config = object_field(raw, "data", where, rep)
        label = config.pop("label", None)
        if kind == "python":
            ref = config.pop("codeRef", MISSING)
            if not isinstance(ref, str) or not ref.strip():
                rep.problem(
                    f"{where}.data.codeRef",
                    f"a python node names a registered function, got {kind_of(ref)}",
                )
            args = config.pop("args", None)
            if args is not None and not isinstance(args, dict):
                rep.problem(f"{where}.data.args", f"expected an object, got {kind_of(args)}")
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
    for j, raw in enumerate(list_field(doc, "edges", rep)):
        where = edge_at(j, raw, ends)
        if not isinstance(raw, dict):
            rep.problem(where, f"expected an object, got {kind_of(raw)}")
            continue
        source, target = (endpoint(raw, key, set(kinds), where, rep) for key in ends)
        data = object_field(raw, "data", where, rep)
        edge: dict[str, Any] = {"source": source, "target": target}
        if ident_of(raw.get("id")):
            edge["id"] = str(raw["id"])
        for handle, port in (("sourceHandle", "source_port"), ("targetHandle", "target_port")):
            if isinstance(raw.get(handle), str) and raw[handle]:  # React Flow's handles
                edge[port] = raw[handle]
        if "when" in data:
            when = data.pop("when")
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
