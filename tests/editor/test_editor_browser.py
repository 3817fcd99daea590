"""The editor in a real browser, used as a new user would: Ren's app runs as a subprocess
(`ren --no-browser`), async Playwright drives the system's Chromium.

Skipped when /usr/bin/chromium is missing, except under CI (then they fail)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import FloatRect, Locator, Page, expect

from tests.browser import ROOT, chromium

pytestmark = pytest.mark.browser

SEED001 = ROOT / "examples" / "seed001_product_selection.json"


@pytest.fixture
async def page(ren_url: str, request: pytest.FixtureRequest) -> AsyncIterator[Page]:
    async with chromium(viewport={"width": 1440, "height": 900}) as context:
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        yield page
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:  # what the page showed, for the report
            shot = Path(request.config.rootpath) / ".pytest_cache" / f"{request.node.name}.png"
            shot.parent.mkdir(exist_ok=True)
            await page.screenshot(path=str(shot))
            print(f"screenshot of the failure: {shot}")
    assert not errors, errors


# ---- helpers ----------------------------------------------------------------------------------


def node(page: Page, node_id: str) -> Locator:
    return page.locator(f'.vue-flow__node[data-id="{node_id}"]')


def handle(page: Page, node_id: str, port: str, kind: str) -> Locator:
    return node(page, node_id).locator(f'.vue-flow__handle.{kind}[data-handleid="{port}"]')


def field(page: Page, name: str) -> Locator:
    """An input (or textarea) of the side panel, by its field name."""
    return page.locator(f'.ren-inspector [data-field="{name}"]').first


def messages(page: Page, name: str) -> Locator:
    """The message line under a side-panel field (hint or error)."""
    return page.locator(f'.ren-inspector .q-field:has([data-field="{name}"]) .q-field__bottom')


async def drag(page: Page, source: Locator, target: Locator) -> None:
    box, tbox = await source.bounding_box(), await target.bounding_box()
    assert box and tbox, "not visible"
    x0, y0 = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    x1, y1 = tbox["x"] + tbox["width"] / 2, tbox["y"] + tbox["height"] / 2
    await page.mouse.move(x0, y0)
    await page.mouse.down()
    await page.mouse.move(x0 + 5, y0 + 5, steps=2)
    await page.mouse.move(x1, y1, steps=12)
    await page.mouse.up()


async def connect(page: Page, source: str, source_port: str, target: str, target_port: str) -> None:
    before = await page.locator(".vue-flow__edge").count()
    await drag(
        page,
        handle(page, source, source_port, "source"),
        handle(page, target, target_port, "target"),
    )
    await expect(page.locator(".vue-flow__edge")).to_have_count(before + 1)


async def drop_from_palette(page: Page, node_type: str, x: float, y: float) -> None:
    """Drag a palette item onto the canvas at (x, y), relative to the canvas."""
    before = await page.locator(".vue-flow__node").count()
    await page.locator(f".ren-palette-{node_type}").scroll_into_view_if_needed()
    item = await page.locator(f".ren-palette-{node_type}").bounding_box()
    canvas = await page.locator(".ren-editor-canvas").bounding_box()
    assert item and canvas
    await page.mouse.move(item["x"] + 30, item["y"] + item["height"] / 2)
    await page.mouse.down()
    await page.mouse.move(item["x"] + 60, item["y"] + item["height"] / 2, steps=3)
    await page.mouse.move(canvas["x"] + x, canvas["y"] + y, steps=10)
    await page.mouse.up()
    await expect(page.locator(".vue-flow__node")).to_have_count(before + 1)


async def editor_ready(page: Page) -> None:
    """Wait until the canvas shows its nodes and has taken its first view."""
    await page.wait_for_selector(".vue-flow__node")
    await page.wait_for_selector('.ren-flow-editor[data-view-ready="1"]', state="attached")
    await page.wait_for_timeout(100)


async def beside(page: Page, node_id: str) -> tuple[float, float]:
    """The canvas point just right of a node's right edge, level with its middle."""
    canvas = await page.locator(".ren-editor-canvas").bounding_box()
    box = await node(page, node_id).bounding_box()
    assert canvas and box
    return box["x"] + box["width"] - canvas["x"], box["y"] + box["height"] / 2 - canvas["y"]


async def new_workflow(page: Page, url: str, name: str) -> str:
    await page.goto(url + "/workflows")
    await page.locator('[data-testid="new-workflow"]').click()
    await page.get_by_label("Name").fill(name)
    await page.locator('[data-testid="create"]').click()
    await page.wait_for_url(re.compile(r".*/workflows/[^/]+$"))
    await editor_ready(page)
    return page.url.rsplit("/", 1)[1]


async def import_file(page: Page, url: str, path: Path) -> str:
    """Import through the workflows page, then open the workflow in the editor."""
    await page.goto(url + "/workflows")
    await page.locator('[data-testid="import"]').click()
    await page.locator("input[type=file]").set_input_files(str(path))
    # the session's app is shared by the browser test files of a worker, in any order: a file
    # imported before is asked about (replace or copy), and a copy is as good as new here
    imported = page.locator(".q-notification").filter(has_text="Imported")
    exists = page.locator('[data-testid="import-exists"]')
    await expect(imported.or_(exists).first).to_be_visible(timeout=20_000)  # a busy machine
    if await exists.is_visible():
        await exists.get_by_role("button", name="Import as a copy").click()
        await expect(imported).to_be_visible(timeout=20_000)
    await page.locator(f'a[href^="/workflows/{path.stem}"]').first.click()  # newest first
    await page.wait_for_url(re.compile(r".*/workflows/[^/]+$"))
    await editor_ready(page)
    return page.url.rsplit("/", 1)[1]


async def saved(page: Page) -> None:
    await expect(page.locator(".ren-save-state")).to_have_text("Saved", timeout=5000)


# ---- a new user's first workflow --------------------------------------------------------------


async def test_draw_configure_publish_and_run(page: Page, ren_url: str) -> None:
    await new_workflow(page, ren_url, "Big orders")
    await expect(node(page, "start")).to_be_visible()

    # drag nodes from the palette, to the right of Start
    x, y = await beside(page, "start")
    await drop_from_palette(page, "if", x + 140, y)
    await expect(node(page, "if_1")).to_be_visible()
    await expect(page.locator(".ren-inspector")).to_contain_text("If")  # selected on drop
    await drop_from_palette(page, "end", x + 430, y + 60)
    await expect(node(page, "end_1")).to_be_visible()

    # connect them
    await connect(page, "start", "out", "if_1", "in")
    await connect(page, "if_1", "true", "end_1", "in")
    await connect(page, "if_1", "false", "end_1", "in")

    # configure the condition: a bad expression is flagged as it is typed, and on the node
    await node(page, "if_1").locator(".ren-node__label").click()
    condition = field(page, "condition")
    await condition.fill("input.amount >")
    await expect(messages(page, "condition")).to_contain_text("syntax error")
    await expect(node(page, "if_1").locator(".ren-node__problems")).to_be_visible()
    await expect(page.locator(".ren-problems-button")).to_contain_text("problem")
    await condition.fill("input.amount > 100")
    await expect(messages(page, "condition")).not_to_contain_text("error")
    await expect(node(page, "if_1").locator(".ren-node__problems")).to_have_count(0)
    await expect(node(page, "if_1").locator(".ren-node__sub")).to_have_text("input.amount > 100")

    # the run's input: one required number
    await page.locator(".ren-editor-canvas .vue-flow__pane").click(position={"x": 30, "y": 30})
    await page.locator(".ren-add-param").click()
    await page.locator(".ren-param-name input").fill("amount")
    await page.locator(".ren-param-type").click()
    await page.get_by_role("option", name="number", exact=True).click()
    await page.locator(".ren-param-row").get_by_text("Required").click()
    await expect(page.locator(".ren-problems-button")).to_have_text(re.compile("No problems"))
    await saved(page)

    # publish with a message
    await page.locator(".ren-publish").click()
    await page.locator(".ren-publish-message input").fill("First version")
    await page.locator(".ren-publish-go").click()
    await expect(page.locator(".q-notification")).to_contain_text("Published version 1")
    await expect(page.locator(".ren-version-chip")).to_have_text("Published · v1")

    # run it: the form checks the input, then the run page shows it succeed
    await page.locator(".ren-run").click()
    amount = page.locator('.ren-run-dialog [data-field="amount"]')
    await amount.fill("lots")
    await page.locator(".ren-run-go").click()
    await expect(page.locator(".ren-run-dialog")).to_contain_text("enter a number")
    await amount.fill("150")
    await page.locator(".ren-run-go").click()
    await page.wait_for_url(re.compile(r".*/runs/[^/]+$"))
    status = page.locator('[data-testid="run-status"]')
    await expect(status).to_have_attribute("data-status", "succeeded", timeout=15000)


# ---- seed 001's example, laid out -------------------------------------------------------------


async def boxes(page: Page) -> dict[str, FloatRect]:
    found = {}
    for item in await page.locator(".vue-flow__node").all():
        ident = await item.get_attribute("data-id")
        box = await item.bounding_box()
        assert ident and box
        found[ident] = box
    return found


def overlapping(found: dict[str, FloatRect]) -> list[tuple[str, str]]:
    items = list(found.items())
    pairs = []
    for i, (a, p) in enumerate(items):
        for b, q in items[i + 1 :]:
            if (
                p["x"] < q["x"] + q["width"]
                and q["x"] < p["x"] + p["width"]
                and p["y"] < q["y"] + q["height"]
                and q["y"] < p["y"] + p["height"]
            ):
                pairs.append((a, b))
    return pairs


async def test_import_seed001_is_laid_out(page: Page, ren_url: str) -> None:
    await import_file(page, ren_url, SEED001)
    await expect(page.locator(".vue-flow__node")).to_have_count(7)
    await expect(page.locator(".vue-flow__edge")).to_have_count(7)
    # the whole of it (the canvas's own fit button; Fit to screen stays readable, from Start)
    await page.locator(".vue-flow__controls-fitview").click()
    await page.wait_for_timeout(600)
    found = await boxes(page)
    assert not overlapping(found)
    order = [
        "start",
        "scrape",
        "check_count",
        "process_images",
        "calculate_similarity",
        "export_results",
        "end",
    ]
    xs = [found[i]["x"] for i in order]
    assert xs == sorted(xs) and len(set(xs)) == len(xs), xs  # left to right along the edges
    canvas = await page.locator(".ren-editor-canvas").bounding_box()
    assert canvas
    for box in found.values():  # all in view
        assert canvas["x"] <= box["x"] and box["x"] + box["width"] <= canvas["x"] + canvas["width"]
    # auto-layout keeps it tidy
    await page.locator(".ren-layout").click()
    await page.wait_for_timeout(500)
    assert not overlapping(await boxes(page))


# ---- typed ports ------------------------------------------------------------------------------


async def test_invalid_connection_is_refused_with_the_reason(page: Page, ren_url: str) -> None:
    await new_workflow(page, ren_url, "Typed ports")
    x, y = await beside(page, "start")
    await drop_from_palette(page, "merge", x + 150, y - 120)
    await drop_from_palette(page, "function", x + 450, y + 60)
    # a merge in list mode gives a list; a function takes an object
    await node(page, "merge_1").locator(".ren-node__label").click()
    await page.locator('.ren-inspector [data-field="mode"]').click()
    await page.get_by_role("option", name="list", exact=True).click()
    await expect(handle(page, "merge_1", "out", "source")).to_have_attribute("data-ptype", "list")
    edges = await page.locator(".vue-flow__edge").count()
    await drag(
        page, handle(page, "merge_1", "out", "source"), handle(page, "function_1", "in", "target")
    )
    notice = page.locator(".ren-flow-notice")
    await expect(notice).to_contain_text("Cannot connect list output 'out' to object input 'in'")
    assert await page.locator(".vue-flow__edge").count() == edges


# ---- editing: copy/paste, delete, undo/redo, history survives a reload -------------------------


async def test_copy_paste_delete_undo_redo(page: Page, ren_url: str) -> None:
    workflow_id = await new_workflow(page, ren_url, "Editing")
    canvas = await page.locator(".ren-editor-canvas").bounding_box()
    assert canvas
    x, y = await beside(page, "start")
    await drop_from_palette(page, "log", x + 200, y)
    await node(page, "log_1").locator(".ren-node__label").click()
    await page.keyboard.press("Control+c")
    await page.mouse.move(canvas["x"] + canvas["width"] * 0.6, canvas["y"] + 80)
    await page.keyboard.press("Control+v")
    await expect(node(page, "log_2")).to_be_visible()  # a new id
    await expect(node(page, "log_2").locator(".ren-node__label")).to_have_text("Log 2")
    await page.keyboard.press("Delete")
    await expect(node(page, "log_2")).to_have_count(0)
    await page.keyboard.press("Control+z")
    await expect(node(page, "log_2")).to_be_visible()
    await page.keyboard.press("Control+Shift+z")
    await expect(node(page, "log_2")).to_have_count(0)
    await page.locator(".ren-editor-toolbar [aria-label^='Undo']").click()
    await expect(node(page, "log_2")).to_be_visible()
    await saved(page)
    await page.goto(f"{ren_url}/workflows/{workflow_id}")  # the draft was autosaved
    await editor_ready(page)
    await expect(node(page, "log_2")).to_be_visible()
    await expect(page.locator(".vue-flow__node")).to_have_count(3)


async def test_problem_list_selects_the_node(page: Page, ren_url: str) -> None:
    await new_workflow(page, ren_url, "Problems")
    x, y = await beside(page, "start")
    await drop_from_palette(page, "foreach", x + 300, y)
    await page.locator(".ren-problems-button").click()
    problem = page.locator('.ren-problem[data-node="foreach_1"]').first
    await expect(problem).to_be_visible()
    await page.locator(".vue-flow__pane").click(position={"x": 20, "y": 20})
    await problem.click()
    await expect(node(page, "foreach_1").locator(".ren-node--selected, .ren-group")).to_be_visible()
    await expect(page.locator(".ren-inspector")).to_contain_text("For each")


# ---- a big workflow ---------------------------------------------------------------------------


def big_workflow(n: int = 300) -> dict[str, Any]:
    """n nodes: a start, then log/set/if/merge nodes, each fed by an earlier one (no positions,
    so the editor lays it out when it opens)."""
    kinds = [
        ("log", {"message": "item {{ input.x }}"}),
        ("set", {"values": {"a": 1}}),
        ("if", {"condition": "input.a > 1"}),
        ("merge", {}),
    ]
    nodes: list[dict[str, Any]] = [{"id": "start", "type": "start"}]
    edges = []
    for i in range(1, n):
        kind, config = kinds[i % 4]
        nodes.append({"id": f"n{i}", "type": kind, "config": config})
        source = nodes[max(0, i - 1 - (i * 7919) % 6)]
        port = "true" if source["type"] == "if" else "out"
        edges.append({"source": source["id"], "source_port": port, "target": f"n{i}"})
    return {"schema": "ren.workflow/1", "name": f"Big ({n} nodes)", "nodes": nodes, "edges": edges}


async def test_300_node_workflow_opens(page: Page, ren_url: str, tmp_path: Path) -> None:
    """Not a timing assertion: the big editor opens with every node drawn; prints the times."""
    path = tmp_path / "big300.json"
    path.write_text(json.dumps(big_workflow(300)))
    workflow_id = await import_file(page, ren_url, path)
    url = f"{ren_url}/workflows/{workflow_id}"
    times = []
    for _ in range(3):
        await page.goto(url)
        await page.wait_for_function(
            "document.querySelectorAll('.vue-flow__node .ren-node').length === 300"
            " && document.querySelectorAll('.vue-flow__edge').length === 299",
            timeout=60000,
        )
        drawn = await page.evaluate("performance.now()")
        paint = await page.evaluate(
            "(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || 0"
        )
        times.append((paint, drawn))
    for paint, drawn in times:
        print(f"\n300-node editor: first paint {paint:.0f} ms, all nodes drawn {drawn:.0f} ms")
    # still usable: select a node and see its settings
    await node(page, "start").locator(".ren-node__label").click()
    await expect(page.locator(".ren-inspector")).to_contain_text("id: start")
