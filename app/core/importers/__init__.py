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

The package: `detect` tells the format, `reading` holds what the seed readers share, and
`seed001`, `seed004` and `seed002` each convert one seed format to a native draft; this module
turns a draft into a `WorkflowSpec` (ids made valid, nodes placed).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.core.dsl import (
    NODE_ID_PATTERN,
    SCHEMA,
    WorkflowFormatError,
    WorkflowSpec,
    check_document,
    parse_workflow,
    read_json_file,
)
from app.core.importers.detect import FORMATS, LABELS, detect_format
from app.core.importers.reading import Report, top_level
from app.core.importers.seed001 import from_seed001
from app.core.importers.seed002 import from_seed002
from app.core.importers.seed004 import from_seed004
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

_ID = re.compile(NODE_ID_PATTERN.removeprefix("^").removesuffix("$"))


@dataclass(frozen=True)
class ImportResult:
    spec: WorkflowSpec
    format: str
    notes: tuple[str, ...] = ()  # what was not carried over, each naming its node/edge and field


def import_workflow(doc: Any, source: str = "workflow") -> WorkflowSpec:
    """Read a workflow in any known format; WorkflowFormatError names every problem."""
    return convert_workflow(doc, source).spec


def convert_workflow(doc: Any, source: str = "workflow") -> ImportResult:
    """Like `import_workflow`, also telling the format and what was not carried over."""
    check_document(doc, source)  # too deep or not valid Unicode: refused before any walk
    fmt = detect_format(doc, source)
    if fmt == "ren":
        return ImportResult(parse_workflow(doc, source), fmt)
    rep = Report()
    nodes, edges = _CONVERTERS[fmt](doc, rep)
    top = top_level(doc, rep, {"nodes", "connections" if fmt == "seed002" else "edges"})
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
        intro = f"Imported from a {LABELS[fmt]} document; not carried over:\n"
        top["description"] = "\n\n".join(filter(None, [top.get("description", ""), intro + lines]))
    spec = parse_workflow({"schema": SCHEMA, **top, "nodes": nodes, "edges": edges}, source)
    return ImportResult(spec, fmt, tuple(rep.notes))


def load_workflow_file(path: Path) -> WorkflowSpec:
    """Read a workflow file in any known format; errors name the file."""
    return import_workflow(read_json_file(path), source=str(path))


_CONVERTERS = {"seed001": from_seed001, "seed004": from_seed004, "seed002": from_seed002}

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
