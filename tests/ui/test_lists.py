"""The runs list and the inbox through NiceGUI's simulated user, over more rows than one page:
pages on the server, filters, search, and "Show 50 more" adding cards without redrawing."""

from __future__ import annotations

import json
import time
from datetime import date, datetime, timedelta

from nicegui import ui
from nicegui.testing import User

from app.engine.service import Engine
from app.store.writes import Batch
from app.ui import runtime
from tests.bulk_rows import add_open_task, add_run, ask_workflow, publish_all
from tests.ui.test_inbox import card_ids, open_inbox
from tests.ui.test_pages import wait_for

DAY = 86400.0


def fill(engine: Engine, runs: int, tasks: int = 0) -> list[str]:
    """`runs` runs, alternating two workflows, one an hour (the newest now), the newest
    `tasks` of them waiting on an open task; returns the run ids, newest first."""
    flows = (ask_workflow("alpha", "Alpha flow"), ask_workflow("beta", "Beta flow"))
    versions = publish_all(engine, flows)
    batch = Batch()
    now = time.time()
    ids = []
    for n in range(runs):
        at = now - (runs - n) * 3600
        run_id = f"run-{n:04d}"
        ids.append(run_id)
        waiting = n >= runs - tasks
        status = "waiting" if waiting else ("failed" if n % 5 == 0 else "succeeded")
        data = json.dumps({"order": n, "customer": "Ada" if n == 7 else "Bob"})
        add_run(batch, run_id, versions[n % 2], status, at, data)
        if waiting:
            add_open_task(
                batch,
                run_id,
                at,
                f"Approve order {n}",
                data=data,
                outcomes='[{"name": "submit", "label": "Submit"}]',
                assignee="maria" if n % 3 == 0 else None,
                due=at + DAY if n % 2 else None,
            )
    engine.store.write(batch)
    return ids[::-1]


def grid_ids(user: User) -> list[str]:
    """The run ids in the runs grid (none while the first page is still being read)."""
    grids = [e for e in user.client.elements.values() if isinstance(e, ui.aggrid)]
    return [row["id"] for grid in grids if not grid.is_deleted for row in grid.options["rowData"]]


def card_elements(user: User) -> set[int]:
    return {e.id for e in user.find(ui.link).elements if "ren-task-item" in e.classes}


async def test_runs_page_through_every_run_fifty_at_a_time(user: User) -> None:
    newest_first = fill(runtime.engine(), 120)
    await user.open("/runs")
    await user.should_see("Runs 1–50 of 120")
    assert grid_ids(user) == newest_first[:50]
    user.find(marker="older").click()
    await user.should_see("Runs 51–100 of 120")
    assert grid_ids(user) == newest_first[50:100]
    user.find(marker="older").click()
    await user.should_see("Runs 101–120 of 120")
    assert grid_ids(user) == newest_first[100:]
    assert not user.find(marker="older").elements.pop().enabled
    user.find(marker="newer").click()
    await user.should_see("Runs 51–100 of 120")
    assert grid_ids(user) == newest_first[50:100]


async def test_runs_filter_by_workflow_status_search_and_days(user: User) -> None:
    newest_first = fill(runtime.engine(), 60)
    await user.open("/runs")
    await user.should_see("Runs 1–50 of 60")
    user.find(marker="workflow-filter").elements.pop().set_value("beta")
    await user.should_see("Runs 1–30 of 30")
    assert grid_ids(user) == [r for r in newest_first if int(r[-4:]) % 2 == 1]
    await user.should_see("The runs of “Beta flow”, newest first.")

    user.find(marker="workflow-filter").elements.pop().set_value("")
    user.find(marker="filter").elements.pop().set_value("failed")
    await user.should_see("Runs 1–12 of 12")
    assert grid_ids(user) == [r for r in newest_first if int(r[-4:]) % 5 == 0]

    user.find(marker="filter").elements.pop().set_value("")
    user.find(marker="run-search").elements.pop().set_value("Ada")  # found in the input
    await wait_for(lambda: grid_ids(user) == ["run-0007"])
    user.find(marker="run-search").elements.pop().set_value("run-003")  # a run id
    await wait_for(lambda: grid_ids(user) == [f"run-003{i}" for i in range(9, -1, -1)])

    user.find(marker="run-search").elements.pop().set_value("")
    today = date.today()
    user.find(marker="since").elements.pop().set_value(today.isoformat())
    today_start = datetime.combine(today, datetime.min.time()).timestamp()
    expected = [r for r in newest_first if time.time() - (60 - int(r[-4:])) * 3600 >= today_start]
    await wait_for(lambda: grid_ids(user) == expected)
    yesterday = (today - timedelta(days=1)).isoformat()
    user.find(marker="since").elements.pop().set_value("")
    user.find(marker="until").elements.pop().set_value(yesterday)  # its whole day included
    await wait_for(lambda: set(grid_ids(user)).isdisjoint(expected) and len(grid_ids(user)) > 0)


async def test_runs_filters_come_from_the_address(user: User) -> None:
    fill(runtime.engine(), 20)
    await user.open("/runs?workflow=alpha&status=failed&q=run-001")
    await wait_for(lambda: grid_ids(user) == ["run-0010"])
    await user.open("/runs?q=nothing-like-it")
    await user.should_see("No runs match these filters")


async def test_show_more_adds_cards_without_drawing_the_others_again(user: User) -> None:
    fill(runtime.engine(), 130, tasks=120)
    await open_inbox(user)
    user.find(marker="sort").elements.pop().set_value("newest")
    await wait_for(lambda: card_ids(user)[:1] == ["run-0129"])
    first = card_elements(user)
    assert len(first) == 50
    await user.should_see("Showing the first 50 of 120 tasks.")
    user.find(marker="show-more").click()
    await wait_for(lambda: len(card_ids(user)) == 100)
    assert first < card_elements(user)  # the first fifty cards are the same elements
    assert card_ids(user) == [f"run-{n:04d}" for n in range(129, 29, -1)]
    user.find(marker="show-more").click()
    await wait_for(lambda: len(card_ids(user)) == 120)
    await user.should_not_see(marker="show-more")


async def test_inbox_search_and_filters(user: User) -> None:
    fill(runtime.engine(), 40, tasks=30)  # tasks of runs 10..39
    await open_inbox(user)
    await user.should_see("30 open tasks")
    user.find(marker="inbox-search").elements.pop().set_value("order 12")
    await wait_for(lambda: card_ids(user) == ["run-0012"])
    await user.should_see("1 task match · 30 open in all")
    user.find(marker="inbox-search").elements.pop().set_value("")

    user.find(marker="inbox-workflow").elements.pop().set_value("alpha")
    await wait_for(lambda: len(card_ids(user)) == 15)
    assert all(int(i[-4:]) % 2 == 0 for i in card_ids(user))
    user.find(marker="inbox-assignee").elements.pop().set_value("maria")
    await wait_for(lambda: sorted(card_ids(user)) == [f"run-{n:04d}" for n in (12, 18, 24, 30, 36)])
    user.find(marker="inbox-workflow").elements.pop().set_value("")
    user.find(marker="inbox-assignee").elements.pop().set_value("")

    user.find(marker="inbox-due").elements.pop().set_value("none")
    await wait_for(lambda: len(card_ids(user)) == 15)
    user.find(marker="inbox-due").elements.pop().set_value("overdue")  # due a day after creation
    overdue = [f"run-{n:04d}" for n in range(11, 40, 2) if (40 - n) * 3600 > DAY]
    await wait_for(lambda: sorted(card_ids(user)) == overdue)
    user.find(marker="inbox-search").elements.pop().set_value("no such task")
    await user.should_see("No task matches")
    user.find(marker="clear-filters").click()
    await wait_for(lambda: len(card_ids(user)) == 30)


async def test_an_answered_task_leaves_a_long_list_in_place(user: User) -> None:
    eng = runtime.engine()
    fill(eng, 80, tasks=70)
    await open_inbox(user)
    user.find(marker="show-more").click()
    await wait_for(lambda: len(card_ids(user)) == 70)
    before = card_ids(user)
    gone = before[55]
    eng.tasks.complete(gone, "submit", {}, by="tester")
    await wait_for(lambda: card_ids(user) == [i for i in before if i != gone])


def test_the_address_of_the_runs_page_is_read_leniently() -> None:
    from app.ui.pages.run_list_query import RunQuery, day_start

    query = RunQuery.of("failed", " alpha ", " Ada ", "2026-12-01", "2026-12-06")
    assert (
        query.url() == "/runs?status=failed&workflow=alpha&q=Ada&since=2026-12-01&until=2026-12-06"
    )
    where = query.filter()
    assert (where.status, where.workflow_id, where.search) == ("failed", "alpha", "Ada")
    assert where.since == day_start(date(2026, 12, 1))
    assert where.until == day_start(date(2026, 12, 7))  # the last day is included
    odd = RunQuery.of("exploded", "", "", "yesterday", "2026-02-30")
    assert odd == RunQuery() and odd.url() == "/runs" and not odd.any
