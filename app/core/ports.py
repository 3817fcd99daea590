"""Typed ports: what a node takes in and gives out, and which connections can work."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.dsl import PortType


@dataclass(frozen=True)
class Port:
    name: str
    type: PortType = "any"
    label: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "type": self.type, "label": self.label or self.name}


ERROR_PORT = Port("error", "object", "error")  # present on nodes with on_error=continue


def types_compatible(source: PortType, target: PortType) -> bool:
    """`any` meets everything; otherwise the types must be the same."""
    return source == "any" or target == "any" or source == target
