"""NodeType.output_schema: what the data panel shows for a node that has not run yet."""

from __future__ import annotations

from typing import TypedDict

from pydantic import BaseModel

from app.nodes.data import SetNode
from app.nodes.function import FunctionNode
from app.nodes.functions import FunctionRegistry
from app.nodes.human_task import HumanTaskNode
from app.nodes.start import StartNode


class Totals(TypedDict):
    total: int
    label: str


class Verdict(BaseModel):
    ok: bool


def totals(state: dict[str, object]) -> Totals:
    return {"total": 1, "label": "x"}


def verdict(state: dict[str, object]) -> Verdict:
    return Verdict(ok=True)


def plain(state: dict[str, object]) -> dict[str, object]:
    return {}


def test_a_human_task_outputs_its_outcome_and_its_form_values_by_type() -> None:
    node = HumanTaskNode()
    config = node.parse_config(
        {
            "title": "Approve",
            "fields": [
                {"name": "amount", "type": "integer"},
                {"name": "ok", "type": "yes_no"},
                {"name": "note", "type": "long_text"},
            ],
            "outcomes": [{"name": "approve"}, {"name": "reject"}],
        }
    )
    schema = node.output_schema(config)
    assert schema is not None
    assert schema["properties"]["outcome"]["enum"] == ["approve", "reject"]
    assert schema["properties"]["values"]["properties"] == {
        "amount": {"type": "integer"},
        "ok": {"type": "boolean"},
        "note": {"type": "string"},
    }


def test_a_set_node_outputs_its_keys_typed_when_literal() -> None:
    node = SetNode()
    config = node.parse_config(
        {"values": {"n": 3, "label": "x", "amount": "{{ input.amount }}"}, "keep_input": False}
    )
    schema = node.output_schema(config)
    assert schema is not None
    assert schema["properties"] == {
        "n": {"type": "integer"},
        "label": {"type": "string"},
        "amount": {},
    }
    assert schema["additionalProperties"] is False
    kept = node.output_schema(node.parse_config({"values": {"n": 1}}))
    assert kept is not None and kept["additionalProperties"] is True


def test_a_function_outputs_what_its_return_annotation_says() -> None:
    registry = FunctionRegistry()
    for fn in (totals, verdict, plain):
        registry.register(fn.__name__)(fn)
    node = FunctionNode(registry)
    typed = node.output_schema(node.parse_config({"function": "totals"}))
    assert typed is not None and set(typed["properties"]) == {"total", "label"}
    model = node.output_schema(node.parse_config({"function": "verdict"}))
    assert model is not None and model["properties"]["ok"]["type"] == "boolean"
    assert node.output_schema(node.parse_config({"function": "plain"})) is None
    assert node.output_schema(node.parse_config({"function": "missing"})) is None


def test_the_start_node_leaves_its_schema_to_the_workflows_params() -> None:
    node = StartNode()
    assert node.output_schema(node.parse_config({})) is None
