"""The Python API: `import_workflow` refuses to replace an existing workflow unless told
(`replace=True`), and integers passed to a run stay integers end to end."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import app
from app.sdk import WorkflowExists

FLOW: dict[str, Any] = {
    "id": "totals",
    "name": "Totals",
    "nodes": [
        {"id": "start", "type": "start"},
        {
            "id": "sum",
            "type": "set",
            "config": {
                "values": {"double": "{{ params.amount * 2 }}", "text": "Total: {{ amount }}"}
            },
        },
    ],
    "edges": [{"source": "start", "target": "sum"}],
}


def test_import_refuses_an_existing_id_unless_replace_is_given(tmp_path: Path) -> None:
    with app.open(tmp_path) as ren:
        first = ren.import_workflow(FLOW)
        assert (first.workflow_id, first.number) == ("totals", 1)
        changed = {**FLOW, "name": "Totals v2"}
        with pytest.raises(WorkflowExists) as refused:
            ren.import_workflow(changed)
        assert "a workflow with id 'totals' already exists ('Totals')" in str(refused.value)
        assert "replace=True" in str(refused.value)
        assert ren.engine.workflows.draft("totals").name == "Totals"  # nothing written
        second = ren.import_workflow(changed, replace=True)
        assert (second.workflow_id, second.number) == ("totals", 2)
        assert ren.engine.workflows.draft("totals").name == "Totals v2"


def test_integers_given_to_the_api_stay_integers(tmp_path: Path) -> None:
    with app.open(tmp_path) as ren:
        ren.import_workflow(FLOW)
        run = ren.run("totals", {"amount": 1500})
        assert run.status == "succeeded"
        assert run.input == {"amount": 1500} and type(run.input["amount"]) is int
        assert run.output == {"amount": 1500, "double": 3000, "text": "Total: 1500"}
        assert type(run.output["double"]) is int
        (start, total) = ren.steps(run.id)
        assert type(start.output["amount"]) is int and type(total.input["amount"]) is int
