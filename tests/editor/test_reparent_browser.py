"""Dragging existing nodes into and out of a For each loop, in a real browser: Ren's app runs as
`ren --no-browser` (the `ren_url` fixture), async Playwright drives the system's Chromium. What
is saved is read back the way a user gets it: Export JSON on the workflows page.

Skipped when /usr/bin/chromium is missing, except under CI (then they fail)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Locator, Page, expect

from tests.browser import chromium

pytestmark = pytest.mark.browser

Box = dict[str, float]


def loop_doc(name: str) -> dict[str, Any]:
    """start -> a loop whose body is a log `a`; start -> two top-level logs `b` and `c`."""
    return {
        "name": name,
        "nodes": [
            {"id": "start", "type": "start", "position": {"x": 0, "y": 100}},
            {
                "id": "loop",
                "type": "foreach",
                "config": {"items": "input.xs"},
                "position": {"x": 300, "y": 40},
            },
            {
                "id": "a",
                "type": "log",
                "parent": "loop",
                "config": {"message": "a"},
                "position": {"x": 30, "y": 70},
            },
            {"id": "b", "type": "log", "config": {"message": "b"}, "position": {"x": 0, "y": 360}},
            {"id": "c", "type": "log", "config": {"message": "c"}, "position": {"x": 0, "y": 440}},
        ],
        "edges": [
            {"id": "e1", "source": "start", "target": "loop"},
            {"id": "e2", "source": "start", "target": "b"},
            {"id": "e3", "source": "start", "target": "c"},
        ],
    }


@pytest.fixture
async def page(ren_url: str) -> AsyncIterator[Page]:
    async with chromium(viewport={"width": 1440, "height": 900}, accept_downloads=True) as context:
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        yield page
        assert not errors, errors


# ---- helpers ----------------------------------------------------------------------------------


def node(page: Page, node_id: str) -> Locator:
    return page.locator(f'.vue-flow__node[data-id="{node_id}"]')


async def box(page: Page, node_id: str) -> Box:
    found = await node(page, node_id).bounding_box()
    assert found, f"{node_id} is not visible"
    return found


def centre(b: Box) -> tuple[float, float]:
    return b["x"] + b["width"] / 2, b["y"] + b["height"] / 2


def inside(inner: Box, outer: Box) -> bool:
    return (
        outer["x"] <= inner["x"]
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"]
        and outer["y"] <= inner["y"]
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"]
    )


async def drag_to(page: Page, node_id: str, x: float, y: float) -> Box:
    """Drag a node by its middle so that its middle ends at (x, y) on screen; returns its box
    as the user let go of it."""
    x0, y0 = centre(await box(page, node_id))
    await page.mouse.move(x0, y0)
    await page.mouse.down()
    await page.mouse.move(x0 + 5, y0 + 5, steps=2)
    await page.mouse.move(x, y, steps=15)
    dropped = await box(page, node_id)
    await page.mouse.up()
    return dropped


async def zoom(page: Page) -> float:
    transform = await page.locator(".vue-flow__transformationpane").get_attribute("style")
    found = re.search(r"scale\(([\d.]+)\)", transform or "")
    assert found, transform
    return float(found.group(1))


async def import_workflow(page: Page, url: str, doc: dict[str, Any], folder: Path) -> None:
    """Import through the workflows page, then open the workflow in the editor."""
    path = folder / f"{doc['name'].lower().replace(' ', '_')}.json"
    path.write_text(json.dumps(doc))
    await page.goto(url + "/workflows")
    await page.locator('[data-testid="import"]').click()
    await page.locator("input[type=file]").set_input_files(str(path))
    await expect(page.locator(".q-notification")).to_contain_text("Imported")
    await page.locator(f'a[href^="/workflows/{path.stem}"]').first.click()
    await page.wait_for_url(re.compile(r".*/workflows/[^/]+$"))
    await page.wait_for_selector('.ren-flow-editor[data-view-ready="1"]', state="attached")
    await page.wait_for_timeout(300)  # the first view is taken


async def saved_draft(page: Page, url: str, name: str) -> dict[str, dict[str, Any]]:
    """Once the editor says Saved: the draft's nodes by id, from Export JSON on another tab."""
    await expect(page.locator(".ren-save-state")).to_have_text("Saved", timeout=5000)
    other = await page.context.new_page()
    try:
        await other.goto(url + "/workflows")
        await other.get_by_label(f"More actions for {name}").click()
        async with other.expect_download() as download:
            await other.locator('[data-testid="export"]').click()
        doc = json.loads(Path(await (await download.value).path()).read_text())
    finally:
        await other.close()
    return {n["id"]: n for n in doc["nodes"]}


def on_canvas(nodes: dict[str, dict[str, Any]], node_id: str) -> tuple[float, float]:
    """A saved node's position on the canvas (positions inside a loop are relative to it)."""
    x = y = 0.0
    current: dict[str, Any] | None = nodes[node_id]
    while current is not None:
        x, y = x + current["position"]["x"], y + current["position"]["y"]
        current = nodes.get(current.get("parent") or "")
    return x, y


async def undo(page: Page) -> None:
    await page.locator(".ren-editor-toolbar [aria-label^='Undo']").click()


# ---- tests ------------------------------------------------------------------------------------


async def test_drag_a_node_into_a_loop_and_out_again(
    page: Page, ren_url: str, tmp_path: Path
) -> None:
    name = "Into the loop"
    await import_workflow(page, ren_url, loop_doc(name), tmp_path)
    problems = page.locator(".ren-problems-button")
    await expect(problems).to_have_text(re.compile("No problems"))
    home = await box(page, "b")

    # drop b with its middle over the loop's body, near its right border
    loop = await box(page, "loop")
    x, y = loop["x"] + loop["width"] - 40, loop["y"] + 0.7 * loop["height"]
    dropped = await drag_to(page, "b", x, y)
    badge = node(page, "b").locator(".ren-node__problems")
    await expect(badge).to_be_visible()  # start -> b now crosses the loop's border
    assert await box(page, "b") == pytest.approx(dropped, abs=1)  # stays where it was let go
    assert inside(await box(page, "b"), await box(page, "loop"))  # the loop grew around it
    await expect(page.locator(".vue-flow__edge")).to_have_count(3)  # the edge is kept
    await expect(problems).to_have_text(re.compile("1 problem"))
    await problems.click()
    await expect(page.locator('.ren-problem[data-edge="e2"]')).to_contain_text(
        "cannot cross a loop's border"
    )
    saved = await saved_draft(page, ren_url, name)
    assert saved["b"].get("parent") == "loop"
    start = await box(page, "start")
    on_screen = ((dropped["x"] - start["x"]), (dropped["y"] - start["y"]))
    scale = await zoom(page)
    sx, sy = on_canvas(saved, "start")
    bx, by = on_canvas(saved, "b")
    assert (bx - sx, by - sy) == pytest.approx((on_screen[0] / scale, on_screen[1] / scale), abs=2)

    # and out again, below the loop: back at the top level, the problem goes away
    loop = await box(page, "loop")
    await drag_to(page, "b", loop["x"] + 120, loop["y"] + loop["height"] + 90)
    await expect(badge).to_have_count(0)
    await expect(problems).to_have_text(re.compile("No problems"))
    assert not inside(await box(page, "b"), await box(page, "loop"))
    assert (await saved_draft(page, ren_url, name))["b"].get("parent") is None

    # each drop is one undo step: back into the loop, then back home
    await undo(page)
    await expect(badge).to_be_visible()
    assert await box(page, "b") == pytest.approx(dropped, abs=1)
    await undo(page)
    await expect(badge).to_have_count(0)
    assert await box(page, "b") == pytest.approx(home, abs=1)
    saved = await saved_draft(page, ren_url, name)
    assert saved["b"].get("parent") is None and saved["b"]["position"] == {"x": 0, "y": 360}


async def test_a_multi_selection_goes_into_a_loop_in_one_step(
    page: Page, ren_url: str, tmp_path: Path
) -> None:
    name = "Two at once"
    await import_workflow(page, ren_url, loop_doc(name), tmp_path)
    await node(page, "b").click()
    await node(page, "c").click(modifiers=["Control"])
    await expect(page.locator(".vue-flow__node.selected")).to_have_count(2)
    loop = await box(page, "loop")
    b, c = await box(page, "b"), await box(page, "c")
    await drag_to(page, "b", loop["x"] + loop["width"] / 2, loop["y"] + 0.35 * loop["height"])
    for node_id in ("b", "c"):  # each one's edge from start crosses the border now
        await expect(node(page, node_id).locator(".ren-node__problems")).to_be_visible()
    for node_id in ("a", "b", "c"):
        assert inside(await box(page, node_id), await box(page, "loop")), node_id
    saved = await saved_draft(page, ren_url, name)
    assert [saved[i].get("parent") for i in ("a", "b", "c")] == ["loop", "loop", "loop"]

    # the loop dragged by its title bar: its body travels along, nothing changes scope
    loop = await box(page, "loop")
    await page.mouse.move(loop["x"] + loop["width"] - 30, loop["y"] + 20)
    await page.mouse.down()
    await page.mouse.move(loop["x"] + loop["width"] + 20, loop["y"] + 60, steps=10)
    await page.mouse.up()
    await page.wait_for_timeout(300)
    for node_id in ("a", "b", "c"):
        assert inside(await box(page, node_id), await box(page, "loop")), node_id

    await undo(page)  # the loop's move
    await undo(page)  # the drop: both nodes back at the top level, where they were
    await expect(page.locator(".ren-node__problems")).to_have_count(0)
    assert await box(page, "b") == pytest.approx(b, abs=1)
    assert await box(page, "c") == pytest.approx(c, abs=1)
    saved = await saved_draft(page, ren_url, name)
    assert [saved[i].get("parent") for i in ("a", "b", "c")] == ["loop", None, None]
