"""Draft saves are compare-and-set on the draft's revision: a save from a stale copy (another
editor tab saved meanwhile, an import, `ren`) raises DraftChanged and writes nothing."""

from __future__ import annotations

import pytest

from app.core.dsl import WorkflowSpec
from app.engine.service import Engine
from app.engine.workflows import DraftChanged, NotFound
from tests.conftest import chain_workflow


def spec(name: str, *nodes: dict[str, str]) -> WorkflowSpec:
    doc = chain_workflow(*nodes)
    doc["name"] = name
    return WorkflowSpec.model_validate(doc)


def stored(engine: Engine) -> tuple[str, int, float]:
    row = engine.store.rows("SELECT name, revision, updated_at FROM workflow WHERE id='wf'")[0]
    return row["name"], row["revision"], row["updated_at"]


async def test_a_save_from_the_current_revision_writes_and_returns_the_next(
    engine: Engine,
) -> None:
    engine.workflows.save(spec("First"), "wf")
    loaded = engine.workflows.load("wf")
    assert loaded.spec.name == "First"
    assert loaded.revision == engine.workflows.revision("wf") == 1
    new = engine.workflows.save_draft(spec("Second", {"type": "noop"}), "wf", loaded.revision)
    assert new == 2 == engine.workflows.revision("wf")
    assert engine.workflows.draft("wf").name == "Second"
    again = engine.workflows.save_draft(spec("Third"), "wf", new)  # the next save builds on it
    assert again == 3
    assert engine.workflows.draft("wf").name == "Third"


async def test_a_save_from_a_stale_revision_raises_and_changes_nothing(engine: Engine) -> None:
    engine.workflows.save(spec("Mine"), "wf")
    tab_a = engine.workflows.load("wf")
    tab_b = engine.workflows.load("wf")
    engine.workflows.save_draft(spec("From tab B", {"type": "noop"}), "wf", tab_b.revision)
    before = stored(engine)
    with pytest.raises(DraftChanged) as caught:
        engine.workflows.save_draft(spec("From tab A"), "wf", tab_a.revision)
    assert (caught.value.expected, caught.value.current) == (1, 2)
    assert "changed elsewhere" in str(caught.value)
    assert stored(engine) == before  # not even updated_at moved
    assert engine.workflows.draft("wf").name == "From tab B"
    assert [n.id for n in engine.workflows.draft("wf").nodes] == ["start", "n1", "end"]


async def test_plain_saves_imports_and_ren_move_the_revision_too(engine: Engine) -> None:
    engine.workflows.save(spec("One"), "wf")
    editor = engine.workflows.load("wf")
    engine.import_workflow(chain_workflow(wid="wf"), publish=False)  # what `ren import` does
    assert engine.workflows.revision("wf") == editor.revision + 1
    with pytest.raises(DraftChanged):
        engine.workflows.save_draft(spec("Editor"), "wf", editor.revision)


async def test_publishing_leaves_the_revision(engine: Engine) -> None:
    """Publishing freezes the draft without changing it, so an open editor can keep saving
    (updated_at moves with it, which is why the editor does not compare that)."""
    engine.workflows.save(spec("One"), "wf")
    editor = engine.workflows.load("wf")
    _, _, updated = stored(engine)
    published = engine.workflows.publish("wf", "first")
    assert published.number == 1
    _, revision, updated_after = stored(engine)
    assert revision == editor.revision
    assert updated_after >= updated
    assert engine.workflows.save_draft(spec("Two"), "wf", editor.revision) == editor.revision + 1


async def test_saving_a_missing_workflow_says_not_found(engine: Engine) -> None:
    with pytest.raises(NotFound):
        engine.workflows.save_draft(spec("Ghost"), "nope", 1)
    with pytest.raises(NotFound):
        engine.workflows.revision("nope")
