"""Problems in plain words: a node's name with its id, form words for config errors, no
developer markup."""

from __future__ import annotations

from app.core.dsl import WorkflowSpec
from app.core.problems import humane, readable_config_error
from app.core.validate import validate
from app.nodes.catalog import default_catalog
from app.nodes.functions import FunctionRegistry


def problems_of(doc: dict[str, object]) -> dict[str | None, str]:
    spec = WorkflowSpec.model_validate(doc)
    found = validate(spec, default_catalog(load_packs=False), FunctionRegistry())
    return {p.field: str(p) for p in found if p.node_id == "ask"}


def test_config_errors_use_the_forms_words_and_the_nodes_name() -> None:
    found = problems_of(
        {
            "nodes": [
                {"id": "start", "type": "start"},
                {
                    "id": "ask",
                    "type": "human_task",
                    "name": "Ask the manager",
                    "config": {
                        "title": "x",
                        "fields": [{"type": "text"}, {"name": "a", "type": "number", "min": "x"}],
                    },
                },
            ],
            "edges": [{"source": "start", "target": "ask"}],
        }
    )
    assert found == {
        "config.fields.0.name": "node Ask the manager [ask] config.fields.0.name: "
        "Field 1: name is required",
        "config.fields.1.min": "node Ask the manager [ask] config.fields.1.min: "
        "Field 2: min should be a number",
    }


def test_backticks_are_not_shown() -> None:
    found = problems_of(
        {
            "nodes": [
                {"id": "start", "type": "start"},
                {"id": "ask", "type": "foreach", "config": {"items": "input.rows +"}},
                {"id": "body", "type": "log", "parent": "ask", "config": {"message": "x"}},
            ],
            "edges": [{"source": "start", "target": "ask"}],
        }
    )
    assert found and all("`" not in text for text in found.values())


def test_humane_and_readable_config_errors() -> None:
    assert humane("e.g. `input.products`") == "e.g. 'input.products'"
    assert (
        readable_config_error(("cases", 2, "port"), "Field required") == "Case 3: port is required"
    )
    assert readable_config_error((), "Value error, mode 'x' needs 'y'") == "Mode 'x' needs 'y'"
    assert (
        readable_config_error(("outcomes",), "Extra inputs are not permitted")
        == "outcomes is not a setting of this node"
    )
