"""How the editor copes with a big workflow: a 300-node draft opened, panned, zoomed, a node
dragged and renamed, in headless Chromium (Debian's /usr/bin/chromium) against a real `ren`.

No peer runs in a browser here, so this reports Ren's own figures: time to first paint and to
every node drawn, frame times while panning / zooming / dragging (from requestAnimationFrame),
and the time from a rename to "Saved". Run from the checkout, with the test extra installed:

    .venv/bin/python bench/editor_bench.py [--nodes 300] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from playwright.async_api import Page, async_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
VIEWPORT = {"width": 1440, "height": 900}
GESTURE_STEPS = 60

FRAME_PROBE = """() => {
  window.__frames = [];
  const tick = (t) => { window.__frames.push(t); window.__probe = requestAnimationFrame(tick); };
  window.__probe = requestAnimationFrame(tick);
}"""
VISIBLE_NODE = """() => {
  const pane = document.querySelector('.vue-flow__pane').getBoundingClientRect();
  const inside = [...document.querySelectorAll('.vue-flow__node')].find((n) => {
    const r = n.getBoundingClientRect();
    return r.left > pane.left + 150 && r.right < pane.right - 150
      && r.top > pane.top + 100 && r.bottom < pane.bottom - 150;
  });
  return inside ? inside.dataset.id : null;
}"""
EMPTY_SPOT = """() => {
  const pane = document.querySelector('.vue-flow__pane').getBoundingClientRect();
  for (let y = pane.top + 40; y < pane.bottom - 40; y += 20)
    for (let x = pane.left + 40; x < pane.right - 40; x += 20)
      if (document.elementFromPoint(x, y)?.classList.contains('vue-flow__pane')) return [x, y];
  return null;
}"""
VIEWPORT_TRANSFORM = "() => document.querySelector('.vue-flow__transformationpane').style.transform"
FRAME_STOP = "() => { cancelAnimationFrame(window.__probe); return window.__frames; }"


def big_draft(n: int, workflow_id: str) -> dict[str, Any]:
    """A start node, then `n - 1` steps in eight parallel lanes that merge every tenth step;
    no positions, so the editor lays it out."""
    nodes: list[dict[str, Any]] = [{"id": "start", "type": "start"}]
    edges: list[dict[str, Any]] = []
    lanes = ["start"] * 8
    for i in range(1, n):
        lane = i % 8
        node_id = f"s{i}"
        nodes.append({"id": node_id, "type": "set", "config": {"values": {"lane": lane}}})
        edges.append({"source": lanes[lane], "target": node_id})
        lanes[lane] = node_id
    return {
        "schema": "ren.workflow/1",
        "id": workflow_id,
        "name": f"Big ({n})",
        "nodes": nodes,
        "edges": edges,
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_ren(home: Path, nodes: int, rounds: int) -> tuple[subprocess.Popen[bytes], str]:
    seed = (
        "import asyncio, json, sys; from app.engine.service import Engine\n"
        "async def main():\n"
        "    async with Engine(sys.argv[1]) as engine:\n"
        "        for draft in json.loads(sys.argv[2]):\n"
        "            engine.import_workflow(draft, publish=False)\n"
        "asyncio.run(main())\n"
    )
    import json

    subprocess.run(
        [
            sys.executable,
            "-c",
            seed,
            str(home),
            json.dumps([big_draft(nodes, f"big{i}") for i in range(rounds)]),
        ],
        cwd=ROOT,
        check=True,
    )
    port = free_port()
    env = {**os.environ, "REN_HOME": str(home)}
    process = subprocess.Popen(
        [sys.executable, "-m", "app.cli", "--no-browser", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "/workflows", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise SystemExit("ren did not start")


def frame_stats(frames: list[float]) -> tuple[float, float]:
    """(frames per second, 95th-percentile frame time in ms) over a gesture."""
    gaps = sorted(b - a for a, b in itertools.pairwise(frames))
    if not gaps:
        return 0.0, 0.0
    return 1000 / statistics.median(gaps), gaps[int(len(gaps) * 0.95)]


async def gesture(
    page: Page, start: tuple[float, float], dx: float, dy: float
) -> tuple[float, float]:
    """Press at `start`, move by (dx, dy) in steps as a hand would, release; frame stats."""
    await page.evaluate(FRAME_PROBE)
    await page.mouse.move(*start)
    await page.mouse.down()
    for step in range(1, GESTURE_STEPS + 1):
        await page.mouse.move(
            start[0] + dx * step / GESTURE_STEPS, start[1] + dy * step / GESTURE_STEPS
        )
        await asyncio.sleep(0.016)
    await page.mouse.up()
    return frame_stats(await page.evaluate(FRAME_STOP))


async def zoom(page: Page, at: tuple[float, float]) -> tuple[float, float]:
    await page.evaluate(FRAME_PROBE)
    await page.mouse.move(*at)
    for step in range(GESTURE_STEPS):
        await page.mouse.wheel(0, -40 if step < GESTURE_STEPS // 2 else 40)
        await asyncio.sleep(0.016)
    return frame_stats(await page.evaluate(FRAME_STOP))


async def one_round(page: Page, url: str, workflow_id: str, nodes: int) -> dict[str, float]:
    await page.goto(f"{url}/workflows/{workflow_id}")
    await page.wait_for_function(
        f"document.querySelectorAll('.vue-flow__node').length === {nodes}", timeout=120_000
    )
    drawn = await page.evaluate("performance.now()")
    paint = await page.evaluate(
        "(performance.getEntriesByName('first-contentful-paint')[0] || {}).startTime || 0"
    )
    pane = await page.locator(".vue-flow__pane").bounding_box()
    assert pane is not None
    empty = await page.evaluate(EMPTY_SPOT)
    before = await page.evaluate(VIEWPORT_TRANSFORM)
    pan_fps, pan_worst = await gesture(page, empty, 300, -200)
    assert await page.evaluate(VIEWPORT_TRANSFORM) != before, "the canvas did not pan"
    before = await page.evaluate(VIEWPORT_TRANSFORM)
    zoom_fps, zoom_worst = await zoom(page, (pane["x"] + pane["width"] / 2, pane["y"] + 300))
    assert await page.evaluate(VIEWPORT_TRANSFORM) != before, "the canvas did not zoom"
    await page.wait_for_timeout(300)  # a wheel zoom ends 150 ms after the last wheel event
    visible = await page.evaluate(VISIBLE_NODE)
    target = page.locator(f'.vue-flow__node[data-id="{visible}"]')
    box = await target.bounding_box()
    assert box is not None
    drag_fps, drag_worst = await gesture(
        page, (box["x"] + box["width"] / 2, box["y"] + box["height"] / 2), 120, 80
    )
    moved = await target.bounding_box()
    assert moved is not None and moved["x"] > box["x"] + 60, "the node did not move"
    await page.locator(".ren-save-state", has_text="Saved").wait_for(timeout=10_000)
    await target.click()
    name = page.locator(".ren-inspector").get_by_label("Name").first
    started = time.perf_counter()
    await name.fill("Renamed step")
    await page.wait_for_function(
        "document.querySelector('.ren-save-state').innerText !== 'Saved'", timeout=10_000
    )
    await page.wait_for_function(
        "document.querySelector('.ren-save-state').innerText === 'Saved'", timeout=10_000
    )
    saved_ms = (time.perf_counter() - started) * 1000
    label = page.locator(f'.vue-flow__node[data-id="{visible}"]')
    assert "Renamed step" in await label.inner_text(), "the canvas did not show the new name"
    return {
        "first paint, ms": paint,
        "all nodes drawn, ms": drawn,
        "pan, frames/s": pan_fps,
        "pan, 95th-percentile frame, ms": pan_worst,
        "zoom, frames/s": zoom_fps,
        "zoom, 95th-percentile frame, ms": zoom_worst,
        "drag a node, frames/s": drag_fps,
        "drag a node, 95th-percentile frame, ms": drag_worst,
        "rename to saved (0.8 s autosave pause included), ms": saved_ms,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as home:
        process, url = start_ren(Path(home), args.nodes, args.rounds)
        try:
            results: list[dict[str, float]] = []
            async with async_playwright() as p:
                browser = await p.chromium.launch(
                    executable_path=CHROMIUM, args=["--no-sandbox"], headless=True
                )
                for i in range(args.rounds):  # each round opens its own fresh copy
                    page = await browser.new_page(viewport=VIEWPORT)
                    results.append(await one_round(page, url, f"big{i}", args.nodes))
                    await page.close()
                await browser.close()
        finally:
            process.terminate()
            process.wait(timeout=15)
    print(f"| {args.nodes}-node editor (median of {args.rounds}) | value |")
    print("|---|---|")
    for key in results[0]:
        print(f"| {key} | {statistics.median(r[key] for r in results):.0f} |")


if __name__ == "__main__":
    asyncio.run(main())
