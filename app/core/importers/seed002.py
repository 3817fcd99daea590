"""Seed 002: TYPE + subtype, `parameters`, a connections map keyed by node name."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from app.core.importers.reading import (
    MISSING,
    Draft,
    Report,
    case_ports,
    kind_of,
    make_node,
    note_unknown,
    object_field,
    read_nodes,
    short,
    switch_config,
)

_SEED002_TYPES: dict[str, dict[str, str]] = {
    "TRIGGER_NODE": {"MANUAL": "start", "WEBHOOK": "webhook", "CRON": "start"},
    "FLOW_NODE": {
        "IF": "if",
        "SWITCH": "switch",
        "MERGE": "merge",
        "FILTER": "filter",
        "LOOP": "foreach",
        "WAIT": "wait",
    },
    "ACTION_NODE": {"RUN_CODE": "function"},
}


def from_seed002(doc: dict[str, Any], rep: Report) -> Draft:
    nodes = []
    by_name: dict[str, list[str]] = defaultdict(list)
    for where, raw, ident, kind in read_nodes(doc, rep):
        subtype = raw.get("subtype")
        if subtype is not None and not isinstance(subtype, str):
            rep.problem(f"{where}.subtype", f"expected a string, got {kind_of(subtype)}")
            subtype = None
        config = object_field(raw, "parameters", where, rep)
        kind_out = _SEED002_TYPES.get(kind, {}).get(subtype or "")
        kind_out = kind_out or (f"{kind}.{subtype}" if subtype else kind)
        if kind_out == "start":  # a start node has no settings
            for key, value in config.items():
                hint = "; add a schedule for it" if subtype == "CRON" else ""
                rep.note(
                    f"{where}.parameters.{key}",
                    f"{short(value)} (a {subtype} trigger becomes a start node, "
                    f"which has no settings{hint})",
                )
            config = {}
        elif kind_out == "function" and not {"function", "code_ref"} & config.keys():
            kind_out = "code"  # inline code: a Code node (untrusted until a person reviews it)
            config = {"code": config.pop("code", ""), "args": config.pop("args", {}), **config}
        elif kind_out == "function":
            ref, code_ref = config.pop("function", None), config.pop("code_ref", None)
            if ref is not None and code_ref is not None and ref != code_ref:
                rep.problem(f"{where}.parameters.code_ref", f"differs from 'function' ({ref!r})")
            ref = ref if ref is not None else code_ref
            if not isinstance(ref, str) or not ref.strip():
                rep.problem(
                    f"{where}.parameters.function",
                    "RUN_CODE needs 'function' (or 'code_ref') naming a registered function, "
                    "or 'code' holding Python",
                )
            config = {"function": ref, "args": config.pop("args", {}), **config}
        elif kind_out == "switch":
            config = switch_config(config, f"{where}.parameters", rep)
        node = make_node(
            raw, ident, kind_out, config, raw.get("name"), where, {"subtype", "parameters"}, rep
        )
        nodes.append(node)
        if isinstance(raw.get("name"), str):
            by_name[raw["name"]].append(ident)
    ids = {n["id"] for n in nodes}
    specs = {n["id"]: n for n in nodes}

    def resolve(name: Any, where: str) -> str | None:
        found = by_name.get(name, []) if isinstance(name, str) else []
        if len(found) == 1:
            return found[0]
        if found:
            rep.problem(where, f"{len(found)} nodes are named '{name}' ({', '.join(found)})")
        elif isinstance(name, str) and name in ids:
            return name  # a node id where a name was expected: unambiguous, accept it
        else:
            rep.problem(where, f"no node is named {short(name)}")
        return None

    edges: list[dict[str, Any]] = []
    table, at = doc.get("connections"), "connections"
    if isinstance(table, dict) and isinstance(table.get("connections"), dict):
        note_unknown(table, {"connections"}, at, rep)
        table, at = table["connections"], "connections.connections"
    if not isinstance(table, dict):
        if table is not None:
            rep.problem(at, f"expected an object keyed by node name, got {kind_of(table)}")
        return nodes, edges
    for src_name, entry in table.items():
        where = f"{at}['{src_name}']"
        source = resolve(src_name, where)
        types = entry.get("connection_types", MISSING) if isinstance(entry, dict) else entry
        if not isinstance(types, dict):
            rep.problem(f"{where}.connection_types", f"expected an object, got {kind_of(types)}")
            continue
        for type_key, group in types.items():
            gw = f"{where}.connection_types.{type_key}.connections"
            items = group.get("connections", MISSING) if isinstance(group, dict) else group
            if not isinstance(items, list):
                rep.problem(gw, f"expected a list, got {kind_of(items)}")
                continue
            for k, conn in enumerate(items):
                cw = f"{gw}[{k}]"
                if not isinstance(conn, dict):
                    rep.problem(cw, f"expected an object, got {kind_of(conn)}")
                    continue
                target = resolve(conn.get("node"), f"{cw}.node")
                kind = str(conn.get("type") or type_key).upper()
                index = conn.get("index", 0)
                if not isinstance(index, int) or isinstance(index, bool) or index < 0:
                    rep.problem(f"{cw}.index", f"expected a whole number, got {short(index)}")
                    continue
                port = _AI_PORTS.get(kind)
                if port is not None:
                    if source is not None and target is not None:
                        edges.append(_ai_edge(specs[source], specs[target], port))
                elif kind != "MAIN":
                    rep.note(
                        cw,
                        f"{kind} connection '{src_name}' -> {short(conn.get('node'))} "
                        "(Ren edges carry the main flow only)",
                    )
                    if source is not None and target is not None:
                        rep.links.append((source, target))
                elif source is not None and target is not None:
                    edge = {"source": source, "target": target}
                    port = _seed002_port(specs[source], index, f"{cw}.index", rep)
                    edges.append(edge if port is None else {**edge, "source_port": port})
    return nodes, edges


# Seed 002's AI connection types and the Ren port kinds they become (app.nodes.ai_ports).
# AI_AGENT, AI_CHAIN and AI_RERANKER have no Ren kind: they stay notes.
_AI_PORTS: dict[str, str] = {
    "AI_LANGUAGE_MODEL": "ai_language_model",
    "AI_TOOL": "ai_tool",
    "AI_MEMORY": "ai_memory",
    "AI_OUTPUT_PARSER": "ai_output_parser",
    "AI_RETRIEVER": "ai_retriever",
    "AI_EMBEDDING": "ai_embedding",
    "AI_TEXT_SPLITTER": "ai_text_splitter",
    "AI_VECTOR_STORE": "ai_vector_store",
    "AI_DOCUMENT": "ai_document",
}
# Node types that take sub-nodes: an AI connection written from one of these to another node
# (seed 002's own example: agent -> tool) is turned round, the sub-node being the source.
_AI_TAKERS = ("AI_AGENT_NODE", "ai_agent", "llm", "retriever", "vector_store")


def _ai_edge(source: dict[str, Any], target: dict[str, Any], port: str) -> dict[str, Any]:
    """The sub-node edge (sub-node -> AI node on `port`) of one seed 002 AI connection."""
    if _takes_sub_nodes(source) and not _takes_sub_nodes(target):
        source, target = target, source
    return {
        "source": source["id"],
        "source_port": port,
        "target": target["id"],
        "target_port": port,
    }


def _takes_sub_nodes(node: dict[str, Any]) -> bool:
    kind = str(node["type"])
    return kind in _AI_TAKERS or kind.split(".")[0] in _AI_TAKERS


def _seed002_port(node: dict[str, Any], index: int, where: str, rep: Report) -> str | None:
    """A branch node's outcome from the connection's `index` (n8n's order); else None."""
    if node["type"] == "if":
        ports = ["true", "false"]
    elif node["type"] == "switch":
        ports = [*case_ports(node["config"]), "default"]
    else:
        return None  # an input index: Ren's `in` port takes any number of edges
    if index < len(ports):
        return ports[index]
    rep.problem(where, f"'{node['id']}' has outcomes {', '.join(ports)}; no outcome {index}")
    return None
