"""Auto-layout: nodes left to right by topological depth (networkx), pure and deterministic.

Two placements live here:
- `place_unpositioned` fills in positions the importers could not read from a document, on a
  fixed grid, keeping every position the document gave;
- `layout_workflow` lays out a whole workflow for the editor's auto-layout button: columns by
  depth, rows ordered to keep edges short, each column centred, and every loop body laid out
  inside its loop node (which grows to fit it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from app.core.dsl import WorkflowSpec

X_STEP, Y_STEP = 240, 120  # the importers' grid for nodes without a position

NODE_SIZE = (220.0, 64.0)  # a node card's usual size on the canvas, in flow units
GAP_X, GAP_Y = 90.0, 40.0
GROUP_PAD_X, GROUP_PAD_TOP, GROUP_PAD_BOTTOM = 30.0, 76.0, 30.0  # room for the group's header
GROUP_MIN = (360.0, 220.0)

Size = tuple[float, float]
Point = tuple[float, float]


def _depths(ids: Sequence[str], links: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Longest-path depth of each node from the entries; a cycle collapses into one column."""
    graph: Any = nx.DiGraph()
    graph.add_nodes_from(ids)
    known = set(ids)
    graph.add_edges_from((a, b) for a, b in links if a in known and b in known)
    dag: Any = nx.condensation(graph)
    depth: dict[int, int] = {}
    for part in nx.topological_sort(dag):
        depth[part] = max((depth[p] + 1 for p in dag.predecessors(part)), default=0)
    mapping = dag.graph["mapping"]
    return {node: depth[mapping[node]] for node in ids}


def place_unpositioned(nodes: list[dict[str, Any]], links: list[tuple[str, str]]) -> None:
    """Place nodes without a position: column = depth from the entries, then row by order."""
    depth = _depths([n["id"] for n in nodes], links)
    taken = {(n["position"]["x"], n["position"]["y"]) for n in nodes if "position" in n}
    rows: dict[int, int] = defaultdict(int)
    for node in nodes:
        if "position" in node:
            continue
        column = depth[node["id"]]
        while (X_STEP * column, Y_STEP * rows[column]) in taken:
            rows[column] += 1
        x, y = X_STEP * column, Y_STEP * rows[column]
        taken.add((x, y))
        node["position"] = {"x": x, "y": y}


def layered(
    ids: Sequence[str],
    links: Iterable[tuple[str, str]],
    sizes: Mapping[str, Size] | None = None,
    *,
    gap_x: float = GAP_X,
    gap_y: float = GAP_Y,
) -> dict[str, Point]:
    """Top-left corners for `ids`: a column per depth, rows ordered by their predecessors.

    Within a column, nodes are sorted by the mean row of their predecessors (a barycentre
    sweep), so chains stay straight and branches fan out in order; columns are centred on one
    another. The result's top-left corner is (0, 0).
    """
    if not ids:
        return {}
    sizes = sizes or {}
    link_list = [(a, b) for a, b in links if a != b]
    depth = _depths(ids, link_list)
    order = {node: i for i, node in enumerate(ids)}
    preds: dict[str, list[str]] = defaultdict(list)
    for a, b in link_list:
        if a in depth and b in depth and depth[a] < depth[b]:
            preds[b].append(a)
    columns: dict[int, list[str]] = defaultdict(list)
    for node in ids:
        columns[depth[node]].append(node)
    row: dict[str, float] = {}
    for d in sorted(columns):
        column = columns[d]

        def key(node: str) -> tuple[float, int]:
            parents = [row[p] for p in preds[node] if p in row]
            centre = sum(parents) / len(parents) if parents else float("inf")
            return (centre, order[node])

        column.sort(key=key)
        for i, node in enumerate(column):
            row[node] = float(i)

    def size(node: str) -> Size:
        return sizes.get(node, NODE_SIZE)

    heights = {
        d: sum(size(n)[1] for n in col) + gap_y * (len(col) - 1) for d, col in columns.items()
    }
    tallest = max(heights.values())
    positions: dict[str, Point] = {}
    x = 0.0
    for d in sorted(columns):
        column = columns[d]
        y = (tallest - heights[d]) / 2
        for node in column:
            positions[node] = (x, y)
            y += size(node)[1] + gap_y
        x += max(size(n)[0] for n in column) + gap_x
    return positions


@dataclass
class Layout:
    positions: dict[str, Point] = field(default_factory=dict)  # relative to the parent, if any
    group_sizes: dict[str, Size] = field(default_factory=dict)  # loop nodes, grown to fit


def layout_workflow(
    spec: WorkflowSpec,
    node_size: Callable[[str], Size] | None = None,
    *,
    groups: Iterable[str] = (),
) -> Layout:
    """Lay out every node of `spec`; loop bodies inside their loop node, innermost first.

    `groups` names the nodes drawn as containers (besides every node that has children);
    `node_size` gives a plain node's size (default `NODE_SIZE`).
    """
    children: dict[str | None, list[str]] = defaultdict(list)
    ids = {n.id for n in spec.nodes}
    for node in spec.nodes:
        parent = node.parent if node.parent in ids else None
        children[parent].append(node.id)
    group_ids = set(groups) | {p for p in children if p is not None}
    parent_of = {n.id: (n.parent if n.parent in ids else None) for n in spec.nodes}
    result = Layout()
    sizes: dict[str, Size] = {}

    def size_of(node_id: str) -> Size:
        if node_id in sizes:
            return sizes[node_id]
        return node_size(node_id) if node_size else NODE_SIZE

    def lay(scope: str | None, seen: frozenset[str]) -> None:
        members = children.get(scope, [])
        for member in members:
            if member in group_ids and member not in seen:
                lay(member, seen | {member})
        links = [
            (e.source, e.target)
            for e in spec.edges
            if parent_of.get(e.source, "?") == scope and parent_of.get(e.target, "?") == scope
        ]
        placed = layered(members, links, {m: size_of(m) for m in members})
        if scope is None:
            result.positions.update(placed)
            return
        width = max((placed[m][0] + size_of(m)[0] for m in members), default=0.0)
        height = max((placed[m][1] + size_of(m)[1] for m in members), default=0.0)
        for member, (x, y) in placed.items():
            result.positions[member] = (x + GROUP_PAD_X, y + GROUP_PAD_TOP)
        sizes[scope] = (
            max(GROUP_MIN[0], width + 2 * GROUP_PAD_X),
            max(GROUP_MIN[1], height + GROUP_PAD_TOP + GROUP_PAD_BOTTOM),
        )
        result.group_sizes[scope] = sizes[scope]

    lay(None, frozenset())
    for group in group_ids - set(result.group_sizes):
        if group in ids:
            result.group_sizes[group] = GROUP_MIN
    return result
