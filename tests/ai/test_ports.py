"""AI connection kinds in validation and import: an edge joining ports of two kinds is refused
with a message, AI nodes get the number of sub-nodes they take, and seed 002 documents with
the AI connection types import as sub-node edges."""

from __future__ import annotations

from typing import Any

from app.core.dsl import WorkflowSpec
from app.core.importers import convert_workflow
from app.core.problems import Problem
from app.core.validate import validate
from app.nodes.ai_ports import sub_node_edge
from app.nodes.catalog import default_catalog
from app.nodes.functions import REGISTRY

MODEL = {"base_url": "http://127.0.0.1:9/v1", "model": "m"}


def flow(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> WorkflowSpec:
    start = {"id": "start", "type": "start"}
    llm = {"id": "ask", "type": "llm", "config": {"prompt": "hi"}}
    main = {"source": "start", "target": "ask"}
    return WorkflowSpec.model_validate(
        {"id": "wf", "nodes": [start, llm, *nodes], "edges": [main, *edges]}
    )


def problems(spec: WorkflowSpec, code: str) -> list[Problem]:
    found = validate(spec, default_catalog(load_packs=False), REGISTRY)
    return [p for p in found if p.code == code]


def model(ident: str) -> dict[str, Any]:
    return {"id": ident, "type": "chat_model", "config": MODEL}


def test_a_model_on_the_model_port_is_valid() -> None:
    spec = flow([model("gpt")], [sub_node_edge("gpt", "ask", "ai_language_model")])
    assert validate(spec, default_catalog(load_packs=False), REGISTRY) == []


def test_a_model_into_a_tools_port_is_refused_naming_both_kinds() -> None:
    edge = {
        "source": "gpt",
        "source_port": "ai_language_model",
        "target": "ask",
        "target_port": "ai_tool",
    }
    (problem,) = problems(flow([model("gpt")], [edge]), "wrong_connection")
    assert problem.edge_id == "e2"
    assert problem.message == (
        "'gpt' gives Model (ai_language_model) but this input of 'ask' takes Tools (ai_tool); "
        "connect ports of the same kind"
    )


def test_a_sub_node_into_the_main_flow_is_refused() -> None:
    edge = {"source": "gpt", "source_port": "ai_language_model", "target": "ask"}
    (problem,) = problems(flow([model("gpt")], [edge]), "wrong_connection")
    assert "takes data ('in')" in problem.message


def test_two_models_on_an_llm_node_are_too_many() -> None:
    spec = flow(
        [model("a"), model("b")],
        [
            sub_node_edge("a", "ask", "ai_language_model"),
            sub_node_edge("b", "ask", "ai_language_model"),
        ],
    )
    (problem,) = problems(spec, "ai_arity")
    assert problem.node_id == "ask"
    assert problem.message == "'ask' needs at most 1 Model sub-node (ai_language_model), has 2"


def agent_flow(edges: list[tuple[str, str]]) -> WorkflowSpec:
    """An ai_agent with sub-nodes attached: (sub-node id, kind) pairs; ids starting with `m`
    are models, `t` tools, `mem` memories."""
    agent = {"id": "agent", "type": "ai_agent", "config": {}}
    subs = {ident: {"id": ident, "type": "chat_model", "config": MODEL} for ident, _ in edges}
    return WorkflowSpec.model_validate(
        {
            "id": "wf",
            "nodes": [{"id": "start", "type": "start"}, agent, *subs.values()],
            "edges": [
                {"source": "start", "target": "agent"},
                *(sub_node_edge(ident, "agent", kind) for ident, kind in edges),
            ],
        }
    )


def arity(spec: WorkflowSpec) -> list[str]:
    from app.core.validate_ai import ai_problems

    return [p.message for p in ai_problems(spec) if p.code == "ai_arity"]


def test_an_agent_needs_exactly_one_model() -> None:
    assert arity(agent_flow([])) == [
        "'agent' needs exactly one Model sub-node (ai_language_model), has 0"
    ]
    two = agent_flow([("m1", "ai_language_model"), ("m2", "ai_language_model")])
    assert arity(two) == ["'agent' needs exactly one Model sub-node (ai_language_model), has 2"]


def test_an_agent_takes_any_number_of_tools_and_at_most_one_memory_and_parser() -> None:
    tools = [(f"t{i}", "ai_tool") for i in range(5)]
    assert arity(agent_flow([("m", "ai_language_model"), *tools])) == []
    spec = agent_flow(
        [
            ("m", "ai_language_model"),
            ("mem1", "ai_memory"),
            ("mem2", "ai_memory"),
            ("p1", "ai_output_parser"),
            ("p2", "ai_output_parser"),
        ]
    )
    assert arity(spec) == [
        "'agent' needs at most 1 Memory sub-node (ai_memory), has 2",
        "'agent' needs at most 1 Output parser sub-node (ai_output_parser), has 2",
    ]


SEED_KINDS = {
    "AI_LANGUAGE_MODEL": "ai_language_model",
    "AI_TOOL": "ai_tool",
    "AI_MEMORY": "ai_memory",
    "AI_OUTPUT_PARSER": "ai_output_parser",
    "AI_RETRIEVER": "ai_retriever",
    "AI_EMBEDDING": "ai_embedding",
    "AI_TEXT_SPLITTER": "ai_text_splitter",
    "AI_VECTOR_STORE": "ai_vector_store",
    "AI_DOCUMENT": "ai_document",
}


def seed002(connections: dict[str, Any], extra_nodes: list[str]) -> dict[str, Any]:
    nodes = [
        {"id": "agent", "name": "Agent", "type": "AI_AGENT_NODE", "subtype": "ROUTER_AGENT"},
        *(
            {"id": f"s{i}", "name": name, "type": "TOOL_NODE", "subtype": "MCP"}
            for i, name in enumerate(extra_nodes)
        ),
    ]
    return {"id": "ai", "name": "AI", "nodes": nodes, "connections": {"connections": connections}}


def test_seed002_ai_connections_become_sub_node_edges_either_way_round() -> None:
    names = [f"Sub {kind}" for kind in SEED_KINDS]
    # Written from the agent to each sub-node, as seed 002's own example does...
    from_agent = {
        "Agent": {
            "connection_types": {
                kind.lower(): {"connections": [{"node": name, "type": kind, "index": 0}]}
                for kind, name in zip(SEED_KINDS, names, strict=True)
            }
        }
    }
    # ...and from each sub-node to the agent, as n8n does.
    to_agent = {
        name: {
            "connection_types": {
                kind.lower(): {"connections": [{"node": "Agent", "type": kind, "index": 0}]}
            }
        }
        for kind, name in zip(SEED_KINDS, names, strict=True)
    }
    for table in (from_agent, to_agent):
        result = convert_workflow(seed002(table, names))
        got = [(e.source, e.source_port, e.target, e.target_port) for e in result.spec.edges]
        assert got == [(f"s{i}", port, "agent", port) for i, port in enumerate(SEED_KINDS.values())]
        assert result.notes == ()


def test_seed002_ai_kinds_without_a_ren_port_stay_notes() -> None:
    table = {
        "Agent": {
            "connection_types": {
                "ai_reranker": {"connections": [{"node": "R", "type": "AI_RERANKER", "index": 0}]}
            }
        }
    }
    result = convert_workflow(seed002(table, ["R"]))
    assert result.spec.edges == []
    (note,) = result.notes
    assert "AI_RERANKER connection 'Agent' -> \"R\"" in note
