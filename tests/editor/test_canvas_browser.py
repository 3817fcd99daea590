"""The canvas in Chromium, where a new user tripped over it: readable on open (seed 001), ports
that are easy to hit, a loop edge routed around the nodes it passes, the pin badge, and
toasts that leave pasted nodes uncovered.

One app (the session's `ren`) and one browser for every check; each workflow is imported once.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Page, expect

from tests.browser import ROOT, chromium
from tests.editor.test_editor_browser import SEED001, drag, handle, import_file, node

# the module's tests share one browser page, so one event loop
pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]

READABLE_ZOOM = 0.75  # the canvas's floor (app/ui/flow_editor/src/view.js)
MIN_TARGET = 14  # screen pixels a port must cover at least, at any zoom the canvas opens with

# a retry drawn on seed 001: scrape again after the export (an edge back)
LOOP_EDGE = {"source": "export_results", "target": "scrape"}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def page(ren_url: str) -> AsyncIterator[Page]:
    async with chromium(viewport={"width": 1440, "height": 900}) as context:
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        yield page
    assert not errors, errors


VIEW_JS = """() => {
  const pane = document.querySelector('.vue-flow__transformationpane');
  const m = new DOMMatrix(getComputedStyle(pane).transform);
  return {x: m.e, y: m.f, zoom: m.a};
}"""


async def view(page: Page) -> dict[str, float]:
    result: dict[str, float] = await page.evaluate(VIEW_JS)
    return result


async def settled(page: Page) -> dict[str, float]:
    """The viewport once it stopped moving (a fit animates for 200 ms)."""
    before = await view(page)
    for _ in range(40):
        await page.wait_for_timeout(100)
        now = await view(page)
        if now == before:
            return now
        before = now
    return before


async def assert_readable_from_the_start(page: Page) -> None:
    """The zoom is at least the floor and the start node is entirely on the canvas."""
    zoom = (await settled(page))["zoom"]
    assert zoom >= READABLE_ZOOM - 1e-6, zoom
    title = node(page, "start").locator(".ren-node__label")
    font = await title.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert font * zoom >= 9, (font, zoom)  # titles stay readable
    canvas = await page.locator(".ren-editor-canvas .vue-flow").bounding_box()
    start = await node(page, "start").bounding_box()
    assert canvas and start
    assert canvas["x"] <= start["x"] <= canvas["x"] + canvas["width"] - start["width"]
    assert canvas["y"] <= start["y"] <= canvas["y"] + canvas["height"] - start["height"]


async def test_seed001_opens_readable_from_its_start(page: Page, ren_url: str) -> None:
    await import_file(page, ren_url, SEED001)
    await assert_readable_from_the_start(page)
    await page.locator(".ren-editor-toolbar [aria-label='Fit to screen']").click()
    await assert_readable_from_the_start(page)
    await page.locator(".ren-layout").click()  # auto-layout keeps the floor too
    await assert_readable_from_the_start(page)
    # every port is an easy target at this zoom
    handles = page.locator(".vue-flow__handle.ren-port")
    assert await handles.count() >= 7
    for port in await handles.all():
        box = await port.bounding_box()
        assert box and box["width"] >= MIN_TARGET and box["height"] >= MIN_TARGET, box


async def test_a_loop_edge_goes_around_the_nodes_it_passes(page: Page) -> None:
    """(On seed 001 as the first test left it.) The user shows the whole workflow (the
    controls' fit button: everything, however small) and draws a retry: an edge from the last
    step back to `scrape`."""
    await page.locator(".vue-flow__controls-fitview").click()
    await settled(page)
    await drag(
        page,
        handle(page, LOOP_EDGE["source"], "out", "source"),
        handle(page, LOOP_EDGE["target"], "in", "target"),
    )
    loop = page.locator(".vue-flow__edge.ren-edge--loop")
    await expect(loop).to_have_count(1)  # only the edge back is drawn as a loop
    await expect(loop.locator(".vue-flow__edge-text")).to_have_text("loop")
    await expect(page.locator(".vue-flow__edge:not(.ren-edge--loop)")).to_have_count(7)
    crossings = await loop.locator("path.vue-flow__edge-path").evaluate(
        """(path, ends) => {
          const m = path.getScreenCTM();
          const nodes = [...document.querySelectorAll('.vue-flow__node')]
            .filter((n) => !ends.includes(n.dataset.id))
            .map((n) => [n.dataset.id, n.getBoundingClientRect()]);
          const hits = new Set();
          const length = path.getTotalLength();
          for (let s = 0; s <= length; s += 4) {
            const at = path.getPointAtLength(s);
            const p = new DOMPoint(at.x, at.y).matrixTransform(m);
            for (const [id, r] of nodes)
              if (p.x > r.left && p.x < r.right && p.y > r.top && p.y < r.bottom) hits.add(id);
          }
          return [...hits];
        }""",
        [LOOP_EDGE["source"], LOOP_EDGE["target"]],
    )
    assert crossings == []  # it passes check_count, process_images, ... without crossing them


async def test_a_pinned_node_shows_a_pin_badge(page: Page) -> None:
    """(On the same workflow.)"""
    await node(page, "scrape").locator(".ren-node__label").click()
    panel = page.locator(".ren-data-panel")
    await panel.locator('[data-testid="pin-typed"]').click()
    pin = page.locator(".ren-pin-dialog")
    await pin.locator("textarea").fill(json.dumps({"product_count": 120}))
    await pin.locator('[data-testid="pin-save"]').click()
    badge = node(page, "scrape").locator('[data-testid="pin-mark"]')
    await expect(badge).to_be_visible()
    await expect(node(page, "scrape").locator(".ren-node__sub")).not_to_contain_text("Pinned")
    await badge.hover()
    tip = badge.get_by_role("tooltip")
    await expect(tip).to_have_text("Output pinned: downstream tests use the pinned data")
    zoom, box = (await view(page))["zoom"], await tip.bounding_box()
    assert zoom < 0.6 and box and box["width"] >= 200, (zoom, box)  # readable though zoomed out
    await expect(node(page, "check_count").locator('[data-testid="pin-mark"]')).to_have_count(0)


async def test_toasts_leave_pasted_nodes_uncovered(page: Page) -> None:
    """(On the same workflow.) Copy a node, paste it at the canvas's top and bottom middle."""
    canvas = await page.locator(".ren-editor-canvas .vue-flow").bounding_box()
    assert canvas
    await node(page, "start").locator(".ren-node__label").click()
    count = await page.locator(".vue-flow__node").count()
    for y in (canvas["y"] + 30, canvas["y"] + canvas["height"] - 60):
        await page.keyboard.press("Control+c")
        await expect(page.locator(".q-notification", has_text="Copied 1 node")).to_be_visible()
        await page.mouse.move(canvas["x"] + canvas["width"] / 2, y)
        await page.keyboard.press("Control+v")
        count += 1
        await expect(page.locator(".vue-flow__node")).to_have_count(count)
        pasted = await page.locator(".vue-flow__node.selected").bounding_box()
        assert pasted
        for toast in await page.locator(".q-notification").all():  # every toast showing now
            shown = await toast.bounding_box()
            assert shown
            assert (
                shown["y"] + shown["height"] <= pasted["y"]
                or pasted["y"] + pasted["height"] <= shown["y"]
                or shown["x"] + shown["width"] <= pasted["x"]
                or pasted["x"] + pasted["width"] <= shown["x"]
            ), (shown, pasted)


async def test_ai_ports_keep_their_kinds_and_colours(
    page: Page, ren_url: str, tmp_path: Path
) -> None:
    example = json.loads((ROOT / "examples" / "ai_support_triage.json").read_text())
    source = tmp_path / f"{example['id']}.json"  # the workflows page links it by its id
    source.write_text(json.dumps(example))
    await import_file(page, ren_url, source)
    model_in = page.locator('.vue-flow__handle.target[data-ptype="ai_language_model"]').first
    model_out = page.locator('.vue-flow__handle.source[data-ptype="ai_language_model"]').first
    for port in (model_in, model_out):
        await port.scroll_into_view_if_needed()
        box = await port.bounding_box()
        assert box and box["width"] >= MIN_TARGET and box["height"] >= MIN_TARGET, box
        colour = await port.evaluate("e => getComputedStyle(e, '::after').backgroundColor")
        assert colour == "rgb(124, 77, 255)"  # the model kind's violet
    assert await model_in.get_attribute("title") == "takes: Model (ai_language_model)"
