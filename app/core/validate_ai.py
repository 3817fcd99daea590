"""Validation of AI connections: sub-node edges join ports of one kind, and AI nodes get the
number of sub-nodes they take (an agent: exactly one model, any tools, at most one memory and
one output parser).

Pure, like app.core.validate: it reads the spec only. The kinds are app.core.ports'
AI_PORT_KINDS; app.nodes.ai_ports explains how sub-node edges are written.
"""

from __future__ import annotations

from collections import Counter

from app.core.dsl import EdgeSpec, NodeSpec, WorkflowSpec
from app.core.ports import is_ai_port
from app.core.problems import Problem, node_label

# (minimum, maximum or None for any number) of sub-nodes per kind, by AI node type.
ARITY: dict[str, dict[str, tuple[int, int | None]]] = {
    "ai_agent": {
        "ai_language_model": (1, 1),
        "ai_tool": (0, None),
        "ai_memory": (0, 1),
        "ai_output_parser": (0, 1),
    },
    "llm": {"ai_language_model": (0, 1)},
    "retriever": {"ai_embedding": (1, 1)},
    "vector_store": {"ai_embedding": (1, 1), "ai_text_splitter": (0, 1)},
}

KIND_LABELS: dict[str, str] = {
    "ai_language_model": "Model",
    "ai_tool": "Tools",
    "ai_memory": "Memory",
    "ai_output_parser": "Output parser",
    "ai_retriever": "Retriever",
    "ai_embedding": "Embeddings",
    "ai_text_splitter": "Text splitter",
    "ai_vector_store": "Vector store",
    "ai_document": "Documents",
}


def ai_problems(spec: WorkflowSpec) -> list[Problem]:
    nodes = {n.id: n for n in spec.nodes}
    problems = [p for e in spec.edges if (p := connection_problem(e, nodes)) is not None]
    counts: Counter[tuple[str, str]] = Counter(
        (e.target, e.target_port)
        for e in spec.edges
        if is_ai_port(e.target_port) and e.source_port == e.target_port and e.source in nodes
    )
    for node in spec.nodes:
        for kind, (least, most) in ARITY.get(node.type, {}).items():
            have = counts[(node.id, kind)]
            if least <= have and (most is None or have <= most):
                continue
            problems.append(
                Problem("ai_arity", arity_message(node, kind, have, least, most), node.id)
            )
    return problems


def connection_problem(edge: EdgeSpec, nodes: dict[str, NodeSpec]) -> Problem | None:
    """An edge joining an AI port to a port of another kind (a model into a tools port, a sub-node
    into the main flow), or None when the kinds agree."""
    out_ai, in_ai = is_ai_port(edge.source_port), is_ai_port(edge.target_port)
    if not (out_ai or in_ai) or edge.source_port == edge.target_port:
        return None
    if edge.source not in nodes or edge.target not in nodes:
        return None  # a dangling edge is reported by validate
    return Problem(
        "wrong_connection",
        wrong_connection_message(
            node_label(nodes[edge.source]),
            edge.source_port,
            node_label(nodes[edge.target]),
            edge.target_port,
        ),
        edge_id=edge.id,
    )


def wrong_connection_message(source: str, out_port: str, target: str, in_port: str) -> str:
    """Why an edge cannot join these ports (also shown by the editor when it refuses one)."""
    return (
        f"{source} gives {_kind_name(out_port)} but this input of {target} takes "
        f"{_kind_name(in_port)}; connect ports of the same kind"
    )


def arity_message(node: NodeSpec, kind: str, have: int, least: int, most: int | None) -> str:
    label = KIND_LABELS[kind]
    if least == most:
        need = f"exactly one {label}" if least == 1 else f"exactly {least} {label}"
    elif most is not None:
        need = f"at most {most} {label}"
    else:
        need = f"at least {least} {label}"
    return f"{node_label(node)} needs {need} sub-node ({kind}), has {have}"


def _kind_name(port: str) -> str:
    return f"{KIND_LABELS[port]} ({port})" if is_ai_port(port) else f"data ('{port}')"
