"""In Chromium against a real `ren`: a run's artifacts are listed on its page and clicking one
downloads the file with its name and exact bytes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from app.engine.service import Engine
from app.nodes.functions import load_functions
from tests.browser import chromium, require_chromium, start_ren, stop_app
from tests.conftest import chain_workflow

pytestmark = pytest.mark.browser

CSV = b"id,amount\n" + b"".join(f"{i},{i * 10}\n".encode() for i in range(300))
FUNCTIONS = f"""
from app import register_function

@register_function("report.export")
def export(state, ctx):
    ctx.save_artifact("chart.png", b"PNG" * 1000, "image/png")
    return ctx.save_artifact("monthly report.csv", {CSV!r})
"""


async def test_a_run_page_download_gives_the_artifact(tmp_path: Path) -> None:
    require_chromium()
    home = tmp_path / "home"
    functions = tmp_path / "report_functions.py"
    functions.write_text(FUNCTIONS)
    load_functions(str(functions))
    async with Engine(home) as engine:
        flow = chain_workflow({"type": "function", "config": {"function": "report.export"}})
        engine.import_workflow(flow)
        run = await engine.run("wf", {})
        assert run.status == "succeeded", run.error
    process, url = start_ren(home, "--functions", str(functions))
    try:
        async with chromium(viewport={"width": 1360, "height": 1000}, accept_downloads=True) as ctx:
            page = await ctx.new_page()
            await page.goto(f"{url}/runs/{run.id}")
            card = page.get_by_test_id("run-artifacts")
            await card.get_by_text("monthly report.csv").wait_for()
            await card.get_by_text("image/png · 2.9 KB · n1").wait_for()
            async with page.expect_download() as info:
                await card.get_by_text("monthly report.csv").click()
            download = await info.value
            assert download.suggested_filename == "monthly report.csv"
            saved = Path(await download.path())
            assert hashlib.sha256(saved.read_bytes()).hexdigest() == run.output["sha256"]
            assert saved.read_bytes() == CSV
            assert page.url == f"{url}/runs/{run.id}"  # the page stays; nothing rendered
    finally:
        stop_app(process)
