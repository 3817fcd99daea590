"""Importers: the seeds' workflow formats (and Ren's own) read into a WorkflowSpec."""

from __future__ import annotations

import copy
import importlib.util
import json
import re
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.core.dsl import (
    NODE_ID_PATTERN,
    EdgeSpec,
    NodeSpec,
    Position,
    RetryPolicy,
    WorkflowFormatError,
    WorkflowSpec,
)
from app.core.importers import (
    X_STEP,
    Y_STEP,
    convert_workflow,
    detect_format,
    import_workflow,
    load_workflow_file,
)
from app.core.validate import validate
from app.nodes.catalog import default_catalog
from app.nodes.functions import REGISTRY, FunctionRegistry

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SEED001 = EXAMPLES / "seed001_product_selection.json"
SEED004 = EXAMPLES / "seed004_amount_approval.json"
SEED002 = EXAMPLES / "seed002_secretary.json"
NATIVE = EXAMPLES / "ren_product_selection.json"
VALID_ID = re.compile(NODE_ID_PATTERN)


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def shape(spec: WorkflowSpec) -> tuple[list[Any], list[Any]]:
    nodes = [(n.id, n.type, n.name, n.config) for n in spec.nodes]
    edges = [(e.id, e.source, e.source_port, e.target, e.target_port, e.when) for e in spec.edges]
    return nodes, edges


def format_error(doc: Any) -> WorkflowFormatError:
    with pytest.raises(WorkflowFormatError) as info:
        import_workflow(doc, source="doc.json")
    return info.value


# --- detection ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [(SEED001, "seed001"), (SEED004, "seed004"), (SEED002, "seed002"), (NATIVE, "ren")],
)
def test_each_example_is_detected(path: Path, expected: str) -> None:
    assert detect_format(load(path)) == expected
    assert convert_workflow(load(path)).format == expected


def test_a_native_document_without_schema_is_native() -> None:
    doc = load(NATIVE)
    del doc["schema"]
    assert detect_format(doc) == "ren"
    assert import_workflow(doc) == load_workflow_file(NATIVE)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], "not a workflow: expected a JSON object with 'nodes' and 'edges'"),
        ("hello", "got a string"),
        ({}, "found keys: none"),
        ({"title": "x", "steps": []}, "found keys: 'title', 'steps'"),
        ({"nodes": {"a": 1}, "edges": []}, "'nodes' is an object"),
        ({"nodes": []}, "found no 'edges'"),
        ({"schema": "ren.workflow/9", "nodes": []}, 'unsupported schema "ren.workflow/9"'),
    ],
)
def test_what_is_not_a_workflow_is_said_clearly(doc: Any, message: str) -> None:
    with pytest.raises(WorkflowFormatError) as info:
        detect_format(doc, source="x.json")
    assert str(info.value).startswith("x.json: ")
    assert message in str(info.value)


def test_mixed_formats_name_where_each_was_seen() -> None:
    doc = {
        "nodes": [{"id": "a", "type": "python", "data": {"codeRef": "f"}}],
        "edges": [{"from": "a", "to": "a"}],
    }
    with pytest.raises(
        WorkflowFormatError, match=r"mixed formats: .*seed 001 \(nodes\[0\]\.data\)"
    ):
        detect_format(doc)
    with pytest.raises(WorkflowFormatError, match=r"seed 004 \(edges\[0\]\.from\)"):
        detect_format(doc)


# --- seed 001 ----------------------------------------------------------------------------------


def test_seed001_example_converts_exactly() -> None:
    result = convert_workflow(load(SEED001))
    assert result.notes == ()
    spec = result.spec
    assert (spec.id, spec.name, spec.description) == (None, "Untitled workflow", "")
    nodes, edges = shape(spec)
    assert nodes == [
        ("start", "start", "", {}),
        ("scrape", "function", "", {"function": "data.scrape_products", "args": {"limit": 1000}}),
        ("check_count", "if", "", {"condition": {">=": [{"var": "product_count"}, 100]}}),
        ("process_images", "function", "", {"function": "image.process_batch", "args": {}}),
        (
            "calculate_similarity",
            "function",
            "",
            {"function": "image.calculate_similarity", "args": {}},
        ),
        ("export_results", "function", "", {"function": "data.export_excel", "args": {}}),
        ("end", "end", "", {}),
    ]
    assert edges == [
        ("e1", "start", "out", "scrape", "in", None),
        ("e2", "scrape", "out", "check_count", "in", None),
        ("e3", "check_count", "true", "process_images", "in", None),
        ("e4", "check_count", "false", "end", "in", None),
        ("e5", "process_images", "out", "calculate_similarity", "in", None),
        ("e6", "calculate_similarity", "out", "export_results", "in", None),
        ("e7", "export_results", "out", "end", "in", None),
    ]


def test_seed001_edge_conditions_labels_handles_and_positions() -> None:
    doc = {
        "nodes": [
            {"id": "start", "type": "start", "position": {"x": 5, "y": 7}},
            {"id": "c", "type": "condition", "data": {"expr": {"var": "ok"}, "label": "OK?"}},
            {
                "id": "p",
                "type": "python",
                "name": "Work",
                "data": {"codeRef": "w", "args": {"n": 1}},
            },
            {"id": "end", "type": "end", "data": {"result": {"done": True}}},
        ],
        "edges": [
            {"id": "s", "source": "start", "target": "c"},
            {"source": "c", "target": "p", "data": {"when": "TRUE"}},
            {"source": "c", "target": "end", "data": {"when": "false"}},
            {"source": "p", "target": "end", "data": {"when": {"==": [{"var": "x"}, 1]}}},
            {"source": "start", "target": "end", "sourceHandle": "out", "targetHandle": "in"},
        ],
    }
    spec = import_workflow(doc)
    nodes, edges = shape(spec)
    assert nodes == [
        ("start", "start", "", {}),
        ("c", "if", "OK?", {"condition": {"var": "ok"}}),
        ("p", "function", "Work", {"function": "w", "args": {"n": 1}}),
        ("end", "end", "", {"result": {"done": True}}),
    ]
    assert edges == [
        ("s", "start", "out", "c", "in", None),
        ("e1", "c", "true", "p", "in", None),
        ("e2", "c", "false", "end", "in", None),
        ("e3", "p", "out", "end", "in", {"==": [{"var": "x"}, 1]}),
        ("e4", "start", "out", "end", "in", None),
    ]
    assert spec.nodes[0].position == Position(x=5, y=7)


# --- seed 004 ----------------------------------------------------------------------------------


def test_seed004_example_converts_exactly() -> None:
    result = convert_workflow(load(SEED004))
    assert result.notes == ()
    spec = result.spec
    assert (spec.id, spec.name) == ("workflow_1", "示例工作流")
    nodes, edges = shape(spec)
    assert nodes == [
        ("node_1", "webhook", "", {"path": "/webhook/123", "method": "POST"}),
        ("node_2", "if", "", {"condition": "data.amount > 1000"}),
        ("node_3", "function", "", {"function": "approve", "args": {}}),
        ("node_4", "function", "", {"function": "reject", "args": {}}),
    ]
    assert edges == [
        ("e1", "node_1", "out", "node_2", "in", None),
        ("e2", "node_2", "true", "node_3", "in", None),
        ("e3", "node_2", "false", "node_4", "in", None),
    ]


def test_seed004_switch_and_conditions_on_other_edges() -> None:
    doc = {
        "nodes": [
            {"id": "hook", "type": "webhook", "config": {"path": "/in"}},
            {"id": "sw", "type": "switch", "config": {"variable": "data.kind", "cases": ["a", 2]}},
            {"id": "act", "type": "action", "config": {"action_name": "handle", "mode": "fast"}},
            {"id": "b", "type": "log", "config": {"message": "two"}},
            {"id": "other", "type": "log", "config": {"message": "other"}},
        ],
        "edges": [
            {"from": "hook", "to": "sw"},
            {"from": "sw", "to": "act", "condition": "a"},
            {"from": "sw", "to": "b", "condition": "2"},
            {"from": "sw", "to": "other"},
            {"from": "act", "to": "b", "condition": "data.kind == 'a'"},
        ],
    }
    nodes, edges = shape(import_workflow(doc))
    assert nodes[1] == (
        "sw",
        "switch",
        "",
        {"value": "data.kind", "cases": [{"value": "a"}, {"value": 2}]},
    )
    assert nodes[2] == ("act", "function", "", {"function": "handle", "args": {"mode": "fast"}})
    assert [(e[1], e[2], e[3], e[5]) for e in edges] == [
        ("hook", "out", "sw", None),
        ("sw", "a", "act", None),
        ("sw", "2", "b", None),
        ("sw", "default", "other", None),
        ("act", "out", "b", "data.kind == 'a'"),
    ]


# --- seed 002 ----------------------------------------------------------------------------------


def test_seed002_example_keeps_ai_nodes_under_their_original_types() -> None:
    result = convert_workflow(load(SEED002))
    spec = result.spec
    assert (spec.id, spec.name) == ("secretary-workflow", "AI Secretary Workflow")
    nodes, edges = shape(spec)
    assert nodes == [
        ("trigger-1", "start", "Manual Trigger", {}),
        (
            "ai-agent-1",
            "AI_AGENT_NODE.ROUTER_AGENT",
            "Secretary AI Agent",
            {
                "model_provider": "openai",
                "model_name": "gpt-4",
                "system_prompt": "你是一个智能秘书助手",
            },
        ),
        ("tool-1", "TOOL_NODE.CALENDAR", "Calendar Tool", {"calendar_id": "primary"}),
    ]
    # The AI_TOOL connection (written agent -> tool) attaches the tool to the agent's tool port.
    assert edges == [
        ("e1", "trigger-1", "out", "ai-agent-1", "in", None),
        ("e2", "tool-1", "ai_tool", "ai-agent-1", "ai_tool", None),
    ]
    # What Ren cannot carry is listed, naming where it was, and kept in the description.
    assert len(result.notes) == 1
    assert result.notes[0].startswith("nodes[0] (id 'trigger-1').parameters.description: ")
    assert all(note in spec.description for note in result.notes)
    # The tool is laid out before the agent it is attached to, like any edge's source.
    tool, agent = spec.node("tool-1"), spec.node("ai-agent-1")
    assert tool is not None and agent is not None and tool.position.x < agent.position.x


def test_seed002_example_validation_names_the_unknown_node_types() -> None:
    problems = validate(load_workflow_file(SEED002), default_catalog(load_packs=False), REGISTRY)
    unknown = {(p.node_id, p.field) for p in problems if p.code == "unknown_node_type"}
    assert unknown == {("ai-agent-1", "type"), ("tool-1", "type")}


def test_seed002_subtypes_map_to_ren_types_and_branch_indexes_to_ports() -> None:
    def node(ident: str, kind: str, subtype: str, **params: Any) -> dict[str, Any]:
        return {
            "id": ident,
            "name": ident.upper(),
            "type": kind,
            "subtype": subtype,
            "parameters": params,
        }

    def main(*targets: tuple[str, int]) -> dict[str, Any]:
        conns = [{"node": t, "type": "MAIN", "index": i} for t, i in targets]
        return {"connection_types": {"main": {"connections": conns}}}

    doc = {
        "nodes": [
            node("hook", "TRIGGER_NODE", "WEBHOOK", path="/x", method="PUT"),
            node("cron", "TRIGGER_NODE", "CRON", cron_expression="0 9 * * *"),
            node("if", "FLOW_NODE", "IF", condition="input.ok"),
            node(
                "sw",
                "FLOW_NODE",
                "SWITCH",
                value="input.k",
                cases=["x", {"value": 1, "port": "one"}],
            ),
            node("code", "ACTION_NODE", "RUN_CODE", code_ref="my.fn", args={"a": 1}),
            node("loop", "FLOW_NODE", "LOOP", items="input.items"),
            node("merge", "FLOW_NODE", "MERGE"),
            node("filter", "FLOW_NODE", "FILTER", condition="item > 1"),
            node("wait", "FLOW_NODE", "WAIT", seconds=5),
            node("http", "ACTION_NODE", "HTTP_REQUEST", url="https://example.com"),
            node("ask", "HUMAN_IN_THE_LOOP_NODE", "SLACK"),
        ],
        "connections": {
            "HOOK": main(("IF", 0)),
            "IF": main(("SW", 0), ("CODE", 1)),
            "SW": main(("LOOP", 0), ("MERGE", 1), ("FILTER", 2)),
            "CODE": main(("MERGE", 0)),
            "MERGE": main(("WAIT", 0)),
        },
    }
    result = convert_workflow(doc)
    types = {n.id: (n.type, n.config) for n in result.spec.nodes}
    assert types == {
        "hook": ("webhook", {"path": "/x", "method": "PUT"}),
        "cron": ("start", {}),
        "if": ("if", {"condition": "input.ok"}),
        "sw": (
            "switch",
            {"value": "input.k", "cases": [{"value": "x"}, {"value": 1, "port": "one"}]},
        ),
        "code": ("function", {"function": "my.fn", "args": {"a": 1}}),
        "loop": ("foreach", {"items": "input.items"}),
        "merge": ("merge", {}),
        "filter": ("filter", {"condition": "item > 1"}),
        "wait": ("wait", {"seconds": 5}),
        "http": ("ACTION_NODE.HTTP_REQUEST", {"url": "https://example.com"}),
        "ask": ("HUMAN_IN_THE_LOOP_NODE.SLACK", {}),
    }
    assert [(e.source, e.source_port, e.target) for e in result.spec.edges] == [
        ("hook", "out", "if"),
        ("if", "true", "sw"),
        ("if", "false", "code"),
        ("sw", "x", "loop"),
        ("sw", "one", "merge"),
        ("sw", "default", "filter"),
        ("code", "out", "merge"),
        ("merge", "out", "wait"),
    ]
    assert result.notes == (
        "nodes[1] (id 'cron').parameters.cron_expression: \"0 9 * * *\" (a CRON trigger becomes "
        "a start node, which has no settings; add a schedule for it)",
    )


# --- broken documents --------------------------------------------------------------------------


def seed001_doc() -> dict[str, Any]:
    return copy.deepcopy(load(SEED001))


def seed004_doc() -> dict[str, Any]:
    return copy.deepcopy(load(SEED004))


def seed002_doc() -> dict[str, Any]:
    return copy.deepcopy(load(SEED002))


def test_seed001_broken_document_names_each_node_edge_and_field() -> None:
    doc = seed001_doc()
    del doc["nodes"][1]["data"]["codeRef"]
    doc["nodes"][2]["data"]["args"] = [1]  # a condition node: kept in its config for validation
    doc["edges"][2]["data"]["when"] = "maybe"
    doc["edges"][6]["target"] = "finish"
    doc["nodes"].append({"id": "scrape", "type": "end"})
    err = format_error(doc)
    assert err.source == "doc.json"
    assert err.problems == [
        "nodes[7] (id 'scrape').id: nodes[1] has the same id",
        "nodes[1] (id 'scrape').data.codeRef: a python node names a registered function, "
        "got nothing",
        "edges[2] ('check_count' -> 'process_images').data.when: an edge leaving condition node "
        "'check_count' is taken when the rule gives true or false, not \"maybe\"",
        "edges[6] ('export_results' -> 'finish').target: no node has the id 'finish'",
    ]
    assert str(err).startswith("doc.json: nodes[7] (id 'scrape').id: nodes[1] has the same id; ")


def test_seed004_broken_document_names_each_node_edge_and_field() -> None:
    doc = seed004_doc()
    doc["nodes"][2]["config"] = {"action": "approve"}
    doc["edges"][1]["condition"] = "yes"
    del doc["edges"][0]["to"]
    doc["nodes"][3]["config"] = "reject"
    err = format_error(doc)
    assert err.problems == [
        "nodes[2] (id 'node_3').config.action_name: an action node names a registered function, "
        "got nothing",
        "nodes[3] (id 'node_4').config: expected an object, got a string",
        "nodes[3] (id 'node_4').config.action_name: an action node names a registered function, "
        "got nothing",
        "edges[0].to: expected a node id, got nothing",
        "edges[1] ('node_2' -> 'node_3').condition: an edge leaving if node 'node_2' takes "
        '"true" or "false", not "yes"',
    ]


def test_seed002_broken_document_names_each_node_connection_and_field() -> None:
    doc = seed002_doc()
    doc["nodes"][1]["type"] = "ACTION_NODE"
    doc["nodes"][1]["subtype"] = "RUN_CODE"
    doc["nodes"][1]["parameters"] = {"function": ""}
    main = doc["connections"]["connections"]["Manual Trigger"]["connection_types"]["main"]
    main["connections"].append({"node": "Nobody", "type": "MAIN", "index": 0})
    doc["connections"]["connections"]["Ghost"] = {"connection_types": {}}
    doc["nodes"][2]["name"] = "Manual Trigger"
    err = format_error(doc)
    where = "connections.connections['Manual Trigger']"
    assert err.problems == [
        "nodes[1] (id 'ai-agent-1').parameters.function: RUN_CODE needs 'function' (or "
        "'code_ref') naming a registered function, or 'code' holding Python",
        f"{where}: 2 nodes are named 'Manual Trigger' (trigger-1, tool-1)",
        f'{where}.connection_types.main.connections[1].node: no node is named "Nobody"',
        "connections.connections['Secretary AI Agent'].connection_types.ai_tool.connections[0]"
        '.node: no node is named "Calendar Tool"',
        "connections.connections['Ghost']: no node is named \"Ghost\"",
    ]


def test_native_broken_document_names_node_and_field() -> None:
    doc = load(NATIVE)
    doc["nodes"][1]["id"] = "1 scrape"
    doc["nodes"][2]["timeout_s"] = -1
    err = format_error(doc)
    assert err.problems[0].startswith("nodes[1] (id '1 scrape').id: String should match pattern")
    assert err.problems[1].startswith("nodes[2] (id 'check_count').timeout_s: ")


def test_load_workflow_file_names_the_file(tmp_path: Path) -> None:
    assert load_workflow_file(SEED004) == import_workflow(load(SEED004))
    bad = tmp_path / "bad.json"
    bad.write_text('{"nodes": [\n  {"id": "a",}\n]}', encoding="utf-8")
    with pytest.raises(WorkflowFormatError, match=r"bad\.json: invalid JSON at line 2"):
        load_workflow_file(bad)
    odd = tmp_path / "odd.json"
    odd.write_text('{"nodes": [{"id": "a", "type": "python", "data": {}}], "edges": []}')
    with pytest.raises(WorkflowFormatError) as info:
        load_workflow_file(odd)
    assert str(info.value).startswith(f"{odd}: nodes[0] (id 'a').data.codeRef: ")


# --- ids and layout ----------------------------------------------------------------------------


def test_invalid_ids_are_rewritten_with_edges_and_names() -> None:
    long_id = "x" * 70
    doc = {
        "nodes": [
            {"id": "1abc", "type": "start"},
            {"id": "has space", "type": "python", "data": {"codeRef": "f"}},
            {"id": "has_space", "type": "python", "data": {"codeRef": "f"}},
            {"id": "抓取", "type": "python", "data": {"codeRef": "f", "label": "Scrape"}},
            {"id": long_id, "type": "python", "data": {"codeRef": "f"}},
            {"id": 7, "type": "end"},
        ],
        "edges": [
            {"source": "1abc", "target": "has space"},
            {"source": "has space", "target": "has_space"},
            {"source": "has_space", "target": "抓取"},
            {"source": "抓取", "target": long_id},
            {"source": long_id, "target": 7},
        ],
    }
    spec = import_workflow(doc)
    assert [(n.id, n.name) for n in spec.nodes] == [
        ("n_1abc", "1abc"),
        ("has_space_2", "has space"),
        ("has_space", ""),
        ("node_4", "Scrape"),
        ("x" * 64, long_id),
        ("n_7", "7"),
    ]
    assert [(e.source, e.target) for e in spec.edges] == [
        ("n_1abc", "has_space_2"),
        ("has_space_2", "has_space"),
        ("has_space", "node_4"),
        ("node_4", "x" * 64),
        ("x" * 64, "n_7"),
    ]
    assert import_workflow(doc) == spec  # deterministic


def test_layout_goes_left_to_right_by_depth_and_keeps_given_positions() -> None:
    doc = {
        "nodes": [
            {"id": "a", "type": "start"},
            {"id": "b", "type": "python", "data": {"codeRef": "f"}},
            {"id": "c", "type": "python", "data": {"codeRef": "f"}, "position": {"x": 240, "y": 0}},
            {"id": "d", "type": "end"},
            {"id": "loose", "type": "end"},
            {"id": "l1", "type": "python", "data": {"codeRef": "f"}},
            {"id": "l2", "type": "python", "data": {"codeRef": "f"}},
        ],
        "edges": [
            {"source": "a", "target": "b"},
            {"source": "a", "target": "c"},
            {"source": "b", "target": "d"},
            {"source": "c", "target": "d"},
            {"source": "l1", "target": "l2"},
            {"source": "l2", "target": "l1"},
        ],
    }
    spec = import_workflow(doc)
    at = {n.id: (n.position.x, n.position.y) for n in spec.nodes}
    assert at == {
        "a": (0, 0),
        "b": (X_STEP, Y_STEP),  # (X_STEP, 0) is taken by c's own position
        "c": (240, 0),
        "d": (2 * X_STEP, 0),
        "loose": (0, Y_STEP),
        "l1": (0, 2 * Y_STEP),  # a cycle reads left to right, its back edge ignored
        "l2": (X_STEP, 2 * Y_STEP),
    }


@pytest.mark.parametrize("path", [SEED001, SEED004, SEED002])
def test_imported_examples_have_distinct_positions_increasing_along_edges(path: Path) -> None:
    spec = load_workflow_file(path)
    points = [(n.position.x, n.position.y) for n in spec.nodes]
    assert len(set(points)) == len(points)
    x = {n.id: n.position.x for n in spec.nodes}
    assert all(x[e.target] > x[e.source] for e in spec.edges)


# --- examples ----------------------------------------------------------------------------------


def test_native_example_is_the_seed001_example_with_names() -> None:
    native, seed = load_workflow_file(NATIVE), load_workflow_file(SEED001)
    assert [(n.id, n.type, n.config, n.position) for n in native.nodes] == [
        (n.id, n.type, n.config, n.position) for n in seed.nodes
    ]
    assert native.edges == seed.edges
    assert native.name == "Product selection" and all(n.name for n in native.nodes)


@pytest.fixture
def example_module() -> Iterator[Any]:
    loaded: list[str] = []

    def load_module(name: str) -> ModuleType:
        before = {f.name for f in REGISTRY}
        spec = importlib.util.spec_from_file_location(f"_ren_example_{name}", EXAMPLES / name)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        loaded.extend({f.name for f in REGISTRY} - before)
        return module

    yield load_module
    for name in loaded:
        REGISTRY.unregister(name)


def test_seed001_example_functions(example_module: Any) -> None:
    mod = example_module("seed001_functions.py")
    scraped = mod.scrape_products({"count": 50}, limit=1000)
    assert scraped["product_count"] == len(scraped["products"]) == 50
    assert set(scraped["products"][0]) == {"id", "title", "price", "image"}
    assert mod.scrape_products({}, limit=1000)["product_count"] == 1000
    images = mod.process_batch(scraped)
    scores = mod.calculate_similarity(images)
    exported = mod.export_excel(scores)
    assert exported["exported"] == len(exported["rows"]) == 50
    assert exported["rows"][0]["similarity"] == 1.0
    assert {"data.scrape_products", "data.export_excel"} <= {f.name for f in REGISTRY}


@pytest.mark.parametrize(
    ("path", "functions"),
    [
        (SEED001, "seed001_functions.py"),
        (NATIVE, "seed001_functions.py"),
        (SEED004, "seed004_functions.py"),
    ],
)
def test_examples_validate_with_their_functions(
    path: Path, functions: str, example_module: Any
) -> None:
    spec = load_workflow_file(path)
    catalog = default_catalog(load_packs=False)
    none = FunctionRegistry()  # not the process-wide one: other tests may have filled it
    assert [p.code for p in validate(spec, catalog, none)].count("bad_config") == len(
        [n for n in spec.nodes if n.type == "function"]
    )  # without the functions, each function node is flagged
    example_module(functions)
    assert validate(spec, catalog, REGISTRY) == []


def test_seed004_example_functions(example_module: Any) -> None:
    mod = example_module("seed004_functions.py")
    state = {"data": {"amount": 1500}}
    assert mod.approve(state) == {"decision": "approved", "amount": 1500}
    assert mod.reject(state) == {"decision": "rejected", "amount": 1500}


# --- properties --------------------------------------------------------------------------------

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
node_ids = st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,12}", fullmatch=True)


@st.composite
def workflows(draw: st.DrawFn) -> WorkflowSpec:
    ids = draw(st.lists(node_ids, max_size=6, unique=True))
    nodes = [
        NodeSpec(
            id=ident,
            type=draw(
                st.sampled_from(["start", "function", "if", "python", "action"])
                | st.text(min_size=1, max_size=8)
            ),
            type_version=draw(st.integers(1, 3)),
            name=draw(st.text(max_size=8)),
            config=draw(st.dictionaries(st.text(max_size=6), json_values, max_size=3)),
            position=Position(x=draw(finite), y=draw(finite)),
            parent=draw(st.none() | st.sampled_from(ids)),
            retry=draw(
                st.none()
                | st.builds(
                    RetryPolicy, max_attempts=st.integers(1, 100), backoff_s=st.floats(0, 1e3)
                )
            ),
            timeout_s=draw(st.none() | st.floats(min_value=0.001, max_value=1e6)),
            on_error=draw(st.sampled_from(["fail", "continue", "pause"])),
        )
        for ident in ids
    ]
    edges = []
    if ids:
        for _ in range(draw(st.integers(0, 6))):
            edges.append(
                EdgeSpec(
                    id=draw(st.sampled_from(["", "", "e1", "edge_x"])),
                    source=draw(st.sampled_from(ids)),
                    source_port=draw(st.sampled_from(["out", "true", "false"])),
                    target=draw(st.sampled_from(ids)),
                    when=draw(
                        st.none()
                        | st.booleans()
                        | st.text(max_size=8)
                        | st.dictionaries(st.text(max_size=4), json_values, max_size=2)
                    ),
                )
            )
    return WorkflowSpec(
        id=draw(st.none() | node_ids),
        name=draw(st.text(max_size=10)),
        description=draw(st.text(max_size=10)),
        params=draw(st.dictionaries(st.text(max_size=5), json_values, max_size=2)),
        timeout_s=draw(st.none() | st.floats(min_value=0.5, max_value=1e6)),
        nodes=nodes,
        edges=edges,
    )


@settings(max_examples=150, deadline=None)
@given(workflows())
def test_native_workflows_survive_a_round_trip(spec: WorkflowSpec) -> None:
    doc = json.loads(json.dumps(spec.to_dict()))
    result = convert_workflow(doc)
    assert (result.format, result.notes) == ("ren", ())
    assert result.spec == spec


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.text(min_size=1, max_size=70), min_size=1, max_size=8, unique=True),
    st.data(),
)
def test_any_seed_ids_become_unique_valid_ids(ids: list[str], data: st.DataObject) -> None:
    pairs = data.draw(st.lists(st.tuples(st.sampled_from(ids), st.sampled_from(ids)), max_size=8))
    doc = {
        "nodes": [{"id": i, "type": "python", "data": {"codeRef": "f"}} for i in ids],
        "edges": [{"source": a, "target": b} for a, b in pairs],
    }
    spec = import_workflow(doc)
    new = [n.id for n in spec.nodes]
    assert len(set(new)) == len(new) and all(VALID_ID.match(i) for i in new)
    rename = dict(zip(ids, new, strict=True))
    assert [(e.source, e.target) for e in spec.edges] == [(rename[a], rename[b]) for a, b in pairs]
    assert all(n.name == old for n, old in zip(spec.nodes, ids, strict=True) if n.id != old)
    points = [(n.position.x, n.position.y) for n in spec.nodes]
    assert len(set(points)) == len(points)


def test_seed002_inline_code_becomes_a_code_node() -> None:
    doc = seed002_doc()
    doc["nodes"][1]["type"] = "ACTION_NODE"
    doc["nodes"][1]["subtype"] = "RUN_CODE"
    doc["nodes"][1]["parameters"] = {"code": "return {'n': len(state)}", "args": {"a": 1}}
    spec = import_workflow(doc, "seed002.json")
    node = spec.node("ai-agent-1")
    assert node is not None and node.type == "code"
    assert node.config == {"code": "return {'n': len(state)}", "args": {"a": 1}}
