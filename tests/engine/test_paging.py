"""The runs list and the inbox page on the server: keyset pages over thousands of rows of a real
SQLite file reach every row exactly once, in order, with every filter."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import text

from app.engine.service import Engine
from app.store.paging import (
    NO_DUE,
    Cursor,
    Page,
    RunFilter,
    TaskFilter,
    TaskOrder,
    count_runs_by_status,
    count_runs_matching,
    count_tasks_matching,
    open_task_assignees,
    open_task_workflows,
    run_page,
    task_page,
)
from app.store.reads import RunBrief
from app.store.writes import Batch
from tests.bulk_rows import add_open_task, add_run, ask_workflow, publish_all

RUNS = 3000
TASKS = 1200
T0 = 1_700_000_000.0
STATUSES = ("succeeded", "failed", "canceled", "succeeded", "running")


def fill(engine: Engine) -> None:
    """RUNS runs over three workflows, two to a second (equal creation times test the id
    tie-break); the last TASKS of them wait on an open task."""
    versions = publish_all(engine, (ask_workflow(f"wf{i}", f"Flow {i}") for i in range(3)))
    batch = Batch()
    for n in range(RUNS):
        at = T0 + n // 2
        waiting = n >= RUNS - TASKS
        status = "waiting" if waiting else STATUSES[n % len(STATUSES)]
        run_id = f"r{n:05d}"
        data = json.dumps({"order": n, "customer": "Zoë 50%" if n % 100 == 7 else f"c{n}"})
        add_run(batch, run_id, versions[n % 3], status, at, data)
        if waiting:
            title = f"Approve order {n}" + (" urgent" if n % 50 == 0 else "")
            add_open_task(
                batch,
                run_id,
                at,
                title,
                data=data,
                assignee=(None, "Maria", "bob", "")[n % 4],
                due=None if n % 4 == 0 else T0 + (n % 9) * 3600,
            )
    engine.store.write(batch)


@pytest.fixture
async def filled(engine: Engine) -> Engine:
    fill(engine)
    return engine


def all_pages(fetch: Any) -> tuple[list[Any], int]:
    """Follow the cursors from the first page to the last; (every row, number of pages)."""
    rows: list[Any] = []
    cursor: Cursor | None = None
    pages = 0
    while True:
        page: Page[Any] = fetch(cursor)
        pages += 1
        rows.extend(page.rows)
        if page.next is None:
            return rows, pages
        assert page.rows, "a page with a next cursor has rows"
        cursor = page.next


def expected_runs(engine: Engine, keep: Any) -> list[str]:
    with engine.store.session() as session:
        rows = session.execute(
            text("SELECT id, workflow_id, status, created_at, input FROM run")
        ).all()
    chosen = [r for r in rows if keep(r)]
    chosen.sort(key=lambda r: (r.created_at, r.id), reverse=True)
    return [r.id for r in chosen]


async def test_every_run_is_on_exactly_one_page_newest_first(filled: Engine) -> None:
    with filled.store.session() as session:
        rows, pages = all_pages(lambda c: run_page(session, RunFilter(), c, limit=50))
        total = count_runs_matching(session, RunFilter())
    ids = [b.id for b in rows]
    assert ids == expected_runs(filled, lambda r: True)
    assert len(ids) == len(set(ids)) == RUNS == total
    assert pages == RUNS // 50
    assert isinstance(rows[0], RunBrief) and rows[0].workflow_name.startswith("Flow ")


@pytest.mark.parametrize(
    ("where", "keep"),
    [
        (RunFilter(workflow_id="wf1"), lambda r: r.workflow_id == "wf1"),
        (RunFilter(status="failed"), lambda r: r.status == "failed"),
        (
            RunFilter(workflow_id="wf2", status="waiting"),
            lambda r: r.workflow_id == "wf2" and r.status == "waiting",
        ),
        (
            RunFilter(since=T0 + 100, until=T0 + 400),
            lambda r: T0 + 100 <= r.created_at < T0 + 400,
        ),
        (RunFilter(search="r0012"), lambda r: r.id.startswith("r0012")),
        (RunFilter(search="Zoë 50%"), lambda r: "Zoë 50%" in r.input),
        (RunFilter(search="50%"), lambda r: "50%" in r.input),  # % is a character, not a wildcard
        (RunFilter(search="nothing like this"), lambda r: False),
    ],
)
async def test_run_filters_page_through_exactly_the_matching_runs(
    filled: Engine, where: RunFilter, keep: Any
) -> None:
    with filled.store.session() as session:
        rows, _ = all_pages(lambda c: run_page(session, where, c, limit=40))
        total = count_runs_matching(session, where)
    assert [b.id for b in rows] == expected_runs(filled, keep)
    assert total == len(rows)


def expected_tasks(engine: Engine, order: TaskOrder, keep: Any) -> list[str]:
    tasks = [t for t in engine.tasks.open_tasks() if keep(t)]
    if order == "newest":
        tasks.sort(key=lambda t: (t["created_at"], t["id"]), reverse=True)
    elif order == "oldest":
        tasks.sort(key=lambda t: (t["created_at"], t["id"]))
    else:
        tasks.sort(
            key=lambda t: (NO_DUE if t["due_at"] is None else t["due_at"], t["created_at"], t["id"])
        )
    return [t["id"] for t in tasks]


@pytest.mark.parametrize("order", ["due", "oldest", "newest"])
async def test_every_open_task_is_on_exactly_one_page_in_each_order(
    filled: Engine, order: TaskOrder
) -> None:
    where = TaskFilter(now=T0, end_of_today=T0)
    with filled.store.session() as session:
        rows, pages = all_pages(lambda c: task_page(session, where, order, c, limit=50))
        total = count_tasks_matching(session, where)
    assert [t["id"] for t in rows] == expected_tasks(filled, order, lambda t: True)
    assert total == TASKS == len(rows) and pages == TASKS // 50
    assert rows[0]["workflow_name"].startswith("Flow ")


NOW = T0 + 4 * 3600
END_OF_DAY = T0 + 6 * 3600


@pytest.mark.parametrize(
    ("where", "keep"),
    [
        (TaskFilter(workflow_id="wf0"), lambda t: t["workflow_id"] == "wf0"),
        # a person's tasks and everyone's (no assignee), whatever the case of the name
        (TaskFilter(person="maria"), lambda t: t["assignee"] in (None, "", "Maria")),
        (TaskFilter(assignee="bob"), lambda t: t["assignee"] == "bob"),
        (TaskFilter(assignee="-"), lambda t: not t["assignee"]),
        (TaskFilter(due="overdue"), lambda t: t["due_at"] is not None and t["due_at"] < NOW),
        (
            TaskFilter(due="today"),
            lambda t: t["due_at"] is not None and t["due_at"] < END_OF_DAY,
        ),
        (TaskFilter(due="week"), lambda t: t["due_at"] is not None),
        (TaskFilter(due="none"), lambda t: t["due_at"] is None),
        (TaskFilter(search="URGENT"), lambda t: "urgent" in t["title"]),
        (
            TaskFilter(workflow_id="wf1", person="bob", due="overdue"),
            lambda t: (
                t["workflow_id"] == "wf1"
                and t["assignee"] in (None, "", "bob")
                and t["due_at"] is not None
                and t["due_at"] < NOW
            ),
        ),
    ],
)
@pytest.mark.parametrize("order", ["due", "newest"])
async def test_task_filters_page_through_exactly_the_matching_tasks(
    filled: Engine, where: TaskFilter, keep: Any, order: TaskOrder
) -> None:
    timed = TaskFilter(**{**where.__dict__, "now": NOW, "end_of_today": END_OF_DAY})
    with filled.store.session() as session:
        rows, _ = all_pages(lambda c: task_page(session, timed, order, c, limit=30))
        total = count_tasks_matching(session, timed)
    expected = expected_tasks(filled, order, keep)
    assert [t["id"] for t in rows] == expected
    assert total == len(expected) > 0


async def test_answered_tasks_leave_the_pages_and_the_filter_choices(filled: Engine) -> None:
    with filled.store.session() as session:
        assert open_task_assignees(session) == ["Maria", "bob"]
        assert [w for w, _ in open_task_workflows(session)] == ["wf0", "wf1", "wf2"]
    batch = Batch()
    batch.add("UPDATE task SET status='completed' WHERE assignee='bob'")
    filled.store.write(batch)
    with filled.store.session() as session:
        assert open_task_assignees(session) == ["Maria"]
        where = TaskFilter(assignee="bob")
        assert task_page(session, where).rows == []
        assert count_tasks_matching(session, where) == 0


async def test_an_empty_store_has_one_empty_page(engine: Engine) -> None:
    with engine.store.session() as session:
        assert run_page(session, RunFilter()) == Page([], None)
        assert task_page(session, TaskFilter()) == Page([], None)


async def test_runs_per_status_leave_test_runs_out(filled: Engine) -> None:
    expected: dict[str, int] = {}
    for n in range(RUNS):
        status = "waiting" if n >= RUNS - TASKS else STATUSES[n % len(STATUSES)]
        expected[status] = expected.get(status, 0) + 1
    batch = Batch()
    batch.add("UPDATE run SET is_test=1 WHERE id IN ('r00000', 'r00001')")  # the editor's
    filled.store.write(batch)
    expected["succeeded"] -= 1
    expected["failed"] -= 1
    with filled.store.session() as session:
        assert count_runs_by_status(session) == expected
        assert sum(count_runs_by_status(session, "wf1").values()) == RUNS // 3 - 1  # r00001
        assert "r00000" not in [b.id for b in run_page(session, RunFilter(), limit=RUNS).rows]
