"""Retrieval on a real engine: documents from a folder are split, embedded (the local stub's
/embeddings) and stored in the data folder; a retriever wired into an agent's tools finds them;
a document added again replaces its chunks; the splitter keeps sizes and overlap."""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.engine.service import Engine
from app.nodes.ai_ports import sub_node_edge
from app.nodes.ai_retrieval_store import document_writes, search
from app.nodes.ai_retrieval_text import split_text
from tests.ai.openai_stub import OpenAIStub, Reply, tool_call
from tests.conftest import chain_workflow


@pytest.fixture
def stub() -> Iterator[OpenAIStub]:
    with OpenAIStub() as server:
        yield server


def embeddings(stub: OpenAIStub, ident: str = "emb") -> dict[str, Any]:
    return {"id": ident, "type": "embeddings", "config": {"base_url": stub.base_url, "model": "e"}}


def ingest_flow(stub: OpenAIStub, folder: Path, chunk_size: int = 60) -> dict[str, Any]:
    flow = chain_workflow(
        {"type": "documents", "config": {"folder": str(folder), "pattern": "*.md"}},
        {"type": "vector_store", "config": {"store": "notes"}},
    )
    flow["nodes"] += [
        embeddings(stub),
        {
            "id": "split",
            "type": "text_splitter",
            "config": {"chunk_size": chunk_size, "overlap": 0},
        },
    ]
    flow["edges"] += [
        sub_node_edge("emb", "n2", "ai_embedding"),
        sub_node_edge("split", "n2", "ai_text_splitter"),
    ]
    return flow


def rows(home: Path) -> list[tuple[str, str, int, str]]:
    with sqlite3.connect(home / "ren.sqlite") as conn:
        return conn.execute(
            "SELECT store, doc_id, chunk, text FROM vector_chunks ORDER BY doc_id, chunk"
        ).fetchall()


async def test_documents_go_into_the_store_and_an_agent_finds_them(
    engine: Engine, home: Path, stub: OpenAIStub, tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text("Refunds take five days.\n\nShipping is free over fifty euros.")
    (folder / "b.md").write_text("Opening hours: nine to five.")
    (folder / "skip.bin").write_bytes(b"\x00\x01")
    engine.import_workflow(ingest_flow(stub, folder, chunk_size=40))
    run = await engine.run("wf", {})
    assert run.status == "succeeded", run.error
    out = engine.steps(run.id)[-1].output
    assert out["store"] == "notes" and out["documents"] == 2 and out["chunks"] == 3
    assert rows(home) == [
        ("notes", "a.md", 0, "Refunds take five days."),
        ("notes", "a.md", 1, "Shipping is free over fifty euros."),
        ("notes", "b.md", 0, "Opening hours: nine to five."),
    ]
    # Added again with other text: the document's chunks are replaced, not doubled.
    (folder / "a.md").write_text("Refunds take five days.")
    assert (await engine.run("wf", {})).status == "succeeded"
    assert [r[1:3] for r in rows(home)] == [("a.md", 0), ("b.md", 0)]

    # An agent searches the store through a retriever on its tools port.
    query = "Opening hours: nine to five."  # the stub embeds by length and character sum
    stub.script = [
        Reply(tool_calls=[tool_call("c1", "search_notes", {"query": query})]),
        Reply("We open at nine."),
    ]
    agent = {
        "id": "wf2",
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "agent", "type": "ai_agent", "config": {"prompt": "When do you open?"}},
            {
                "id": "gpt",
                "type": "chat_model",
                "config": {"base_url": stub.base_url, "model": "m"},
            },
            {"id": "find", "type": "retriever", "config": {"store": "notes", "top_k": 1}},
            embeddings(stub, "emb2"),
        ],
        "edges": [
            {"source": "start", "target": "agent"},
            sub_node_edge("gpt", "agent", "ai_language_model"),
            sub_node_edge("find", "agent", "ai_tool"),
            sub_node_edge("emb2", "find", "ai_embedding"),
        ],
    }
    engine.import_workflow(agent)
    run = await engine.run("wf2", {})
    assert run.status == "succeeded", run.error
    step = next(s for s in engine.steps(run.id) if s.node_id == "agent")
    assert step.output["text"] == "We open at nine."
    (call,) = step.output["tool_calls"]
    (hit,) = call["result"]
    assert hit["text"] == query and hit["doc_id"] == "b.md" and hit["score"] == pytest.approx(1.0)
    offered = stub.chat_requests()[0]["tools"]
    assert [t["function"]["name"] for t in offered] == ["search_notes"]
    answered = stub.chat_requests()[1]["messages"][-1]
    assert answered["role"] == "tool" and json.loads(answered["content"])[0]["doc_id"] == "b.md"


async def test_a_vector_store_without_embeddings_is_refused(
    engine: Engine, stub: OpenAIStub, tmp_path: Path
) -> None:
    from app.engine.workflows import WorkflowInvalid

    flow = ingest_flow(stub, tmp_path)
    flow["edges"] = [e for e in flow["edges"] if e["source"] != "emb"]
    flow["nodes"] = [n for n in flow["nodes"] if n["id"] != "emb"]
    with pytest.raises(WorkflowInvalid, match=r"needs exactly one Embeddings sub-node"):
        engine.import_workflow(flow)


async def test_documents_from_run_data_and_a_missing_folder(engine: Engine, tmp_path: Path) -> None:
    engine.import_workflow(
        chain_workflow({"type": "documents", "config": {"source": "data", "data": "{{ input.t }}"}})
    )
    run = await engine.run(
        "wf", {"t": ["one", {"id": "x", "content": "two", "metadata": {"k": 1}}]}
    )
    assert engine.steps(run.id)[-1].output["documents"] == [
        {"id": "0", "text": "one", "metadata": {}},
        {"id": "x", "text": "two", "metadata": {"k": 1}},
    ]
    bad = await engine.run("wf", {"t": [3]})
    assert bad.status == "failed"
    assert (
        "data[0]: expected a text or an object, got int"
        in engine.steps(bad.id)[-1].error["message"]
    )
    engine.import_workflow(
        chain_workflow({"type": "documents", "config": {"folder": str(tmp_path / "nope")}}, wid="f")
    )
    missing = await engine.run("f", {})
    assert missing.status == "failed"
    assert "no such folder" in engine.steps(missing.id)[-1].error["message"]


def test_search_ranks_by_cosine_and_refuses_other_dimensions(tmp_path: Path) -> None:
    db = tmp_path / "v.sqlite"
    with sqlite3.connect(db) as conn:
        conn.executescript(
            (Path("app/store/migrations/0017_vectors.sql")).read_text(encoding="utf-8")
        )
        rows = [("north", {}, [0.0, 1.0]), ("east", {"k": 1}, [1.0, 0.0]), ("ne", {}, [1.0, 1.0])]
        for sql, params in document_writes("s", "d", rows):
            conn.execute(sql, params)
    found = search(db, "s", [2.0, 0.1], 2)
    assert [f["text"] for f in found] == ["east", "ne"]
    assert found[0]["metadata"] == {"k": 1}
    assert search(db, "other", [1.0, 0.0], 2) == []
    with pytest.raises(ValueError, match="vectors of 2 dimensions but the query has 3"):
        search(db, "s", [1.0, 0.0, 0.0], 2)


def test_split_text_keeps_sizes_and_overlap() -> None:
    text = " ".join(f"word{i:03d}" for i in range(200))
    chunks = split_text(text, 100, 20)
    assert all(len(c) <= 100 for c in chunks)
    assert chunks[0].startswith("word000") and chunks[-1].endswith("word199")
    for before, after in itertools.pairwise(chunks):
        assert after.split()[0] in before  # each chunk starts with the end of the one before
    assert split_text("  ", 100, 0) == []
    assert split_text("a\n\nb", 100, 0) == ["a\n\nb"]
