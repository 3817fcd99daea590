"""Typed ports: what a node takes in and gives out, and which connections can work."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

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


# AI connection kinds (app.nodes.ai_ports): an edge into one of these ports attaches a sub-node
# (model, tool, memory, ...) to an AI node; it carries no data and is not part of the run plan.
AiKind = Literal[
    "ai_language_model",
    "ai_tool",
    "ai_memory",
    "ai_output_parser",
    "ai_retriever",
    "ai_embedding",
    "ai_text_splitter",
    "ai_vector_store",
    "ai_document",
]
AI_PORT_KINDS: tuple[str, ...] = get_args(AiKind)


def is_ai_port(name: str) -> bool:
    return name in AI_PORT_KINDS
