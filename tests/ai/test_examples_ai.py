"""The AI examples run against the local OpenAI-compatible stub: their model and embeddings
nodes are pointed at it, everything else is as shipped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.engine.service import Engine
from tests.ai.openai_stub import OpenAIStub, Reply, tool_call
from tests.browser import ROOT


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as server:
        yield server


def example(name: str, stub: OpenAIStub) -> dict[str, Any]:
    doc = json.loads((ROOT / "examples" / name).read_text(encoding="utf-8"))
    for node in doc["nodes"]:
        if node["type"] in ("chat_model", "embeddings"):
            node["config"]["base_url"] = stub.base_url
    return doc


def outputs(engine: Engine, run_id: str) -> dict[str, Any]:
    return {s.node_id: s.output for s in engine.steps(run_id) if s.status == "succeeded"}


async def test_support_triage_routes_a_ticket(engine: Engine, stub: OpenAIStub) -> None:
    stub.script = [Reply('{"queue": "technical", "urgent": true, "summary": "Site down"}')]
    engine.import_workflow(example("ai_support_triage.json", stub))
    run = await engine.run(
        "ai-support-triage", {"customer": "Ann", "ticket": "The shop shows an error 500!"}
    )
    assert run.status == "succeeded", run.error
    assert outputs(engine, run.id)["technical"] == {
        "queue": "technical",
        "urgent": True,
        "summary": "Site down",
    }
    assert "billing" not in outputs(engine, run.id)


async def test_doc_qa_answers_from_the_notes(
    engine: Engine, stub: OpenAIStub, tmp_path: Path
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "returns.md").write_text("Returns are free for thirty days.", encoding="utf-8")
    (notes / "hours.txt").write_text("We open at nine.", encoding="utf-8")
    stub.script = [
        Reply(tool_calls=[tool_call("c1", "search_notes", {"query": "We open at nine."})]),
        Reply("We open at nine (hours.txt)."),
    ]
    engine.import_workflow(example("ai_doc_qa.json", stub))
    params = {"folder": str(notes), "question": "When do you open?"}
    run = await engine.run("ai-doc-qa", params)
    assert run.status == "succeeded", run.error
    out = outputs(engine, run.id)
    assert out["store"]["chunks"] == 2
    assert out["agent"]["text"] == "We open at nine (hours.txt)."
    assert out["agent"]["tool_calls"][0]["result"][0]["doc_id"] == "hours.txt"


async def test_report_is_written_from_the_figures(
    engine: Engine, stub: OpenAIStub, tmp_path: Path
) -> None:
    stub.script = [Reply("# Sales weekly\n\n- Orders up 10%")]
    wid = engine.import_workflow(example("ai_report.json", stub), publish=False)
    assert isinstance(wid, str)  # writing a file: trusted as a person reviewing it would
    engine.workflows.trust.trust_spec(wid, engine.workflows.draft(wid), "review")
    engine.workflows.publish(wid)
    figures = [{"name": "orders", "value": 110, "last_week": 100}]
    run = await engine.run(
        "ai-report", {"team": "Sales", "figures": figures, "folder": str(tmp_path)}
    )
    assert run.status == "succeeded", run.error
    report = tmp_path / "Sales weekly report.md"
    assert report.read_text(encoding="utf-8") == "# Sales weekly\n\n- Orders up 10%"
    assert "orders" in stub.chat_requests()[0]["messages"][-1]["content"]
