"""Importers: the seed documents' workflow formats read into a Ren `WorkflowSpec`.

Four formats are understood (see `detect_format`):
- `ren`: the native `ren.workflow/1` document, parsed as it is;
- `seed001`: `start|end|python|condition` nodes with `data` (`codeRef`/`args`, JSON Logic
  `expr`), edges `source`/`target` with an optional `data.when`;
- `seed004`: nodes with `config` (`webhook`, `if`, `switch`, `action`), edges `from`/`to` with an
  optional `condition`;
- `seed002`: `TRIGGER_NODE`/`FLOW_NODE`/`ACTION_NODE`/… nodes with a `subtype` and `parameters`,
  linked by a `connections` map keyed by node *name*.

A seed document is converted to a native one, then checked by `parse_workflow`. What makes a
document unreadable (a node without an id, an edge to a missing node, a python node without a
function) raises `WorkflowFormatError`, each problem naming the node or edge and the field.
What has no place in Ren (a non-main connection, an unknown key) is not dropped silently: it is
listed in `ImportResult.notes` and at the end of the workflow's description. Node types with
no Ren equivalent are kept (e.g. `AI_AGENT_NODE.ROUTER_AGENT`) so validation names them.
Ids that are not valid Ren ids are rewritten deterministically, and nodes without a position are
laid out left to right by depth.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.dsl import (
    NODE_ID_PATTERN,
    SCHEMA,
    WorkflowFormatError,
    WorkflowSpec,
    parse_workflow,
    read_json_file,
)
from app.core.layout import X_STEP, Y_STEP, place_unpositioned

__all__ = [
    "FORMATS",
    "X_STEP",
    "Y_STEP",
    "ImportResult",
    "convert_workflow",
    "detect_format",
    "import_workflow",
    "load_workflow_file",
]

FORMATS = ("ren", "seed001", "seed004", "seed002")
_LABELS = {"ren": SCHEMA, "seed001": "seed 001", "seed004": "seed 004", "seed002": "seed 002"}
_ID = re.compile(NODE_ID_PATTERN.removeprefix("^").removesuffix("$"))
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


@dataclass(frozen=True)
class ImportResult:
    spec: WorkflowSpec
    format: str
    notes: tuple[str, ...] = ()  # what was not carried over, each naming its node/edge and field


def detect_format(doc: Any, source: str = "workflow") -> str:
    """The document's format, one of FORMATS; WorkflowFormatError when none fits."""
    if not isinstance(doc, dict):
        raise WorkflowFormatError(
            source, [f"not a workflow: expected {_EXPECTED}, got {_kind(doc)}"]
        )
    if "schema" in doc:
        if doc["schema"] == SCHEMA:
            return "ren"
        raise WorkflowFormatError(
            source, [f"schema: unsupported schema {_short(doc['schema'])}; Ren reads '{SCHEMA}'"]
        )
    nodes = doc.get("nodes")
    if not isinstance(nodes, list):
        found = ", ".join(f"'{k}'" for k in doc) or "none"
        got = f"'nodes' is {_kind(nodes)}" if "nodes" in doc else f"found keys: {found}"
        raise WorkflowFormatError(source, [f"not a workflow: expected {_EXPECTED}; {got}"])
    signals = _signals(doc)
    if len(signals) > 1:
        seen = " and ".join(f"{_LABELS[f]} ({where})" for f, where in signals.items())
        raise WorkflowFormatError(source, [f"mixed formats: looks like {seen}"])
    if signals:
        return next(iter(signals))
    if isinstance(doc.get("edges"), list):
        return "ren"
    got = f"'edges' is {_kind(doc['edges'])}" if "edges" in doc else "found no 'edges'"
    raise WorkflowFormatError(source, [f"not a workflow: expected {_EXPECTED}; {got}"])


def import_workflow(doc: Any, source: str = "workflow") -> WorkflowSpec:
    """Read a workflow in any known format; WorkflowFormatError names every problem."""
    return convert_workflow(doc, source).spec


def convert_workflow(doc: Any, source: str = "workflow") -> ImportResult:
    """Like `import_workflow`, also telling the format and what was not carried over."""
    fmt = detect_format(doc, source)
    if fmt == "ren":
        return ImportResult(parse_workflow(doc, source), fmt)
    rep = _Report()
    nodes, edges = _CONVERTERS[fmt](doc, rep)
    top = _top_level(doc, rep, {"nodes", "connections" if fmt == "seed002" else "edges"})
    if rep.problems:
        raise WorkflowFormatError(source, rep.problems)
    mapping = _normalize_ids(nodes)
    for edge in edges:
        edge["source"] = mapping.get(edge["source"], edge["source"])
        edge["target"] = mapping.get(edge["target"], edge["target"])
    links = [(e["source"], e["target"]) for e in edges] + _renamed(rep.links, mapping)
    place_unpositioned(nodes, links)
    if rep.notes:
        lines = "\n".join(f"- {note}" for note in rep.notes)
        intro = f"Imported from a {_LABELS[fmt]} document; not carried over:\n"
        top["description"] = "\n\n".join(filter(None, [top.get("description", ""), intro + lines]))
    spec = parse_workflow({"schema": SCHEMA, **top, "nodes": nodes, "edges": edges}, source)
    return ImportResult(spec, fmt, tuple(rep.notes))


def load_workflow_file(path: Path) -> WorkflowSpec:
    """Read a workflow file in any known format; errors name the file."""
    return import_workflow(read_json_file(path), source=str(path))


# ---------------------------------------------------------------------------------------------
# Detection

_EXPECTED = (
    "a JSON object with 'nodes' and 'edges' (Ren, seed 001, seed 004) "
    "or 'nodes' and 'connections' (seed 002)"
)


def _signals(doc: dict[str, Any]) -> dict[str, str]:
    """Each seed format whose marks the document bears, with the first place it bears one."""
    found: dict[str, str] = {}
    if "connections" in doc:
        found["seed002"] = "connections"
    for i, node in enumerate(doc["nodes"]):
        if not isinstance(node, dict):
            continue
        kind, config = node.get("type"), node.get("config")
        for key in ("subtype", "parameters"):
            if key in node:
                found.setdefault("seed002", f"nodes[{i}].{key}")
        if isinstance(kind, str) and kind.endswith("_NODE"):
            found.setdefault("seed002", f"nodes[{i}].type")
        if "data" in node:
            found.setdefault("seed001", f"nodes[{i}].data")
        if kind in ("python", "condition"):
            found.setdefault("seed001", f"nodes[{i}].type")
        marks = {"action": "action_name", "switch": "variable"}
        if isinstance(config, dict) and isinstance(kind, str) and marks.get(kind) in config:
            found.setdefault("seed004", f"nodes[{i}].config.{marks[kind]}")
    edges = doc.get("edges")
    for j, edge in enumerate(edges if isinstance(edges, list) else []):
        if not isinstance(edge, dict):
            continue
        for key in ("from", "to", "condition"):
            if key in edge:
                found.setdefault("seed004", f"edges[{j}].{key}")
        if "data" in edge:
            found.setdefault("seed001", f"edges[{j}].data")
    return found


# ---------------------------------------------------------------------------------------------
# Shared reading helpers


class _Report:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.links: list[tuple[str, str]] = []  # not edges, but placed like them by the layout

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def note(self, where: str, message: str) -> None:
        self.notes.append(f"{where}: {message}")


Draft = tuple[list[dict[str, Any]], list[dict[str, Any]]]


class _Missing:
    """What `dict.get` gives for an absent key here, so messages tell absent from null."""


_MISSING: Any = _Missing()


def _kind(value: Any) -> str:
    if value is _MISSING:
        return "nothing"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    return (
        "a string" if isinstance(value, str) else "null" if value is None else type(value).__name__
    )


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _ident(value: Any) -> str | None:
    """A node or edge reference: a non-empty string, or a whole number."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def _node_at(i: int, raw: Any) -> str:
    ident = _ident(raw.get("id")) if isinstance(raw, dict) else None
    return f"nodes[{i}] (id '{ident}')" if ident else f"nodes[{i}]"


def _edge_at(j: int, raw: Any, ends: tuple[str, str]) -> str:
    if not isinstance(raw, dict):
        return f"edges[{j}]"
    if _ident(raw.get("id")):
        return f"edges[{j}] (id '{raw['id']}')"
    a, b = _ident(raw.get(ends[0])), _ident(raw.get(ends[1]))
    return f"edges[{j}] ('{a}' -> '{b}')" if a and b else f"edges[{j}]"


def _mapping(raw: dict[str, Any], key: str, where: str, rep: _Report) -> dict[str, Any]:
    value = raw.get(key)
    if value is None:
        return {}
    if isinstance(value, dict):
        return dict(value)
    rep.problem(f"{where}.{key}", f"expected an object, got {_kind(value)}")
    return {}


def _items(doc: dict[str, Any], key: str, rep: _Report) -> list[Any]:
    value = doc.get(key)
    if value is None and key != "nodes":
        return []
    if isinstance(value, list):
        return value
    rep.problem(key, f"expected a list, got {_kind(value)}")
    return []


def _read_nodes(doc: dict[str, Any], rep: _Report) -> list[tuple[str, dict[str, Any], str, str]]:
    """(where, raw node, id, type) of each node whose id and type are usable."""
    seen: dict[str, int] = {}
    usable = []
    for i, raw in enumerate(_items(doc, "nodes", rep)):
        where = _node_at(i, raw)
        if not isinstance(raw, dict):
            rep.problem(where, f"expected an object, got {_kind(raw)}")
            continue
        ident, kind = _ident(raw.get("id")), raw.get("type", _MISSING)
        if ident is None:
            rep.problem(f"{where}.id", f"expected a node id, got {_kind(raw.get('id', _MISSING))}")
        elif ident in seen:
            rep.problem(f"{where}.id", f"nodes[{seen[ident]}] has the same id")
        if not isinstance(kind, str) or not kind.strip():
            rep.problem(f"{where}.type", f"expected a node type, got {_kind(kind)}")
        if ident is not None and ident not in seen and isinstance(kind, str) and kind.strip():
            usable.append((where, raw, ident, kind.strip()))
        if ident is not None:
            seen.setdefault(ident, i)
    return usable


def _node(
    raw: dict[str, Any],
    ident: str,
    kind: str,
    config: dict[str, Any],
    name: Any,
    where: str,
    known: set[str],
    rep: _Report,
) -> dict[str, Any]:
    node: dict[str, Any] = {"id": ident, "type": kind, "config": config}
    if isinstance(name, str) and name:
        node["name"] = name
    elif name not in (None, ""):
        rep.problem(f"{where}.name", f"expected a string, got {_kind(name)}")
    position = raw.get("position")
    x, y = (position.get("x"), position.get("y")) if isinstance(position, dict) else (None, None)
    if isinstance(position, list) and len(position) == 2:
        x, y = position  # n8n style [x, y]
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in (x, y)):
        node["position"] = {"x": x, "y": y}
    elif position is not None:
        rep.note(f"{where}.position", f"{_short(position)} is not an {{x, y}} point; laid out anew")
    _note_unknown(raw, {"id", "type", "name", "position", *known}, where, rep)
    return node


def _note_unknown(raw: dict[str, Any], known: set[str], where: str, rep: _Report) -> None:
    for key, value in raw.items():
        if key not in known:
            rep.note(f"{where}.{key}" if where else key, f"{_short(value)} (Ren has no such field)")


def _endpoint(raw: dict[str, Any], key: str, ids: set[str], where: str, rep: _Report) -> str | None:
    ref = _ident(raw.get(key))
    if ref is None:
        rep.problem(f"{where}.{key}", f"expected a node id, got {_kind(raw.get(key, _MISSING))}")
    elif ref not in ids:
        rep.problem(f"{where}.{key}", f"no node has the id '{ref}'")
    else:
        return ref
    return None


def _branch(value: Any) -> str | None:
    """'true'/'false' for a boolean or the strings "true"/"false"; else None."""
    if isinstance(value, bool):
        return "true" if value else "false"
    word = value.strip().lower() if isinstance(value, str) else None
    return word if word in ("true", "false") else None


def _switch_config(config: dict[str, Any], where: str, rep: _Report) -> dict[str, Any]:
    """The seeds' switch (`variable`, plain `cases`) as Ren's (`value`, [{value, port}])."""
    if "variable" in config:
        if "value" in config:
            rep.problem(f"{where}.variable", "a switch has either 'variable' or 'value', not both")
        config["value"] = config.pop("variable")
    if isinstance(config.get("cases"), list):
        config["cases"] = [c if isinstance(c, dict) else {"value": c} for c in config["cases"]]
    return config


def _case_ports(config: dict[str, Any]) -> list[str]:
    cases = config.get("cases")
    ports = []
    for case in cases if isinstance(cases, list) else []:
        port = case.get("port") if isinstance(case, dict) else None
        ports.append(port or str(case.get("value") if isinstance(case, dict) else case))
    return ports


def _top_level(doc: dict[str, Any], rep: _Report, structural: set[str]) -> dict[str, Any]:
    top: dict[str, Any] = {}
    for key in ("id", "name", "description"):
        value = doc.get(key)
        if value is None:
            continue
        text = _ident(value) if key == "id" else value if isinstance(value, str) else None
        if text is None:
            rep.problem(key, f"expected a string, got {_kind(value)}")
        else:
            top[key] = text
    _note_unknown(doc, {"id", "name", "description", *structural}, "", rep)
    return top


# ---------------------------------------------------------------------------------------------
# Seed 001: start | end | python | condition, `data`, edges source/target with `data.when`


def _from_seed001(doc: dict[str, Any], rep: _Report) -> Draft:
    nodes, kinds = [], {}
    for where, raw, ident, kind in _read_nodes(doc, rep):
        config = _mapping(raw, "data", where, rep)
        label = config.pop("label", None)
        if kind == "python":
            ref = config.pop("codeRef", _MISSING)
            if not isinstance(ref, str) or not ref.strip():
                rep.problem(
                    f"{where}.data.codeRef",
                    f"a python node names a registered function, got {_kind(ref)}",
                )
            args = config.pop("args", None)
            if args is not None and not isinstance(args, dict):
                rep.problem(f"{where}.data.args", f"expected an object, got {_kind(args)}")
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
            rep.note(f"{where}.data.label", f"{_short(label)} (the node's name is {_short(name)})")
        nodes.append(_node(raw, ident, kind_out, config, name, where, {"data"}, rep))
        kinds[ident] = kind
    edges = []
    ends = ("source", "target")
    for j, raw in enumerate(_items(doc, "edges", rep)):
        where = _edge_at(j, raw, ends)
        if not isinstance(raw, dict):
            rep.problem(where, f"expected an object, got {_kind(raw)}")
            continue
        source, target = (_endpoint(raw, key, set(kinds), where, rep) for key in ends)
        data = _mapping(raw, "data", where, rep)
        edge: dict[str, Any] = {"source": source, "target": target}
        if _ident(raw.get("id")):
            edge["id"] = str(raw["id"])
        for handle, port in (("sourceHandle", "source_port"), ("targetHandle", "target_port")):
            if isinstance(raw.get(handle), str) and raw[handle]:  # React Flow's handles
                edge[port] = raw[handle]
        if "when" in data:
            when = data.pop("when")
            if source is not None and kinds[source] == "condition":
                branch = _branch(when)
                if branch is None:
                    rep.problem(
                        f"{where}.data.when",
                        f"an edge leaving condition node '{source}' is taken when the rule "
                        f"gives true or false, not {_short(when)}",
                    )
                edge["source_port"] = branch
            elif when is not None:
                edge["when"] = when
        _note_unknown(data, set(), f"{where}.data", rep)
        _note_unknown(raw, {"id", "data", "sourceHandle", "targetHandle", *ends}, where, rep)
        edges.append(edge)
    return nodes, edges


# ---------------------------------------------------------------------------------------------
# Seed 004: nodes with `config`, edges from/to with `condition`


def _from_seed004(doc: dict[str, Any], rep: _Report) -> Draft:
    nodes, kinds = [], {}
    for where, raw, ident, kind in _read_nodes(doc, rep):
        config = _mapping(raw, "config", where, rep)
        kind_out = kind
        if kind == "action":
            action = config.pop("action_name", _MISSING)
            if not isinstance(action, str) or not action.strip():
                rep.problem(
                    f"{where}.config.action_name",
                    f"an action node names a registered function, got {_kind(action)}",
                )
            args = config.pop("args", None)
            if args is not None and not isinstance(args, dict):
                rep.problem(f"{where}.config.args", f"expected an object, got {_kind(args)}")
            config = {"function": action, "args": {**(args or {}), **config}}
            kind_out = "function"
        elif kind == "switch":
            config = _switch_config(config, f"{where}.config", rep)
        nodes.append(_node(raw, ident, kind_out, config, raw.get("name"), where, {"config"}, rep))
        kinds[ident] = kind
    edges = []
    for j, raw in enumerate(_items(doc, "edges", rep)):
        where = _edge_at(j, raw, ("from", "to"))
        if not isinstance(raw, dict):
            rep.problem(where, f"expected an object, got {_kind(raw)}")
            continue
        source, target = (_endpoint(raw, key, set(kinds), where, rep) for key in ("from", "to"))
        edge: dict[str, Any] = {"source": source, "target": target}
        if _ident(raw.get("id")):
            edge["id"] = str(raw["id"])
        condition = raw.get("condition")
        source_kind = kinds.get(source or "")
        if source_kind == "if" and condition is not None:
            edge["source_port"] = _branch(condition)
            if edge["source_port"] is None:
                rep.problem(
                    f"{where}.condition",
                    f'an edge leaving if node \'{source}\' takes "true" or "false", '
                    f"not {_short(condition)}",
                )
        elif source_kind == "switch":  # seed 004 takes an unconditioned edge as the fallback
            edge["source_port"] = "default" if condition is None else str(condition)
        elif condition is not None:
            edge["when"] = condition
        _note_unknown(raw, {"id", "from", "to", "condition"}, where, rep)
        edges.append(edge)
    return nodes, edges


# ---------------------------------------------------------------------------------------------
# Seed 002: TYPE + subtype, `parameters`, a connections map keyed by node name


def _from_seed002(doc: dict[str, Any], rep: _Report) -> Draft:
    nodes = []
    by_name: dict[str, list[str]] = defaultdict(list)
    for where, raw, ident, kind in _read_nodes(doc, rep):
        subtype = raw.get("subtype")
        if subtype is not None and not isinstance(subtype, str):
            rep.problem(f"{where}.subtype", f"expected a string, got {_kind(subtype)}")
            subtype = None
        config = _mapping(raw, "parameters", where, rep)
        kind_out = _SEED002_TYPES.get(kind, {}).get(subtype or "")
        kind_out = kind_out or (f"{kind}.{subtype}" if subtype else kind)
        if kind_out == "start":  # a start node has no settings
            for key, value in config.items():
                hint = "; add a schedule for it" if subtype == "CRON" else ""
                rep.note(
                    f"{where}.parameters.{key}",
                    f"{_short(value)} (a {subtype} trigger becomes a start node, "
                    f"which has no settings{hint})",
                )
            config = {}
        elif kind_out == "function":
            ref, code_ref = config.pop("function", None), config.pop("code_ref", None)
            if ref is not None and code_ref is not None and ref != code_ref:
                rep.problem(f"{where}.parameters.code_ref", f"differs from 'function' ({ref!r})")
            ref = ref if ref is not None else code_ref
            if not isinstance(ref, str) or not ref.strip():
                rep.problem(
                    f"{where}.parameters.function",
                    "RUN_CODE needs 'function' (or 'code_ref') naming a registered function; "
                    "Ren does not run inline code",
                )
            config = {"function": ref, "args": config.pop("args", {}), **config}
        elif kind_out == "switch":
            config = _switch_config(config, f"{where}.parameters", rep)
        node = _node(
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
            rep.problem(where, f"no node is named {_short(name)}")
        return None

    edges: list[dict[str, Any]] = []
    table, at = doc.get("connections"), "connections"
    if isinstance(table, dict) and isinstance(table.get("connections"), dict):
        _note_unknown(table, {"connections"}, at, rep)
        table, at = table["connections"], "connections.connections"
    if not isinstance(table, dict):
        if table is not None:
            rep.problem(at, f"expected an object keyed by node name, got {_kind(table)}")
        return nodes, edges
    for src_name, entry in table.items():
        where = f"{at}['{src_name}']"
        source = resolve(src_name, where)
        types = entry.get("connection_types", _MISSING) if isinstance(entry, dict) else entry
        if not isinstance(types, dict):
            rep.problem(f"{where}.connection_types", f"expected an object, got {_kind(types)}")
            continue
        for type_key, group in types.items():
            gw = f"{where}.connection_types.{type_key}.connections"
            items = group.get("connections", _MISSING) if isinstance(group, dict) else group
            if not isinstance(items, list):
                rep.problem(gw, f"expected a list, got {_kind(items)}")
                continue
            for k, conn in enumerate(items):
                cw = f"{gw}[{k}]"
                if not isinstance(conn, dict):
                    rep.problem(cw, f"expected an object, got {_kind(conn)}")
                    continue
                target = resolve(conn.get("node"), f"{cw}.node")
                kind = str(conn.get("type") or type_key).upper()
                index = conn.get("index", 0)
                if not isinstance(index, int) or isinstance(index, bool) or index < 0:
                    rep.problem(f"{cw}.index", f"expected a whole number, got {_short(index)}")
                    continue
                if kind != "MAIN":
                    rep.note(
                        cw,
                        f"{kind} connection '{src_name}' -> {_short(conn.get('node'))} "
                        "(Ren edges carry the main flow only)",
                    )
                    if source is not None and target is not None:
                        rep.links.append((source, target))
                elif source is not None and target is not None:
                    edge = {"source": source, "target": target}
                    port = _seed002_port(specs[source], index, f"{cw}.index", rep)
                    edges.append(edge if port is None else {**edge, "source_port": port})
    return nodes, edges


def _seed002_port(node: dict[str, Any], index: int, where: str, rep: _Report) -> str | None:
    """A branch node's outcome from the connection's `index` (n8n's order); else None."""
    if node["type"] == "if":
        ports = ["true", "false"]
    elif node["type"] == "switch":
        ports = [*_case_ports(node["config"]), "default"]
    else:
        return None  # an input index: Ren's `in` port takes any number of edges
    if index < len(ports):
        return ports[index]
    rep.problem(where, f"'{node['id']}' has outcomes {', '.join(ports)}; no outcome {index}")
    return None


_CONVERTERS = {"seed001": _from_seed001, "seed004": _from_seed004, "seed002": _from_seed002}


# ---------------------------------------------------------------------------------------------
# Ids and layout


def _normalize_ids(nodes: list[dict[str, Any]]) -> dict[str, str]:
    """Rewrite ids that are not valid Ren ids; the old id becomes the name if there is none."""
    taken = {n["id"] for n in nodes if _ID.fullmatch(n["id"])}
    mapping: dict[str, str] = {}
    for i, node in enumerate(nodes):
        old = node["id"]
        if _ID.fullmatch(old):
            continue
        base = re.sub(r"[^A-Za-z0-9_-]+", "_", old).strip("_-")
        base = (f"n_{base}" if base[0].isdigit() else base)[:64] if base else f"node_{i + 1}"
        new, counter = base, 1
        while new in taken:
            counter += 1
            new = f"{base[: 63 - len(str(counter))]}_{counter}"
        taken.add(new)
        mapping[old] = node["id"] = new
        node.setdefault("name", old)
    return mapping


def _renamed(links: list[tuple[str, str]], mapping: dict[str, str]) -> list[tuple[str, str]]:
    return [(mapping.get(a, a), mapping.get(b, b)) for a, b in links]
