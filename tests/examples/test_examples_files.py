"""examples/invoice_filer.json and examples/nightly_cleanup.json, as they ship, on a real engine
and real folders: `~` is a home folder inside the test's temporary folder."""

from __future__ import annotations

import asyncio
import datetime
import gzip
import json
import os
import time
from pathlib import Path

from app.engine.service import Engine
from app.store.schema import Run
from tests.examples.helpers import example, node, user_home
from tests.flows import publish_reviewed
from tests.ren_cli import run_ren

__all__ = ["user_home"]  # the fixture, used by name

WAIT_S = 30.0  # an upper bound only: the test waits for runs, never for time
DAY_S = 86400


async def run_for(engine: Engine, wid: str, name: str) -> Run:
    """The ended run the file trigger started for the file `name`."""

    async def poll() -> Run:
        while True:
            for run in engine.list_runs(limit=100):
                ended = run.status not in ("running", "queued")
                if run.workflow_id == wid and run.input["name"] == name and ended:
                    return run
            await asyncio.sleep(0.05)

    return await asyncio.wait_for(poll(), WAIT_S)


async def test_invoices_dropped_in_the_inbox_are_filed_by_month(
    engine: Engine, user_home: Path
) -> None:
    inbox = user_home / "Invoices" / "inbox"
    inbox.mkdir(parents=True)
    march = user_home / "Invoices" / "2026" / "03"
    march.mkdir(parents=True)
    (march / "acme-0042.pdf").write_bytes(b"filed in March")
    doc = example("invoice_filer.json")
    node(doc, "inbox")["config"]["debounce_s"] = 0.2  # the test need not wait the 2 s
    wid = publish_reviewed(engine, doc)
    await engine.file_watches.refresh()
    await engine.file_watches.ready()

    (inbox / "acme-0051.pdf").write_bytes(b"%PDF-1.7 invoice 51")
    (inbox / "notes.txt").write_text("not an invoice")
    run = await run_for(engine, wid, "acme-0051.pdf")
    assert run.status == "succeeded", run.error
    stamp = datetime.datetime.fromisoformat(run.input["modified"])
    filed = user_home / "Invoices" / stamp.strftime("%Y/%m") / "acme-0051.pdf"
    assert filed.read_bytes() == b"%PDF-1.7 invoice 51"
    assert run.output == {"invoice": "acme-0051.pdf", "filed_as": str(filed)}
    (note,) = engine.tasks.notifications.latest()
    assert note["title"] == "Invoice filed"
    assert note["message"] == f"acme-0051.pdf is now in {filed}"

    # a scan from March moved into the inbox (mv keeps its date) goes to March, under a new
    # name next to the invoice of that name already filed there
    scan = aged(user_home / "acme-0042.pdf", "%PDF-1.7 scanned in March", 0)
    march_15 = datetime.datetime(2026, 3, 15, 12, tzinfo=datetime.UTC).timestamp()
    os.utime(scan, (march_15, march_15))
    scan.rename(inbox / "acme-0042.pdf")
    run = await run_for(engine, wid, "acme-0042.pdf")
    assert run.status == "succeeded", run.error
    assert (march / "acme-0042 (1).pdf").read_text() == "%PDF-1.7 scanned in March"
    assert (march / "acme-0042.pdf").read_bytes() == b"filed in March"
    assert sorted(p.name for p in inbox.iterdir()) == ["notes.txt"]


def aged(path: Path, text: str, days: float) -> Path:
    path.write_text(text)
    then = time.time() - days * DAY_S
    os.utime(path, (then, then))
    return path


async def test_the_nightly_cleanup_compresses_old_logs_and_trashes_old_archives(
    engine: Engine, user_home: Path
) -> None:
    logs = user_home / "app" / "logs"
    logs.mkdir(parents=True)
    aged(logs / "old.log", "ten days ago\n", 10)
    aged(logs / "new.log", "yesterday\n", 1)
    aged(logs / "ancient.log.gz", "forty days ago", 40)
    aged(logs / "recent.log.gz", "five days ago", 5)
    aged(logs / "other.txt", "not a log", 90)
    wid = publish_reviewed(engine, example("nightly_cleanup.json"))
    run = await engine.run(wid, {"folder": "~/app/logs", "days": 7, "keep_days": 30})
    assert run.status == "succeeded", run.error
    assert run.output == {"compressed": 1, "trashed": 1}
    assert sorted(p.name for p in logs.iterdir()) == [
        "new.log",
        "old.log.gz",
        "other.txt",
        "recent.log.gz",
    ]
    assert gzip.decompress((logs / "old.log.gz").read_bytes()) == b"ten days ago\n"
    trash = user_home / ".local" / "share" / "Trash" / "files"
    assert [p.name for p in trash.iterdir()] == ["ancient.log.gz"]


async def test_the_cleanup_refuses_a_folder_that_is_not_there(
    engine: Engine, user_home: Path
) -> None:
    wid = publish_reviewed(engine, example("nightly_cleanup.json"))
    run = await engine.run(wid, {"folder": "~/no-such-folder", "days": 7, "keep_days": 30})
    assert run.status == "failed"
    assert "no-such-folder" in str(run.error)


def test_the_cleanup_runs_from_a_terminal_as_examples_readme_says(
    tmp_path: Path, user_home: Path
) -> None:
    logs = user_home / "app" / "logs"
    logs.mkdir(parents=True)
    aged(logs / "old.log", "ten days ago\n", 10)
    params = {"folder": "~/app/logs", "days": 7, "keep_days": 30}
    done = run_ren(
        tmp_path / "ren-home",
        "run",
        "examples/nightly_cleanup.json",
        "--input",
        json.dumps(params),
        "--json",
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["output"] == {"compressed": 1, "trashed": 0}
    assert sorted(p.name for p in logs.iterdir()) == ["old.log.gz"]
