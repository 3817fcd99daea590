"""Form building from JSON Schema (node configs, run params) and reading typed text."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.dsl import WorkflowSpec
from app.core.problems import Problem
from app.nodes.catalog import default_catalog
from app.ui.editor.params import (
    ParamRow,
    read_form,
    row_problem,
    rows_from_schema,
    run_fields,
    schema_errors,
    schema_from_rows,
)
from app.ui.editor.schema_form import (
    field_spec,
    loose_text,
    parse_condition,
    parse_loose,
    parse_number,
    schema_fields,
)
from app.ui.editor.views import graph_view, node_view, problems_by_node

CATALOG = default_catalog(load_packs=False)


def kinds(type_name: str) -> dict[str, str]:
    info = CATALOG.lookup(type_name, 1)
    assert info is not None
    return {f.name: f.kind for f in schema_fields(info.config_model.model_json_schema(), type_name)}


def test_every_built_in_node_gets_a_form() -> None:
    assert kinds("if") == {"condition": "condition"}
    assert kinds("switch") == {"value": "expression", "cases": "records"}
    assert kinds("merge") == {"mode": "enum"}
    assert kinds("set") == {"values": "map", "keep_input": "bool"}
    assert kinds("filter") == {"items": "expression", "condition": "expression"}
    assert kinds("foreach") == {"items": "expression", "concurrency": "integer"}
    isolation = {"isolate": "bool", "memory_mb": "integer"}
    assert kinds("function") == {"function": "function", "args": "args"} | isolation
    assert kinds("code") == {"code": "code", "args": "map"} | isolation
    assert kinds("log") == {"message": "template", "level": "enum"}
    assert kinds("end") == {"result": "json"}
    assert kinds("webhook") == {"path": "text", "method": "enum", "max_body_bytes": "integer"}
    for info in CATALOG:  # nodes added later get a form too, whatever their fields
        schema_fields(info.config_model.model_json_schema(), info.type_name)


def test_field_details_from_the_schema() -> None:
    info = CATALOG.lookup("foreach", 1)
    assert info is not None
    concurrency = schema_fields(info.config_model.model_json_schema(), "foreach")[1]
    assert (concurrency.minimum, concurrency.maximum, concurrency.default) == (1, 256, 4)
    assert not concurrency.required and concurrency.label == "Concurrency"
    switch = CATALOG.lookup("switch", 1)
    assert switch is not None
    cases = schema_fields(switch.config_model.model_json_schema(), "switch")[1]
    assert [(f.name, f.kind, f.required) for f in cases.fields] == [
        ("value", "json", True),
        ("port", "text", False),
    ]


@pytest.mark.parametrize(
    ("prop", "kind"),
    [
        ({"type": "array", "items": {"type": "string"}}, "list"),
        ({"type": "array", "items": {"type": "integer"}}, "list"),
        ({"anyOf": [{"type": "string"}, {"type": "null"}]}, "text"),
        ({"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None}, "integer"),
        ({"type": "string", "maxLength": 5000}, "multiline"),
        ({"type": "string", "description": "Expression giving x"}, "expression"),
        ({"type": "string", "x-ren-kind": "template"}, "template"),
        ({"type": "object", "properties": {"a": {}}}, "json"),
        ({"anyOf": [{"type": "string"}, {"type": "integer"}]}, "json"),
        ({}, "json"),
    ],
)
def test_kinds_for_other_shapes(prop: dict[str, Any], kind: str) -> None:
    assert field_spec("x", prop, {}).kind == kind


def test_reading_typed_text() -> None:
    assert parse_loose("12") == 12 and parse_loose("true") is True and parse_loose("") is None
    assert parse_loose("hello") == "hello" and parse_loose('{"a": 1}') == {"a": 1}
    assert loose_text({"a": 1}) == '{"a": 1}' and loose_text("x") == "x" and loose_text(None) == ""
    assert parse_number("3", integer=True) == (3, None)
    assert parse_number("3.5", integer=True) == (None, "enter a whole number")
    assert parse_number("x", integer=False) == (None, "enter a number")
    assert parse_number(" ", integer=False) == (None, None)
    assert parse_condition("true") == (True, None)
    assert parse_condition("input.a > 1") == ("input.a > 1", None)
    value, error = parse_condition("input.a >")
    assert value == "input.a >" and error and "syntax error" in error
    assert parse_condition('{"==": [1, 1]}') == ({"==": [1, 1]}, None)
    assert (parse_condition('{"==": [1')[1] or "").startswith("not valid JSON Logic")
    assert parse_condition("  ")[1] == "enter a condition, e.g. input.amount > 1000"


# ---- run params -------------------------------------------------------------------------------

PARAMS = {
    "type": "object",
    "properties": {
        "amount": {"type": "number", "minimum": 0, "description": "In euros"},
        "count": {"type": "integer"},
        "name": {"type": "string", "default": "x"},
        "kind": {"type": "string", "enum": ["a", "b"]},
        "urgent": {"type": "boolean"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "extra": {"type": "object"},
    },
    "required": ["amount", "kind"],
}


def test_run_form_fields_and_reading() -> None:
    fields = run_fields(PARAMS)
    assert [(f.name, f.kind) for f in fields] == [
        ("amount", "number"),
        ("count", "integer"),
        ("name", "text"),
        ("kind", "enum"),
        ("urgent", "bool"),
        ("tags", "json"),
        ("extra", "json"),
    ]
    raw = {"amount": "12.5", "count": "3", "name": "", "kind": "a", "urgent": True}
    raw |= {"tags": '["x"]', "extra": '{"k": 1}'}
    value, errors = read_form(PARAMS, fields, raw)
    assert errors == {}
    assert value == {
        "amount": 12.5,
        "count": 3,
        "kind": "a",
        "urgent": True,
        "tags": ["x"],
        "extra": {"k": 1},
    }


def test_run_form_names_each_wrong_field() -> None:
    fields = run_fields(PARAMS)
    raw = {"amount": "-1", "count": "1.5", "kind": None, "tags": "[1,", "extra": "[]"}
    _, errors = read_form(PARAMS, fields, raw)
    assert errors["count"] == "enter a whole number"
    assert errors["kind"] == "choose one"
    assert errors["tags"].startswith("not valid JSON")
    assert errors["extra"] == 'enter a JSON object, e.g. {"key": "value"}'
    assert "less than the minimum" in errors["amount"]
    _, errors = read_form(PARAMS, fields, {"kind": "a"})
    assert errors == {"amount": "required: fill this in"}


def test_schema_errors_are_keyed_by_field() -> None:
    assert schema_errors(PARAMS, {"kind": "c", "tags": [1]}) == {
        "amount": "required: fill this in",
        "kind": "'c' is not one of ['a', 'b']",
        "tags": "1 is not of type 'string'",
    }
    assert schema_errors({}, {}) == {}


def test_params_designer_round_trip_keeps_what_it_cannot_show() -> None:
    schema = {
        "type": "object",
        "properties": {
            "amount": {"type": "number", "minimum": 0, "description": "In euros"},
            "kind": {"type": "string", "enum": ["a", "b"], "default": "a"},
            "code": {"type": "string", "pattern": "^[A-Z]+$"},
        },
        "required": ["amount"],
    }
    rows = rows_from_schema(schema)
    assert [(r.name, r.type, r.required) for r in rows] == [
        ("amount", "number", True),
        ("kind", "choice", False),
        ("code", "text", False),
    ]
    assert schema_from_rows(rows) == schema
    assert schema_from_rows([]) == {}
    rows = [ParamRow("a"), ParamRow("a"), ParamRow("1x"), ParamRow("")]
    assert [row_problem(rows, i) for i in range(4)] == [
        "two inputs have this name",
        "two inputs have this name",
        "letters, digits and _ only, not starting with a digit",
        "enter a name",
    ]


# ---- how nodes look on the canvas --------------------------------------------------------------


def spec(doc: dict[str, Any]) -> WorkflowSpec:
    return WorkflowSpec.model_validate(doc)


def test_node_views_ports_summaries_and_groups() -> None:
    s = spec(
        {
            "nodes": [
                {"id": "start", "type": "start", "name": "Start"},
                {"id": "sw", "type": "switch", "config": {"value": "x", "cases": ["a", "b"]}},
                {"id": "bad", "type": "switch", "config": {}},
                {"id": "f", "type": "function", "on_error": "continue"},
                {"id": "loop", "type": "foreach", "config": {"items": "input.items"}},
                {"id": "in", "type": "log", "parent": "loop", "position": {"x": 400, "y": 50}},
                {"id": "odd", "type": "nope"},
            ],
            "edges": [{"source": "start", "target": "sw", "when": "input.ok"}],
        }
    )
    nodes, edges = graph_view(CATALOG, s, {})
    view = {n["id"]: n for n in nodes}
    assert view["start"]["subtitle"] == "run input" and view["start"]["inputs"] == []
    assert [p["name"] for p in view["sw"]["outputs"]] == ["a", "b", "default"]
    assert view["sw"]["subtitle"] == "x"
    assert [p["name"] for p in view["bad"]["outputs"]] == ["out"]  # config not valid yet
    assert [p["name"] for p in view["f"]["outputs"]] == ["out", "error"]
    assert view["f"]["subtitle"] == "Python function"  # unnamed: the type under its id
    assert view["loop"]["group"] and view["loop"]["width"] >= 400 + 220
    assert view["in"]["parent"] == "loop"
    assert view["odd"]["subtitle"] == "unknown type 'nope'" and view["odd"]["icon"]
    assert edges[0]["label"] == "when input.ok"
    assert node_view(CATALOG, s.nodes[1], problems=["p"])["problems"] == ["p"]


def test_problems_become_badges_on_nodes() -> None:
    s = spec(
        {
            "nodes": [{"id": "a", "type": "log"}, {"id": "b", "type": "log"}],
            "edges": [{"id": "e1", "source": "a", "target": "b"}],
        }
    )
    problems = [
        Problem("bad_config", "Field required", "a", field="config.message"),
        Problem("type_mismatch", "gives list", edge_id="e1"),
        Problem("no_start", "no start"),
    ]
    assert problems_by_node(s, problems) == {
        "a": ["message: Field required"],
        "b": ["edge from 'a': gives list"],
    }


def test_a_number_fields_more_leaves_out_date_limits_and_pattern() -> None:
    from app.ui.editor.fields import fits_type

    number = {"name": "amount", "type": "number"}
    assert fits_type("max", number)
    assert not fits_type("min_date", number) and not fits_type("pattern", number)
    assert fits_type("pattern", {"name": "code", "type": "text"})
    assert not fits_type("max", {"name": "day", "type": "date"})
    assert fits_type("pattern", {"name": "n", "type": "number", "pattern": "x"})  # filled: shown
    assert fits_type("anything", {"value": 1})  # records that are not form fields
