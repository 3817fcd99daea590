"""Bad workflow files are refused with a message naming what and where, never a traceback:
JSON nested too deeply, lone surrogates, params schemas that are not JSON Schema or reach out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.core.dsl import WorkflowFormatError, parse_json_text, read_json_file
from app.core.importers import import_workflow
from app.core.json_shape import MAX_DEPTH
from app.core.params_schema import params_problems, schema_error
from app.core.validate import validate
from app.nodes.catalog import default_catalog
from app.nodes.functions import FunctionRegistry


def flow(**extra: Any) -> dict[str, Any]:
    return {
        "schema": "ren.workflow/1",
        "name": "flow",
        "nodes": [{"id": "start", "type": "start"}, {"id": "end", "type": "end"}],
        "edges": [{"source": "start", "target": "end"}],
        **extra,
    }


def test_a_file_nested_100000_deep_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(WorkflowFormatError) as caught:
        read_json_file(path)
    assert str(caught.value) == (
        f"{path}: the JSON is nested too deeply (more than {MAX_DEPTH} levels of objects and lists)"
    )


def test_nesting_under_the_parsers_limit_is_refused_before_the_importers_walk_it() -> None:
    deep: Any = "leaf"
    for _ in range(MAX_DEPTH + 1):
        deep = {"x": deep}
    doc = parse_json_text(f'{{"schema": "ren.workflow/1", "description": {json.dumps(deep)}}}')
    with pytest.raises(WorkflowFormatError, match="nested too deeply"):
        import_workflow(doc, "flow.json")
    for seed_like in ({"nodes": [{"id": "a", "data": deep}], "edges": []}, [deep]):
        with pytest.raises(WorkflowFormatError, match="nested too deeply"):
            import_workflow(seed_like, "flow.json")


def test_a_lone_surrogate_is_named_by_node_and_field(tmp_path: Path) -> None:
    path = tmp_path / "names.json"
    path.write_text(
        '{"schema": "ren.workflow/1", "nodes": [{"id": "start", "type": "start"}, '
        '{"id": "end", "type": "end", "name": "bad \\ud800 name"}], '
        '"edges": [{"source": "start", "target": "end"}]}',
        encoding="utf-8",
    )
    with pytest.raises(WorkflowFormatError) as caught:
        import_workflow(read_json_file(path), str(path))
    (problem,) = caught.value.problems
    assert problem.startswith(
        "nodes[1] (id 'end').name: \"bad \\ud800 name\" holds a lone surrogate"
    )


def test_a_surrogate_in_a_key_or_a_seed_document_is_named_too() -> None:
    doc = flow()
    doc["nodes"][1]["config"] = {"\udfff": 1}
    with pytest.raises(WorkflowFormatError, match=r"nodes\[1\] \(id 'end'\)\.config: the key"):
        import_workflow(doc, "flow.json")
    seed = {"nodes": [{"id": "a", "type": "start", "data": {"label": "x\ud800"}}], "edges": []}
    with pytest.raises(WorkflowFormatError, match=r"nodes\[0\] \(id 'a'\)\.data\.label"):
        import_workflow(seed, "seed.json")


def test_a_surrogate_pair_is_valid_text() -> None:
    spec = import_workflow(
        parse_json_text('{"schema": "ren.workflow/1", "name": "\\ud83d\\ude00"}')
    )
    assert spec.name == "😀"


@pytest.mark.parametrize(
    ("params", "field", "text"),
    [
        ({"type": "nonsense"}, "params.type", "not a valid JSON Schema"),
        (
            {"properties": {"a": {"minimum": "low"}}},
            "params.properties.a.minimum",
            "'low' is not of type",
        ),
        (
            {"properties": {"a": {"$ref": "http://127.0.0.1:9/a.json"}}},
            "params.properties.a",
            "$ref 'http://127.0.0.1:9/a.json' points outside the schema",
        ),
        ({"$ref": "other.json#/x"}, "params", "$ref 'other.json#/x' points outside"),
        (
            {"properties": {"a": {"$ref": "#/$defs/none"}}},
            "params.properties.a",
            "points to nothing",
        ),
    ],
)
def test_a_broken_params_schema_is_a_validation_problem(
    params: dict[str, Any], field: str, text: str
) -> None:
    spec = import_workflow(flow(params=params))
    problems = validate(spec, default_catalog(), FunctionRegistry())
    assert [p.field for p in problems] == [field]
    assert text in problems[0].message
    assert schema_error(params) is not None  # and a run refuses it with that line


def test_local_references_and_plain_schemas_pass() -> None:
    params = {
        "type": "object",
        "$defs": {"amount": {"type": "number", "minimum": 0}},
        "properties": {"a": {"$ref": "#/$defs/amount"}, "b": {"type": "string"}},
    }
    assert params_problems(params) == []
    assert params_problems({}) == []
    assert schema_error(params) is None
