"""AI connection kinds: how sub-nodes (model, tools, memory, ...) are wired into an AI node.

A sub-node is not a step of the main flow. It is attached to an AI node (the `ai_agent`, the
`llm` node, a retriever, ...) by an edge from the sub-node's output port of kind K to the AI
node's input port of the same kind K:

    {"source": "gpt", "source_port": "ai_language_model",
     "target": "agent", "target_port": "ai_language_model"}

The engine's plan leaves out every edge whose `target_port` is an AI kind, and every node whose
only outgoing edges are such edges (app.core.graph), so sub-nodes never run as steps. The AI node
finds its sub-nodes with `attached(...)` and uses their config when it runs.
"""

from __future__ import annotations

from typing import Any, Final, Protocol

from app.core.dsl import NodeSpec, WorkflowSpec
from app.core.ports import AI_PORT_KINDS, Port, is_ai_port

MAIN: Final = "main"  # the ordinary data flow (ports `in`/`out`, ...)

AI_LANGUAGE_MODEL: Final = "ai_language_model"
AI_TOOL: Final = "ai_tool"
AI_MEMORY: Final = "ai_memory"
AI_OUTPUT_PARSER: Final = "ai_output_parser"
AI_RETRIEVER: Final = "ai_retriever"
AI_EMBEDDING: Final = "ai_embedding"
AI_TEXT_SPLITTER: Final = "ai_text_splitter"
AI_VECTOR_STORE: Final = "ai_vector_store"
AI_DOCUMENT: Final = "ai_document"

AI_KINDS: Final[tuple[str, ...]] = AI_PORT_KINDS

LABELS: Final[dict[str, str]] = {
    AI_LANGUAGE_MODEL: "Model",
    AI_TOOL: "Tools",
    AI_MEMORY: "Memory",
    AI_OUTPUT_PARSER: "Output parser",
    AI_RETRIEVER: "Retriever",
    AI_EMBEDDING: "Embeddings",
    AI_TEXT_SPLITTER: "Text splitter",
    AI_VECTOR_STORE: "Vector store",
    AI_DOCUMENT: "Documents",
}

# How many sub-nodes of each kind an AI node takes: (minimum, maximum or None for any number).
AGENT_ARITY: Final[dict[str, tuple[int, int | None]]] = {
    AI_LANGUAGE_MODEL: (1, 1),
    AI_TOOL: (0, None),
    AI_MEMORY: (0, 1),
    AI_OUTPUT_PARSER: (0, 1),
}
LLM_ARITY: Final[dict[str, tuple[int, int | None]]] = {AI_LANGUAGE_MODEL: (0, 1)}


def ai_port(kind: str) -> Port:
    """The port of an AI kind, the same on both ends of a sub-node edge."""
    if not is_ai_port(kind):
        raise ValueError(f"'{kind}' is not an AI connection kind ({', '.join(AI_KINDS)})")
    return Port(kind, "any", LABELS[kind])


class _HasSpec(Protocol):
    @property
    def spec(self) -> WorkflowSpec: ...


def attached(workflow: WorkflowSpec | _HasSpec, node_id: str, kind: str) -> list[NodeSpec]:
    """The sub-nodes wired into `node_id` on its `kind` port, in edge order.

    `workflow` is a WorkflowSpec or anything holding one as `.spec` (a CompiledWorkflow).
    """
    spec = workflow if isinstance(workflow, WorkflowSpec) else workflow.spec
    nodes = {n.id: n for n in spec.nodes}
    found: list[NodeSpec] = []
    for edge in spec.edges:
        if edge.target == node_id and edge.target_port == kind and edge.source in nodes:
            found.append(nodes[edge.source])
    return found


def sub_node_edge(source: str, target: str, kind: str) -> dict[str, Any]:
    """An edge attaching sub-node `source` to AI node `target` on `kind` (for builders/tests)."""
    ai_port(kind)  # refuses an unknown kind
    return {"source": source, "source_port": kind, "target": target, "target_port": kind}
