"""Auto-layout: nodes left to right by topological depth, pure and deterministic.

Two placements live here:
- `place_unpositioned` fills in positions the importers could not read from a document, on a
  fixed grid, keeping every position the document gave;
- `layout_workflow` lays out a whole workflow for the editor's auto-layout button: columns by
  depth, rows ordered to keep edges short, each column centred, and every loop body laid out
  inside its loop node (which grows to fit it).
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.core.dsl import WorkflowSpec

X_STEP, Y_STEP = 240, 120  # the importers' grid for nodes without a position

NODE_SIZE = (220.0, 64.0)  # a node card's usual size on the canvas, in flow units
GAP_X, GAP_Y = 70.0, 40.0
GROUP_PAD_X, GROUP_PAD_TOP, GROUP_PAD_BOTTOM = 30.0, 76.0, 30.0  # room for the group's header
GROUP_MIN = (360.0, 220.0)

Size = tuple[float, float]
Point = tuple[float, float]


def _forward_links(ids: Sequence[str], successors: Mapping[str, list[str]]) -> set[tuple[str, str]]:
    """The links left once every back edge of a depth-first walk is dropped: a DAG.

    The walk starts from the entries (nodes nothing points at), in `ids` order, so a loop's
    edge back to an earlier node is the one dropped and the loop reads left to right."""
    has_parent = {b for targets in successors.values() for b in targets}
    roots = [n for n in ids if n not in has_parent] + [n for n in ids if n in has_parent]
    state: dict[str, int] = {}  # 1: on the walk's stack, 2: finished
    forward: set[tuple[str, str]] = set()
    for root in roots:
        if root in state:
            continue
        state[root] = 1
        work = [(root, iter(successors.get(root, ())))]
        while work:
            node, children = work[-1]
            for child in children:
                if state.get(child) == 1:
                    continue  # a back edge: it closes a cycle
                forward.add((node, child))
                if child not in state:
                    state[child] = 1
                    work.append((child, iter(successors.get(child, ()))))
                    break
            else:
                state[node] = 2
                work.pop()
    return forward


def _depths(ids: Sequence[str], links: Iterable[tuple[str, str]]) -> dict[str, int]:
    """Longest-path depth of each node from the entries, ignoring the edges that close a
    cycle (a loop back to an earlier node is drawn as such on the canvas)."""
    known = set(ids)
    successors: dict[str, list[str]] = defaultdict(list)
    for a, b in links:
        if a in known and b in known and b not in successors[a]:
            successors[a].append(b)
    after: dict[str, list[str]] = defaultdict(list)
    waiting: dict[str, int] = dict.fromkeys(ids, 0)
    for a, b in _forward_links(ids, successors):
        after[a].append(b)
        waiting[b] += 1
    depth = dict.fromkeys(ids, 0)
    ready = deque(n for n in ids if waiting[n] == 0)
    while ready:  # Kahn's order: each column is one past its deepest parent
        current = ready.popleft()
        for nxt in after[current]:
            depth[nxt] = max(depth[nxt], depth[current] + 1)
            waiting[nxt] -= 1
            if waiting[nxt] == 0:
                ready.append(nxt)
    return depth


def place_unpositioned(nodes: list[dict[str, Any]], links: list[tuple[str, str]]) -> None:
    """Place nodes without a position. When none has one, the whole graph is laid out with
    `layered`; otherwise the others go on a grid around the given ones (column = depth from
    the entries, then row by order)."""
    if nodes and not any("position" in n for n in nodes):
        placed = layered([n["id"] for n in nodes], links)
        for node in nodes:
            x, y = placed[node["id"]]
            node["position"] = {"x": round(x), "y": round(y)}
        return
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


DUMMY_SIZE = (40.0, 18.0)  # a long edge's place holder in the columns it crosses
DUMMY_WEIGHT = 1.0  # how much a place holder counts when its column is placed


def _pool(targets: list[float], weights: list[float]) -> list[float]:
    """Weighted isotonic regression (pool adjacent violators): the non-decreasing sequence
    closest to `targets`."""
    blocks: list[list[float]] = []  # [mean, weight, count]
    for target, weight in zip(targets, weights, strict=True):
        blocks.append([target, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, w, n = blocks.pop()
            prev = blocks[-1]
            total = prev[1] + w
            prev[0] = (prev[0] * prev[1] + mean * w) / total
            prev[1] = total
            prev[2] += n
    out: list[float] = []
    for mean, _, count in blocks:
        out.extend([mean] * int(count))
    return out


def layered(
    ids: Sequence[str],
    links: Iterable[tuple[str, str]],
    sizes: Mapping[str, Size] | None = None,
    *,
    gap_x: float = GAP_X,
    gap_y: float = GAP_Y,
) -> dict[str, Point]:
    """Top-left corners for `ids`: a column per depth, each node level with its predecessors.

    An edge that spans several columns gets a small place holder in each column it crosses,
    so it runs beside the nodes rather than through them. In each column, nodes go as close
    as they can to the mean centre of their predecessors without overlapping (a node's
    successors fan out centred on it; a chain stays straight). The result's top-left corner
    is (0, 0).
    """
    if not ids:
        return {}
    sizes = dict(sizes or {})
    known = set(ids)
    link_list = list(dict.fromkeys((a, b) for a, b in links if a != b and {a, b} <= known))
    depth: dict[str, int] = dict(_depths(ids, link_list))
    order = {node: i for i, node in enumerate(ids)}
    preds: dict[str, list[str]] = defaultdict(list)
    dummies: set[str] = set()
    for a, b in link_list:
        if depth[a] >= depth[b]:
            continue  # an edge back to an earlier column (a loop): drawn as such
        previous = a
        for d in range(depth[a] + 1, depth[b]):
            dummy = f"\0{a}\0{b}\0{d}"
            depth[dummy] = d
            order[dummy] = len(order)
            sizes[dummy] = DUMMY_SIZE
            dummies.add(dummy)
            preds[dummy].append(previous)
            previous = dummy
        preds[b].append(previous)
    columns: dict[int, list[str]] = defaultdict(list)
    for node in sorted(depth, key=lambda n: order[n]):
        columns[depth[node]].append(node)

    def size(node: str) -> Size:
        return sizes.get(node, NODE_SIZE)

    centre: dict[str, float] = {}
    for d in sorted(columns):
        wanted = {}
        for node in columns[d]:
            parents = [
                (centre[p], DUMMY_WEIGHT if p in dummies else 1.0)
                for p in preds[node]
                if p in centre
            ]
            total = sum(w for _, w in parents)
            wanted[node] = sum(c * w for c, w in parents) / total if parents else 0.0
        column = sorted(columns[d], key=lambda n: (wanted[n], n in dummies, order[n]))
        columns[d] = column
        offsets, offset = [], 0.0
        for node in column:
            offsets.append(offset + size(node)[1] / 2)
            offset += size(node)[1] + gap_y
        targets = [wanted[n] - o for n, o in zip(column, offsets, strict=True)]
        weights = [DUMMY_WEIGHT if n in dummies else 1.0 for n in column]
        for node, base, o in zip(column, _pool(targets, weights), offsets, strict=True):
            centre[node] = base + o
    top = min(centre[n] - size(n)[1] / 2 for n in centre)
    positions: dict[str, Point] = {}
    x = 0.0
    for d in sorted(columns):
        column = columns[d]
        for node in column:
            if node not in dummies:
                positions[node] = (x, centre[node] - size(node)[1] / 2 - top)
        real = [size(n)[0] for n in column if n not in dummies]
        x += (max(real) if real else DUMMY_SIZE[0]) + gap_x
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
