"""What a new user tripped over, without developer words: a form field's type says "yes/no"
and "long text" (stored as yes_no and long_text), and a step's times read as times."""

from __future__ import annotations

import asyncio
from datetime import datetime

from nicegui.testing import User

from app.core.diff import diff_specs
from app.core.dsl import WorkflowSpec
from app.core.problems import Problem
from app.ui import runtime
from app.ui.editor.fields import choice_label
from app.ui.editor.problems_panel import field_words, where
from app.ui.editor.versions import readable
from app.ui.flow_editor import FlowEditor
from app.ui.pages.run_step_panel import times_in

WID = "papercuts"


def test_built_in_choices_in_words_and_any_other_as_it_is() -> None:
    assert choice_label("yes_no") == "yes/no"
    assert choice_label("long_text") == "long text"
    assert choice_label("multi_choice") == "multiple choice"
    assert choice_label("eu_west") == "eu_west"  # e.g. a function's own Literal value


def test_times_in_a_step_output_are_found_by_their_at_fields() -> None:
    answer = {
        "outcome": "approve",
        "values": {"amount": 1796531111, "decided_at": 1796531111.73},
        "completed_by": "ana",
        "completed_at": 1796531111.73,
        "seen_at": 12,  # too small to be a time
        "created_at": True,
    }
    assert times_in(answer) == [
        ("values.decided_at", 1796531111.73),
        ("completed_at", 1796531111.73),
    ]
    assert times_in([1, 2]) == [] and times_in(None) == []
    assert datetime.fromtimestamp(times_in(answer)[1][1]).year == 2026


async def test_the_form_designer_shows_field_types_in_words(editor_user: User) -> None:
    doc = {
        "name": "Papercuts",
        "nodes": [
            {"id": "start", "type": "start"},
            {
                "id": "ask",
                "type": "human_task",
                "config": {"title": "Ok?", "fields": [{"name": "ok", "type": "yes_no"}]},
            },
        ],
        "edges": [{"source": "start", "target": "ask"}],
    }
    runtime.engine().workflows.save(WorkflowSpec.model_validate(doc), WID)
    await editor_user.open(f"/workflows/{WID}")
    editor_user.find(FlowEditor).trigger("selection", {"nodes": ["ask"], "edges": []})
    await editor_user.should_see(marker="field-fields[0].type")
    (select,) = editor_user.find(marker="field-fields[0].type").elements
    assert select.value == "yes_no"
    assert select.options["yes_no"] == "yes/no" and select.options["long_text"] == "long text"
    select.set_value("long_text")
    for _ in range(100):  # autosaved a moment later, as stored
        fields = runtime.engine().workflows.draft(WID).nodes[1].config["fields"]
        if fields[0]["type"] == "long_text":
            break
        await asyncio.sleep(0.05)
    assert fields[0]["type"] == "long_text"


def test_the_problem_list_says_where_in_the_forms_words() -> None:
    spec = WorkflowSpec.model_validate(
        {
            "nodes": [
                {"id": "start", "type": "start"},
                {"id": "ask", "type": "human_task", "name": "Approve", "config": {"title": "x"}},
            ],
            "edges": [{"source": "start", "target": "ask"}],
        }
    )
    field = Problem("bad_config", "Field 1: name is required", "ask", field="config.fields.0.name")
    assert where(field, spec) == "Approve (ask) · Field 1 · name"
    port = Problem("unconnected_outcome", "…", "ask", field="outputs.reject")
    assert where(port, spec) == "Approve (ask) · output reject"
    edge = Problem("bad_edge", "…", edge_id=spec.edges[0].id)
    assert where(edge, spec) == "Connection start → Approve"  # names, where given
    assert field_words("config.cases.2.value") == "Case 3 · value"


def test_the_versions_view_says_what_changed_inside_maps_and_lists_in_words() -> None:
    old = WorkflowSpec.model_validate(
        {
            "nodes": [
                {"id": "start", "type": "start"},
                {"id": "book", "type": "set", "name": "Book", "config": {"values": {"a": 1}}},
                {
                    "id": "ask",
                    "type": "human_task",
                    "config": {"title": "x", "outcomes": [{"name": "approve"}]},
                },
            ],
            "edges": [],
        }
    )
    new = old.model_copy(deep=True)
    new.params = {
        "type": "object",
        "properties": {"amount": {"type": "integer"}},
        "required": ["amount"],
    }
    new.nodes[1].config["values"] = {"a": 2, "approved_amount": "{{ params.amount }}"}
    new.nodes[2].config["outcomes"] = [{"name": "approve"}, {"name": "reject"}]
    lines = dict(readable(c) for c in diff_specs(old, new).changes)
    assert lines["Workflow run input changed"] == ["amount (integer, required) added"]
    assert lines["Node 'Book' (book): config values changed"] == [
        "a: 1 → 2",
        "approved_amount added: '{{ params.amount }}'",
    ]
    assert lines["Node 'ask': config outcomes changed"] == ["reject added"]
    assert not any('{"' in h or any('{"' in d for d in ds) for h, ds in lines.items())
