"""What the run graph shows on each node, from the run page's step rows (pure, no UI).

A step row is keyed by node key (`node_id` plus the loop item path, e.g. `resize[3]`). A node
outside loops has one key; a node inside a loop has one per item, so its state on the graph is
the most telling of its items' (failed over waiting over running over succeeded), and the loop
node counts its items: "12 done · 3 running · 1 failed".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from app.core.dsl import WorkflowSpec

# the canvas knows these states (app.ui.flow_editor STATUSES)
SHOWN = {
    "running": "running",
    "retrying": "running",
    "succeeded": "succeeded",
    "failed": "failed",
    "skipped": "skipped",
    "waiting": "waiting",
    "paused": "paused",
}
RANK = ("failed", "paused", "waiting", "running", "succeeded", "skipped")  # most telling first


def node_of(key: str) -> tuple[str, str]:
    """(node id, item path) of a node key: `resize[3]` → (`resize`, `[3]`)."""
    cut = key.find("[")
    at = key.find("@")
    end = len(key) if at < 0 else at
    return (key[:end], "") if cut < 0 or cut > end else (key[:cut], key[cut:end])


def node_states(rows: Iterable[Mapping[str, Any]], run_status: str) -> dict[str, str]:
    """Each node's state on the graph, by node id. A failed node of a paused run is shown
    paused (it stopped there, and the operator can go on)."""
    found: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        shown = SHOWN.get(str(row.get("status")))
        if shown is not None:
            found[str(row["node_id"])].append(shown)
    states = {}
    for node_id, kinds in found.items():
        state = min(kinds, key=RANK.index)
        if state == "failed" and run_status == "paused":
            state = "paused"
        states[node_id] = state
    return states


def loop_counts(spec: WorkflowSpec, rows: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """A line per loop node that has items: how many items are done, running, waiting, failed.

    An item is one loop iteration (one item path); its state is that of its body steps taken
    together (any failed → failed, else any waiting, else any running, else done).
    """
    loops = {n.id for n in spec.nodes if any(c.parent == n.id for c in spec.nodes)}
    parent = {n.id: n.parent for n in spec.nodes}
    items: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        node_id, path = node_of(str(row["key"]))
        loop = parent.get(node_id)
        if loop in loops and path:
            items[loop][path].append(SHOWN.get(str(row.get("status")), "running"))
    lines = {}
    for loop, by_item in items.items():
        counts: Counter[str] = Counter()
        for kinds in by_item.values():
            worst = min(kinds, key=RANK.index)
            counts["done" if worst in ("succeeded", "skipped") else worst] += 1
        parts = [f"{counts[k]} {k}" for k in ("done", "running", "waiting", "failed") if counts[k]]
        lines[loop] = " · ".join(parts)
    return lines


def key_for_node(rows: Mapping[str, Mapping[str, Any]], node_id: str) -> str | None:
    """The step to show when a node is clicked on the graph: its own, or for a node inside a
    loop the first failed item, else the latest one."""
    if node_id in rows:
        return node_id
    keys = [k for k, row in rows.items() if str(row.get("node_id")) == node_id]
    failed = [k for k in keys if rows[k].get("status") == "failed"]
    if failed:
        return failed[0]
    return keys[-1] if keys else None
