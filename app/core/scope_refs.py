"""The data an expression or a JSON Logic rule reads: each free name with the keys after it.

`input.values.amount` reads ("input", ("values", "amount")); `nodes["fetch"].rows[0]` reads
("nodes", ("fetch", "rows", 0)); names bound by a comprehension (`[x for x in items]`) are not
free. The validator compares these with what `app.core.scope.names_at` says exists.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["Reference", "expression_references", "jsonlogic_references"]

Key = str | int


@dataclass(frozen=True)
class Reference:
    root: str
    keys: tuple[Key, ...] = ()

    @property
    def text(self) -> str:
        out = self.root
        for key in self.keys:
            out += f".{key}" if isinstance(key, str) and key.isidentifier() else f"[{key!r}]"
        return out


def expression_references(tree: ast.AST) -> list[Reference]:
    """Every free name `tree` reads, with the constant keys read after it."""
    return list(_visit(tree, frozenset()))


def _chain(node: ast.expr) -> tuple[ast.expr, tuple[Key, ...], list[ast.expr]]:
    """(root, keys, other expressions to visit) of an a.b["c"][0] chain."""
    keys: list[Key] = []
    others: list[ast.expr] = []
    while True:
        if isinstance(node, ast.Attribute):
            keys.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            index = node.slice
            constant = index.value if isinstance(index, ast.Constant) else None
            if isinstance(constant, str | int) and not isinstance(constant, bool):
                keys.append(constant)
                node = node.value
                continue
            # a computed key ends what we can follow: keep only what comes before it
            keys.clear()
            others.append(index)
            node = node.value
        else:
            return node, tuple(reversed(keys)), others


def _visit(node: ast.AST, bound: frozenset[str]) -> Iterator[Reference]:
    if isinstance(node, ast.Name):
        if node.id not in bound:
            yield Reference(node.id)
    elif isinstance(node, ast.Attribute | ast.Subscript):
        root, keys, others = _chain(node)
        if isinstance(root, ast.Name):
            if root.id not in bound:
                yield Reference(root.id, keys)
        else:
            yield from _visit(root, bound)
        for other in others:
            yield from _visit(other, bound)
    elif isinstance(node, ast.ListComp | ast.GeneratorExp | ast.SetComp | ast.DictComp):
        inner = bound
        for generator in node.generators:
            yield from _visit(generator.iter, inner)
            inner = inner | {n.id for n in ast.walk(generator.target) if isinstance(n, ast.Name)}
            for condition in generator.ifs:
                yield from _visit(condition, inner)
        parts = [node.key, node.value] if isinstance(node, ast.DictComp) else [node.elt]
        for part in parts:
            yield from _visit(part, inner)
    elif isinstance(node, ast.Call):
        for argument in [*node.args, *(k.value for k in node.keywords)]:
            yield from _visit(argument, bound)  # the function's own name is checked when parsed
    else:
        for child in ast.iter_child_nodes(node):
            yield from _visit(child, bound)


def jsonlogic_references(rule: Any) -> list[Reference]:
    """Every `{"var": "a.b.c"}` of a JSON Logic rule (data paths are dotted)."""
    found: list[Reference] = []
    stack = [rule]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for operator, argument in item.items():
                if operator == "var":
                    path = argument[0] if isinstance(argument, list) and argument else argument
                    if isinstance(path, str) and path:
                        root, *rest = path.split(".")
                        keys = tuple(int(k) if k.isdigit() else k for k in rest)
                        found.append(Reference(root, keys))
                    elif isinstance(argument, list):
                        stack.extend(argument[1:])
                else:
                    stack.append(argument)
        elif isinstance(item, list):
            stack.extend(item)
    return found
