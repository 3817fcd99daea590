"""Form triggers on a real engine: which published form answers where, a submission checked
like a task's answers (integers stay integers), one run per submission id, and no form for an
unknown, unpublished or deleted workflow."""

from __future__ import annotations

from typing import Any

import pytest

from app.core.dsl import WorkflowSpec
from app.core.forms import FormInvalid
from app.engine.form_triggers import FormUnavailable, find_form, submit
from app.engine.service import Engine

FIELDS = [
    {"name": "name", "type": "text", "required": True},
    {"name": "seats", "type": "integer", "min": 1, "max": 10, "required": True},
    {"name": "email", "type": "email"},
]


def form_flow(wid: str = "signup", **config: Any) -> dict[str, Any]:
    """form -> set (echo with a computed field) -> end."""
    return {
        "schema": "ren.workflow/1",
        "id": wid,
        "name": "Sign-up",
        "nodes": [
            {"id": "form", "type": "form_trigger", "config": {"fields": FIELDS, **config}},
            {
                "id": "n1",
                "type": "set",
                "config": {"values": {"message": "Booked {{ input.seats }} for {{ input.name }}"}},
            },
            {"id": "end", "type": "end"},
        ],
        "edges": [{"source": "form", "target": "n1"}, {"source": "n1", "target": "end"}],
    }


async def test_a_submission_starts_a_run_with_the_answers(engine: Engine) -> None:
    engine.import_workflow(form_flow())
    form = find_form(engine, "signup")
    run_id = await submit(engine, form, {"name": "Ana", "seats": "3"}, "sub-0001-abcd")
    run = await engine.wait(run_id, timeout=30)
    assert run.status == "succeeded", run.error
    assert run.input == {"name": "Ana", "seats": 3, "email": None}
    assert isinstance(run.input["seats"], int)
    assert run.output["message"] == "Booked 3 for Ana"


async def test_the_same_submission_id_starts_one_run(engine: Engine) -> None:
    engine.import_workflow(form_flow())
    form = find_form(engine, "signup")
    first = await submit(engine, form, {"name": "Ana", "seats": 2}, "double-click-1")
    again = await submit(engine, form, {"name": "Ana", "seats": 2}, "double-click-1")
    other = await submit(engine, form, {"name": "Bo", "seats": 1}, "double-click-2")
    assert first == again != other
    assert len([r for r in engine.list_runs() if r.workflow_id == "signup"]) == 2


async def test_wrong_answers_name_every_field_and_start_nothing(engine: Engine) -> None:
    engine.import_workflow(form_flow())
    form = find_form(engine, "signup")
    with pytest.raises(FormInvalid) as caught:
        await submit(engine, form, {"name": "", "seats": "11", "email": "nope"}, "bad-answers")
    assert set(caught.value.errors) == {"name", "seats", "email"}
    assert engine.list_runs() == []


async def test_forms_at_paths_and_the_missing_ones(engine: Engine) -> None:
    doc = form_flow(path="/team/join/")
    engine.import_workflow(doc)
    assert find_form(engine, "signup", "team/join").node_id == "form"
    with pytest.raises(FormUnavailable):
        find_form(engine, "signup")  # it answers at its path only
    with pytest.raises(FormUnavailable):
        find_form(engine, "nobody")
    engine.import_workflow(form_flow("draft-only"), publish=False)
    with pytest.raises(FormUnavailable):
        find_form(engine, "draft-only")
    engine.delete_workflow("signup")
    with pytest.raises(FormUnavailable):
        find_form(engine, "signup", "team/join")


def test_a_form_without_questions_is_a_problem_before_publishing(engine: Engine) -> None:
    doc = form_flow()
    doc["nodes"][0]["config"] = {"fields": [], "thank_you": "{{ input."}
    problems = engine.validate(WorkflowSpec.model_validate(doc))
    fields = {p.field for p in problems if p.node_id == "form"}
    assert {"config.fields", "config.thank_you"} <= fields
