"""FlowEditor in a real browser: the demo app (demo_app.py) runs as a subprocess, async Playwright
drives the system's Chromium. Skipped when /usr/bin/chromium is missing, except under CI (then
they fail)."""

from __future__ import annotations

import json
import sys
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from playwright.async_api import Locator, Page

from tests.browser import chromium, free_port, require_chromium, start_app, stop_app

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo app on a free port, for the whole session."""
    require_chromium()
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "tests.ui_component.demo_app", str(port)]
    log = tmp_path_factory.mktemp("demo-app") / "demo_app.log"
    process = start_app(command, url + "/", log)
    yield url
    stop_app(process)


@pytest.fixture
async def page(demo_url: str) -> AsyncIterator[Page]:
    async with chromium(viewport={"width": 1400, "height": 900}) as context:
        page = await context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        await page.goto(demo_url + "/")
        await page.wait_for_selector(".vue-flow__node")
        yield page
    assert not errors, errors


async def events(page: Page) -> list[dict[str, Any]]:
    text = await page.locator(".demo-events").text_content()
    return list(json.loads(text or "[]"))


async def wait_event(page: Page, name: str) -> dict[str, Any]:
    await page.wait_for_function(
        "(n) => document.querySelector('.demo-events').textContent"
        ".includes('\"event\": \"' + n + '\"')",
        arg=name,
        timeout=5000,
    )
    return [e for e in await events(page) if e["event"] == name][-1]


def node(page: Page, node_id: str) -> Locator:
    return page.locator(f'.vue-flow__node[data-id="{node_id}"]')


def handle(page: Page, node_id: str, port: str, kind: str) -> Locator:
    return node(page, node_id).locator(f'.vue-flow__handle.{kind}[data-handleid="{port}"]')


async def drag(page: Page, source: Locator, target: Locator | tuple[float, float]) -> None:
    """Press on source's centre, move in steps, release on target's centre (or a point)."""
    box = await source.bounding_box()
    assert box, "source not visible"
    x0, y0 = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    if isinstance(target, tuple):
        x1, y1 = target
    else:
        tbox = await target.bounding_box()
        assert tbox, "target not visible"
        x1, y1 = tbox["x"] + tbox["width"] / 2, tbox["y"] + tbox["height"] / 2
    await page.mouse.move(x0, y0)
    await page.mouse.down()
    await page.mouse.move(x0 + 5, y0 + 5, steps=2)
    await page.mouse.move(x1, y1, steps=12)
    await page.mouse.up()


async def test_canvas_has_height_and_shows_nodes(page: Page) -> None:
    box = await page.locator(".ren-flow-editor").bounding_box()
    assert box and box["height"] > 200 and box["width"] > 200
    assert await page.locator(".vue-flow__node").count() == 3
    for node_id, label in [("start", "Start"), ("fetch", "Fetch items"), ("export", "Export")]:
        await node(page, node_id).wait_for(state="visible")
        assert await node(page, node_id).locator(".ren-node__label").text_content() == label
    assert await page.locator(".vue-flow__edge").count() == 1
    assert await page.locator(".vue-flow__minimap").count() == 1
    assert await page.locator(".vue-flow__controls").count() == 1


async def test_connect_compatible_ports_adds_edge(page: Page) -> None:
    await drag(
        page, handle(page, "fetch", "error", "source"), handle(page, "export", "in", "target")
    )
    event = await wait_event(page, "connect")
    assert event["args"] == {
        "source": "fetch",
        "source_port": "error",
        "target": "export",
        "target_port": "in",
    }
    await page.wait_for_function("document.querySelectorAll('.vue-flow__edge').length === 2")


async def test_type_mismatch_is_refused_with_reason(page: Page) -> None:
    await drag(
        page, handle(page, "fetch", "items", "source"), handle(page, "export", "in", "target")
    )
    reason = "Cannot connect list output 'items' to object input 'in' of 'Export'"
    notice = page.locator(".ren-flow-notice")
    await notice.wait_for(state="visible")
    assert reason in (await notice.text_content() or "")
    event = await wait_event(page, "connect_refused")
    assert event["args"]["reason"] == reason
    assert event["args"]["source_port"] == "items"
    assert await page.locator(".vue-flow__edge").count() == 1
    assert not [e for e in await events(page) if e["event"] == "connect"]


async def test_connecting_a_node_to_itself_is_refused(page: Page) -> None:
    await drag(
        page, handle(page, "export", "out", "source"), handle(page, "export", "in", "target")
    )
    event = await wait_event(page, "connect_refused")
    assert event["args"]["reason"] == "Cannot connect 'Export' to itself"


async def test_palette_drop_emits_type_and_flow_position(page: Page) -> None:
    editor = await page.locator(".demo-editor").bounding_box()
    assert editor
    await page.drag_and_drop(
        ".demo-palette-if",
        ".demo-editor",
        target_position={"x": editor["width"] / 2, "y": editor["height"] - 120},
    )
    event = await wait_event(page, "drop")
    assert event["args"]["type"] == "if"
    assert isinstance(event["args"]["x"], int | float) and isinstance(
        event["args"]["y"], int | float
    )
    await page.wait_for_function("document.querySelectorAll('.vue-flow__node').length === 4")


async def test_dragging_a_node_emits_nodes_moved(page: Page) -> None:
    label = node(page, "export").locator(".ren-node__label")
    box = await label.bounding_box()
    assert box
    await drag(page, label, (box["x"] + box["width"] / 2, box["y"] + 160))
    event = await wait_event(page, "nodes_moved")
    moved = {m["id"]: m for m in event["args"]}
    assert "export" in moved
    assert moved["export"]["y"] > 60 + 50  # started at y=60 (flow coordinates)


async def test_set_status_marks_the_node(page: Page) -> None:
    await page.locator(".demo-set-status").click()
    card = node(page, "fetch").locator(".ren-node.ren-status-running")
    await card.wait_for(state="visible")
    assert await card.get_attribute("data-status") == "running"
    assert await node(page, "fetch").locator(".ren-node__status-icon--running").count() == 1


async def test_keyboard_selection_delete_and_undo(page: Page) -> None:
    await node(page, "export").locator(".ren-node__label").click()
    event = await wait_event(page, "selection")
    assert event["args"] == {"nodes": ["export"], "edges": []}
    await page.keyboard.press("Delete")
    event = await wait_event(page, "delete")
    assert event["args"] == {"nodes": ["export"], "edges": []}
    await page.wait_for_function("document.querySelectorAll('.vue-flow__node').length === 2")
    await page.keyboard.press("Control+z")
    await wait_event(page, "undo")
    await page.keyboard.press("Control+Shift+z")
    await wait_event(page, "redo")


async def test_300_nodes_render(demo_url: str) -> None:
    """Not a timing assertion: checks a big graph renders, and prints how long it took."""
    async with chromium(viewport={"width": 1400, "height": 900}) as context:
        page = await context.new_page()
        await page.goto(demo_url + "/?n=300")
        await page.wait_for_function(
            "document.querySelectorAll('.vue-flow__node .ren-node').length === 300"
            " && document.querySelectorAll('.vue-flow__edge').length === 400",
            timeout=30000,
        )
        ms = await page.evaluate("performance.now()")
        print(f"\n300 nodes / 400 edges rendered {ms:.0f} ms after navigation start")


async def test_copy_paste_dblclick_and_pane_click(page: Page) -> None:
    await node(page, "fetch").locator(".ren-node__label").click()
    await page.keyboard.press("Control+c")
    event = await wait_event(page, "copy")
    assert event["args"] == {"nodes": ["fetch"], "edges": []}
    await page.keyboard.press("Control+v")
    event = await wait_event(page, "paste")
    assert set(event["args"]) == {"x", "y"}
    await node(page, "start").locator(".ren-node__label").dblclick()
    event = await wait_event(page, "node_dblclick")
    assert event["args"] == {"id": "start"}
    box = await page.locator(".demo-editor").bounding_box()
    assert box
    await page.mouse.click(box["x"] + 40, box["y"] + 40)
    event = await wait_event(page, "pane_click")
    assert set(event["args"]) == {"x", "y"}


async def test_python_methods_reach_the_canvas(page: Page) -> None:
    await page.locator(".demo-methods").click()
    await page.wait_for_function(
        """() => document.querySelector('.vue-flow__node[data-id="start"] .ren-node__label')
                 .textContent === 'Begin'"""
    )
    badge = node(page, "fetch").locator(".ren-node__problems")
    await badge.wait_for(state="visible")
    assert (await badge.text_content() or "").strip().startswith("2")
    await badge.hover()
    await node(page, "fetch").locator(".ren-node__tip").wait_for(state="visible")
    event = await wait_event(page, "selection")
    assert event["args"] == {"nodes": ["export"], "edges": []}
    await page.locator(".demo-viewport").click()
    event = await wait_event(page, "viewport")
    assert set(event["args"]) == {"x", "y", "zoom"} and event["args"]["zoom"] > 0
    await page.locator(".demo-reset").click()
    await page.wait_for_function(
        "document.querySelectorAll('.vue-flow__node').length === 2"
        " && document.querySelectorAll('.vue-flow__edge').length === 0"
    )


async def test_readonly_canvas_cannot_be_edited(page: Page, demo_url: str) -> None:
    await page.goto(demo_url + "/?readonly=1")
    await page.wait_for_selector(".vue-flow__node")
    assert await page.locator(".vue-flow__handle.connectable").count() == 0
    await node(page, "export").locator(".ren-node__label").click()
    await wait_event(page, "selection")
    await page.keyboard.press("Delete")
    await page.keyboard.press("Control+z")
    await page.wait_for_timeout(300)
    names = {e["event"] for e in await events(page)}
    assert "delete" not in names and "undo" not in names
    assert await page.locator(".vue-flow__node").count() == 3
