"""What the inbox, task, schedules and run-control tests share: workflows with human tasks,
and waiting for the app to catch up."""

from __future__ import annotations

import asyncio
from typing import Any

from app.engine.service import Engine
from app.ui import runtime
from tests.ui.conftest import EXAMPLES


def engine() -> Engine:
    return runtime.engine()


async def wait_for(condition: Any, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


def human_task(
    wid: str, config: dict[str, Any], name: str | None = None, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """start -> one human task (each outcome leads to end) -> end, as a ren.workflow/1 doc."""
    outcomes = [o if isinstance(o, str) else o["name"] for o in config.get("outcomes", ["submit"])]
    return {
        "schema": "ren.workflow/1",
        "id": wid,
        "name": name or wid,
        "params": params or {},
        "nodes": [
            {"id": "start", "type": "start"},
            {"id": "ask", "type": "human_task", "config": config},
            {"id": "end", "type": "end"},
        ],
        "edges": [{"source": "start", "target": "ask"}]
        + [{"source": "ask", "source_port": o, "target": "end"} for o in outcomes],
    }


async def start_task(doc: dict[str, Any], run_input: Any = None) -> tuple[str, str]:
    """Import and publish `doc`, run it until it waits: (run id, its task's id)."""
    eng = engine()
    eng.import_workflow(doc)
    run = await eng.run(str(doc["id"]), run_input or {})
    assert run.status == "waiting", run.error
    (task,) = [t for t in eng.tasks.open_tasks() if t["run_id"] == run.id]
    return run.id, str(task["id"])


async def expense(who: str = "Ana", amount: float = 120) -> tuple[str, str]:
    """An expense approval run waiting on its manager: (run id, task id)."""
    eng = engine()
    eng.import_workflow(EXAMPLES / "expense_approval.json")
    run = await eng.run("expense-approval", {"who": who, "amount": amount})
    assert run.status == "waiting", run.error
    (task,) = [t for t in eng.tasks.open_tasks() if t["run_id"] == run.id]
    return run.id, str(task["id"])


FIVE = ["Shoes", "Bags", "Hats", "Belts", "Scarves"]

EVERY_FIELD: list[dict[str, Any]] = [
    {
        "name": "summary",
        "type": "text",
        "label": "Short summary",
        "required": True,
        "max": 20,
        "help": "One line is enough.",
        "placeholder": "e.g. Looks good",
    },
    {"name": "notes", "type": "long_text", "label": "Notes", "default": "first line"},
    {"name": "price", "type": "number", "label": "Price", "min": 0, "max": 100, "default": 9.5},
    {"name": "count", "type": "integer", "label": "Photos", "min": 1, "default": 4},
    {"name": "online", "type": "yes_no", "label": "Online?", "default": True},
    {
        "name": "quality",
        "type": "choice",
        "label": "Quality",
        "required": True,
        "choices": [{"value": "good", "label": "Good"}, {"value": "bad", "label": "Bad"}],
    },
    {"name": "category", "type": "choice", "label": "Category", "choices": FIVE, "default": "Hats"},
    {
        "name": "issues",
        "type": "multi_choice",
        "label": "Problems",
        "choices": ["Blurry", "Dark"],
        "default": ["Dark"],
    },
    {"name": "tags", "type": "multi_choice", "label": "Tags", "choices": FIVE, "max": 2},
    {
        "name": "day",
        "type": "date",
        "label": "Day",
        "min_date": "2026-01-01",
        "default": "2026-05-04",
    },
    {"name": "at", "type": "datetime", "label": "At", "default": "2026-05-04T10:30:00"},
    {"name": "mail", "type": "email", "label": "Email"},
    {"name": "site", "type": "url", "label": "Site"},
    {
        "name": "code",
        "type": "text",
        "label": "Shelf code",
        "pattern": "[A-Z]{2}-[0-9]{3}",
        "placeholder": "AB-123",
    },
]


def every_field_task() -> dict[str, Any]:
    return human_task(
        "every-field",
        {
            "title": "Check the photos",
            "description": "Look at every photo.",
            "assignee": "maria",
            "fields": EVERY_FIELD,
            "outcomes": [
                {"name": "ok", "label": "Looks good", "style": "positive"},
                {"name": "redo", "label": "Needs work", "style": "negative"},
                {"name": "later", "label": "Later", "style": "neutral"},
            ],
        },
        name="Photo check",
    )
