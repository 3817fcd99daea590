"""The workflow most tests and benches need: a straight chain start → nodes → end."""

from __future__ import annotations

import itertools
from typing import Any


def chain(wid: str, *nodes: dict[str, Any], name: str | None = None) -> dict[str, Any]:
    """start -> nodes (ids n1, n2, …) -> end, as a ren.workflow/1 document."""
    all_nodes = [{"id": "start", "type": "start"}]
    all_nodes += [{"id": f"n{i}", **node} for i, node in enumerate(nodes, 1)]
    all_nodes.append({"id": "end", "type": "end"})
    edges = [{"source": a["id"], "target": b["id"]} for a, b in itertools.pairwise(all_nodes)]
    return {
        "schema": "ren.workflow/1",
        "id": wid,
        "name": name or wid,
        "nodes": all_nodes,
        "edges": edges,
    }
