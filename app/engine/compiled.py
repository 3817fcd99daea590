"""A workflow version made ready to run: graph lookups plus each node's type and parsed config."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from app.core.dsl import NodeSpec, WorkflowSpec
from app.core.graph import Graph
from app.nodes.base import NodeType
from app.nodes.catalog import NodeCatalog


class IncompatibleWorkflow(Exception):
    """The version uses a node type (or type version) this installation does not have."""


@dataclass(frozen=True)
class CompiledNode:
    spec: NodeSpec
    type: NodeType[Any]
    config: BaseModel


@dataclass(frozen=True)
class CompiledWorkflow:
    version_id: str
    spec: WorkflowSpec
    graph: Graph
    nodes: dict[str, CompiledNode]

    @classmethod
    def build(cls, version_id: str, spec: WorkflowSpec, catalog: NodeCatalog) -> CompiledWorkflow:
        nodes = {}
        for node in spec.nodes:
            node_type = catalog.lookup(node.type, node.type_version)
            if node_type is None:
                raise IncompatibleWorkflow(
                    f"node '{node.id}' needs type '{node.type}' version {node.type_version}, "
                    "which is not installed"
                )
            nodes[node.id] = CompiledNode(node, node_type, node_type.parse_config(node.config))
        return cls(version_id, spec, Graph.build(spec), nodes)
