"""Detection: which of the known formats a workflow document is written in."""

from __future__ import annotations

from typing import Any

from app.core.dsl import SCHEMA, WorkflowFormatError
from app.core.importers.reading import kind_of, short

FORMATS = ("ren", "seed001", "seed004", "seed002")
LABELS = {"ren": SCHEMA, "seed001": "seed 001", "seed004": "seed 004", "seed002": "seed 002"}


def detect_format(doc: Any, source: str = "workflow") -> str:
    """The document's format, one of FORMATS; WorkflowFormatError when none fits."""
    if not isinstance(doc, dict):
        raise WorkflowFormatError(
            source, [f"not a workflow: expected {_EXPECTED}, got {kind_of(doc)}"]
        )
    if "schema" in doc:
        if doc["schema"] == SCHEMA:
            return "ren"
        raise WorkflowFormatError(
            source, [f"schema: unsupported schema {short(doc['schema'])}; Ren reads '{SCHEMA}'"]
        )
    nodes = doc.get("nodes")
    if not isinstance(nodes, list):
        found = ", ".join(f"'{k}'" for k in doc) or "none"
        got = f"'nodes' is {kind_of(nodes)}" if "nodes" in doc else f"found keys: {found}"
        raise WorkflowFormatError(source, [f"not a workflow: expected {_EXPECTED}; {got}"])
    signals = _signals(doc)
    if len(signals) > 1:
        seen = " and ".join(f"{LABELS[f]} ({where})" for f, where in signals.items())
        raise WorkflowFormatError(source, [f"mixed formats: looks like {seen}"])
    if signals:
        return next(iter(signals))
    if isinstance(doc.get("edges"), list):
        return "ren"
    got = f"'edges' is {kind_of(doc['edges'])}" if "edges" in doc else "found no 'edges'"
    raise WorkflowFormatError(source, [f"not a workflow: expected {_EXPECTED}; {got}"])


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
