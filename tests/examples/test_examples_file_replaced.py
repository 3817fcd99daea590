"""Found while testing the invoice filer: a file deleted and written again at once (how some
programs save, or a filed invoice replaced by one of the same name) reaches the file trigger
as one batch of changes, `added` and `deleted` for the same path, in no order (the batch is a
set). The file being there afterwards means it was replaced: one run for the new file."""

from __future__ import annotations

import asyncio
from pathlib import Path

from app.engine.service import Engine

WAIT_S = 30.0  # an upper bound only


def watch_flow(folder: Path) -> dict[str, object]:
    config = {"folder": str(folder), "pattern": "*.txt", "events": ["created", "changed"]}
    return {
        "schema": "ren.workflow/1",
        "id": "watch",
        "name": "watch",
        "nodes": [
            {"id": "watch", "type": "file_trigger", "config": config | {"debounce_s": 0.3}},
            {"id": "end", "type": "end"},
        ],
        "edges": [{"source": "watch", "target": "end"}],
    }


async def runs_named(engine: Engine, name: str, count: int) -> int:
    async def poll() -> int:
        while True:
            runs = [r for r in engine.list_runs(limit=100) if r.input.get("name") == name]
            if len(runs) >= count:
                return len(runs)
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(poll(), WAIT_S)


async def test_a_file_deleted_and_written_again_at_once_starts_a_run(
    engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    engine.import_workflow(watch_flow(folder))
    await engine.file_watches.refresh()
    await engine.file_watches.ready()
    (folder / "a.txt").write_text("first")
    await runs_named(engine, "a.txt", 1)
    (folder / "a.txt").unlink()
    (folder / "a.txt").write_text("second, longer")
    (folder / "sentinel.txt").write_text("last")
    await runs_named(engine, "sentinel.txt", 1)  # changes before it were handled by now
    runs = [r for r in engine.list_runs(limit=100) if r.input.get("name") == "a.txt"]
    assert len(runs) == 2, [r.input for r in runs]
