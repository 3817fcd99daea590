"""A validation problem, tied to the node, edge or field it is about."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol


class _Named(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def name(self) -> str: ...


def node_label(node: _Named) -> str:
    """How problems name a node: its name with its id in brackets, e.g. `Approve [approve]`."""
    if node.name and node.name != node.id:
        return f"{node.name} [{node.id}]"
    return f"'{node.id}'"


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    node_id: str | None = None
    edge_id: str | None = None
    field: str | None = None
    node_name: str | None = None  # the node's name, when it has one (filled in by validate)

    def __str__(self) -> str:
        where = []
        if self.node_id:
            if self.node_name and self.node_name != self.node_id:
                where.append(f"node {self.node_name} [{self.node_id}]")
            else:
                where.append(f"node '{self.node_id}'")
        if self.edge_id:
            where.append(f"edge '{self.edge_id}'")
        if self.field:
            where.append(self.field)
        prefix = " ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}
