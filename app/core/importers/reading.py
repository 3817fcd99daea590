"""Reading helpers the seed formats share.

The report of problems and notes, and readers of nodes, edges, fields and top-level keys that
name exactly what is wrong and where.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any


class Report:
    def __init__(self) -> None:
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.links: list[tuple[str, str]] = []  # not edges, but placed like them by the layout

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"{where}: {message}")

    def note(self, where: str, message: str) -> None:
        self.notes.append(f"{where}: {message}")


Draft = tuple[list[dict[str, Any]], list[dict[str, Any]]]


class Missing:
    """What `dict.get` gives for an absent key here, so messages tell absent from null."""


MISSING: Any = Missing()


def kind_of(value: Any) -> str:
    if value is MISSING:
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


def short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def ident_of(value: Any) -> str | None:
    """A node or edge reference: a non-empty string, or a whole number."""
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


def node_at(i: int, raw: Any) -> str:
    ident = ident_of(raw.get("id")) if isinstance(raw, dict) else None
    return f"nodes[{i}] (id '{ident}')" if ident else f"nodes[{i}]"


def edge_at(j: int, raw: Any, ends: tuple[str, str]) -> str:
    if not isinstance(raw, dict):
        return f"edges[{j}]"
    if ident_of(raw.get("id")):
        return f"edges[{j}] (id '{raw['id']}')"
    a, b = ident_of(raw.get(ends[0])), ident_of(raw.get(ends[1]))
    return f"edges[{j}] ('{a}' -> '{b}')" if a and b else f"edges[{j}]"


def object_field(raw: dict[str, Any], key: str, where: str, rep: Report) -> dict[str, Any]:
    value = raw.get(key)
    if value is None:
        return {}
    if isinstance(value, dict):
        return dict(value)
    rep.problem(f"{where}.{key}", f"expected an object, got {kind_of(value)}")
    return {}


def list_field(doc: dict[str, Any], key: str, rep: Report) -> list[Any]:
    value = doc.get(key)
    if value is None and key != "nodes":
        return []
    if isinstance(value, list):
        return value
    rep.problem(key, f"expected a list, got {kind_of(value)}")
    return []


def read_nodes(doc: dict[str, Any], rep: Report) -> list[tuple[str, dict[str, Any], str, str]]:
    """(where, raw node, id, type) of each node whose id and type are usable."""
    seen: dict[str, int] = {}
    usable = []
    for i, raw in enumerate(list_field(doc, "nodes", rep)):
        where = node_at(i, raw)
        if not isinstance(raw, dict):
            rep.problem(where, f"expected an object, got {kind_of(raw)}")
            continue
        ident, kind = ident_of(raw.get("id")), raw.get("type", MISSING)
        if ident is None:
            rep.problem(f"{where}.id", f"expected a node id, got {kind_of(raw.get('id', MISSING))}")
        elif ident in seen:
            rep.problem(f"{where}.id", f"nodes[{seen[ident]}] has the same id")
        if not isinstance(kind, str) or not kind.strip():
            rep.problem(f"{where}.type", f"expected a node type, got {kind_of(kind)}")
        if ident is not None and ident not in seen and isinstance(kind, str) and kind.strip():
            usable.append((where, raw, ident, kind.strip()))
        if ident is not None:
            seen.setdefault(ident, i)
    return usable


def make_node(
    raw: dict[str, Any],
    ident: str,
    kind: str,
    config: dict[str, Any],
    name: Any,
    where: str,
    known: set[str],
    rep: Report,
) -> dict[str, Any]:
    node: dict[str, Any] = {"id": ident, "type": kind, "config": config}
    if isinstance(name, str) and name:
        node["name"] = name
    elif name not in (None, ""):
        rep.problem(f"{where}.name", f"expected a string, got {kind_of(name)}")
    position = raw.get("position")
    x, y = (position.get("x"), position.get("y")) if isinstance(position, dict) else (None, None)
    if isinstance(position, list) and len(position) == 2:
        x, y = position  # n8n style [x, y]
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in (x, y)):
        node["position"] = {"x": x, "y": y}
    elif position is not None:
        rep.note(f"{where}.position", f"{short(position)} is not an {{x, y}} point; laid out anew")
    note_unknown(raw, {"id", "type", "name", "position", *known}, where, rep)
    return node


def note_unknown(raw: dict[str, Any], known: set[str], where: str, rep: Report) -> None:
    for key, value in raw.items():
        if key not in known:
            rep.note(f"{where}.{key}" if where else key, f"{short(value)} (Ren has no such field)")


def endpoint(raw: dict[str, Any], key: str, ids: set[str], where: str, rep: Report) -> str | None:
    ref = ident_of(raw.get(key))
    if ref is None:
        rep.problem(f"{where}.{key}", f"expected a node id, got {kind_of(raw.get(key, MISSING))}")
    elif ref not in ids:
        rep.problem(f"{where}.{key}", f"no node has the id '{ref}'")
    else:
        return ref
    return None


def read_edges(
    doc: dict[str, Any], ends: tuple[str, str], ids: set[str], rep: Report
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(where, raw edge, Ren edge) of each edge that is an object, for formats with an `edges` list.

    `ends` names the raw edge's source and target keys (e.g. `("source", "target")`); the Ren
    edge is begun with its `source` and `target` (None where the end is unusable, reported) and
    the raw edge's `id` if it has one. The caller reads the rest of the raw edge into it.
    """
    for j, raw in enumerate(list_field(doc, "edges", rep)):
        where = edge_at(j, raw, ends)
        if not isinstance(raw, dict):
            rep.problem(where, f"expected an object, got {kind_of(raw)}")
            continue
        source, target = (endpoint(raw, key, ids, where, rep) for key in ends)
        edge: dict[str, Any] = {"source": source, "target": target}
        if ident_of(raw.get("id")):
            edge["id"] = str(raw["id"])
        yield where, raw, edge


def pop_function(
    config: dict[str, Any], name_key: str, where: str, node: str, rep: Report
) -> tuple[Any, Any]:
    """(function name, args) taken out of a function node's settings, as they are.

    `config[name_key]` should name a registered function and `config["args"]` be an object or
    absent; what is not is reported at `where` (the settings' place), `node` telling which node
    ("a python node").
    """
    ref = config.pop(name_key, MISSING)
    if not isinstance(ref, str) or not ref.strip():
        rep.problem(
            f"{where}.{name_key}", f"{node} names a registered function, got {kind_of(ref)}"
        )
    args = config.pop("args", None)
    if args is not None and not isinstance(args, dict):
        rep.problem(f"{where}.args", f"expected an object, got {kind_of(args)}")
    return ref, args


def branch_port(value: Any) -> str | None:
    """'true'/'false' for a boolean or the strings "true"/"false"; else None."""
    if isinstance(value, bool):
        return "true" if value else "false"
    word = value.strip().lower() if isinstance(value, str) else None
    return word if word in ("true", "false") else None


def switch_config(config: dict[str, Any], where: str, rep: Report) -> dict[str, Any]:
    """The seeds' switch (`variable`, plain `cases`) as Ren's (`value`, [{value, port}])."""
    if "variable" in config:
        if "value" in config:
            rep.problem(f"{where}.variable", "a switch has either 'variable' or 'value', not both")
        config["value"] = config.pop("variable")
    if isinstance(config.get("cases"), list):
        config["cases"] = [c if isinstance(c, dict) else {"value": c} for c in config["cases"]]
    return config


def case_ports(config: dict[str, Any]) -> list[str]:
    cases = config.get("cases")
    ports = []
    for case in cases if isinstance(cases, list) else []:
        port = case.get("port") if isinstance(case, dict) else None
        ports.append(port or str(case.get("value") if isinstance(case, dict) else case))
    return ports


def top_level(doc: dict[str, Any], rep: Report, structural: set[str]) -> dict[str, Any]:
    top: dict[str, Any] = {}
    for key in ("id", "name", "description"):
        value = doc.get(key)
        if value is None:
            continue
        text = ident_of(value) if key == "id" else value if isinstance(value, str) else None
        if text is None:
            rep.problem(key, f"expected a string, got {kind_of(value)}")
        else:
            top[key] = text
    note_unknown(doc, {"id", "name", "description", *structural}, "", rep)
    return top
