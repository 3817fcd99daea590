"""Cycles of a directed graph given as successor lists, in time linear in nodes and edges.

Strongly connected components by Tarjan's algorithm (iterative: no recursion limit on long
chains), and one cycle through each. Hand-written rather than networkx so that validating a
workflow (`ren validate`) does not pay networkx's import time.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping, Sequence

Successors = Mapping[str, Sequence[str]]


def knots(order: Sequence[str], successors: Successors) -> list[list[str]]:
    """Every strongly connected component of more than one node, its nodes in `order`'s order,
    the components ordered by their first node."""
    position = {node: i for i, node in enumerate(order)}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> tuple[str, Iterator[str]]:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        return node, iter(successors.get(node, ()))

    for root in order:
        if root in index:
            continue
        work = [visit(root)]
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    work.append(visit(child))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:  # every child seen: `node` is finished
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = _pop_component(stack, on_stack, node)
                    if len(component) > 1:
                        found.append(sorted(component, key=position.__getitem__))
    return sorted(found, key=lambda component: position[component[0]])


def _pop_component(stack: list[str], on_stack: set[str], root: str) -> list[str]:
    component = []
    while True:
        node = stack.pop()
        on_stack.discard(node)
        component.append(node)
        if node == root:
            return component


def cycle_through(component: Sequence[str], successors: Successors) -> list[str]:
    """The shortest cycle through a strongly connected component's first node (breadth-first,
    inside the component): a path from it back to it always exists there."""
    members = set(component)
    first = component[0]
    came_from: dict[str, str] = {first: first}
    todo = deque([first])
    while todo:
        node = todo.popleft()
        for successor in successors[node]:
            if successor == first and node != first:
                path = [node]
                while path[-1] != first:
                    path.append(came_from[path[-1]])
                return path[::-1]
            if successor in members and successor not in came_from:
                came_from[successor] = node
                todo.append(successor)
    raise ValueError("not a strongly connected component")
