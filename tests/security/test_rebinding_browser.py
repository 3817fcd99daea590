"""A page on another site, in real Chromium, cannot use Ren: not by DNS rebinding, not by
cross-origin requests, not through the socket.

Chromium resolves `evil.example` to 127.0.0.1 (--host-resolver-rules), as a rebinding
attacker's DNS would. The attacker's page is served from a small HTTP server on another
loopback port as http://evil.example:<its port>/; its script tries to read Ren's inbox under
the rebound name and at 127.0.0.1, to open Ren's socket, and to complete the open task. It
writes what it got into the page, which the test reads. Ren runs as a real `ren` process on a
folder with one open task, which must still be open at the end.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.engine.service import Engine
from tests.browser import CHROMIUM, CHROMIUM_ARGS, require_chromium, start_ren, stop_app
from tests.ui.conftest import EXAMPLES

pytestmark = pytest.mark.browser

ATTACK = """
<!doctype html><title>cute cats</title><pre id="out">running</pre>
<script>
const REN = %(port)d, TASK = %(task)s;
const results = {};
async function attempt(name, fn) {
  try { results[name] = await fn(); } catch (e) { results[name] = 'error: ' + e; }
}
async function read(url) {
  const r = await fetch(url, {credentials: 'include'});
  return 'read ' + r.status + ': ' + (await r.text()).slice(0, 300);
}
function socket(url) {
  return new Promise(resolve => {
    const ws = new WebSocket(url);
    ws.onopen = () => { resolve('open'); ws.close(); };
    ws.onerror = () => resolve('refused');
    ws.onclose = () => resolve('refused');
    setTimeout(() => resolve('no answer'), 5000);
  });
}
(async () => {
  const sio = '/_nicegui_ws/socket.io/?EIO=4&transport=';
  await attempt('rebound_inbox', () => read(`http://evil.example:${REN}/inbox`));
  await attempt('loopback_inbox', () => read(`http://127.0.0.1:${REN}/inbox`));
  await attempt('localhost_inbox', () => read(`http://localhost:${REN}/inbox`));
  await attempt('rebound_polling', () => read(`http://evil.example:${REN}${sio}polling`));
  await attempt('loopback_polling', () => read(`http://127.0.0.1:${REN}${sio}polling`));
  await attempt('rebound_socket', () => socket(`ws://evil.example:${REN}${sio}websocket`));
  await attempt('loopback_socket', () => socket(`ws://127.0.0.1:${REN}${sio}websocket`));
  const answer = JSON.stringify({task_id: TASK, outcome: 'approve', values: {}, by: 'evil'});
  for (const host of ['127.0.0.1', 'evil.example']) {
    await attempt('complete_' + host, async () => {
      const r = await fetch(`http://${host}:${REN}/api/rpc/complete`, {
        method: 'POST', mode: 'no-cors', headers: {'Content-Type': 'text/plain'}, body: answer,
      });
      return 'sent, answer type ' + r.type;
    });
  }
  document.getElementById('out').textContent = JSON.stringify(results);
  document.title = 'done';
})();
</script>
"""


def seed(home: Path) -> str:
    """An expense approval waiting on its task; returns the task's id."""

    async def fill() -> str:
        engine = Engine(home)
        await engine.start(recover=False)
        try:
            engine.import_workflow(json.loads((EXAMPLES / "expense_approval.json").read_text()))
            run_id = await engine.start_run("expense-approval", {"who": "Ana", "amount": 120})
            await engine.wait(run_id)
            (task,) = engine.tasks.open_tasks(run_id=run_id)
            return str(task["id"])
        finally:
            await engine.stop()

    return asyncio.run(fill())


def serve_page(html: str) -> tuple[ThreadingHTTPServer, int]:
    """The attacker's site: `html` at every path, on a loopback port of its own."""
    body = html.encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, int(server.server_address[1])


@pytest.fixture(scope="module")
def ren(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, str]]:
    require_chromium()
    home = tmp_path_factory.mktemp("rebinding")
    task_id = seed(home)
    process, url = start_ren(home)
    yield url, home, task_id
    assert stop_app(process) == 0


def open_tasks(url: str, home: Path) -> list[str]:
    token = json.loads((home / "engine.json").read_text())["token"]
    response = httpx.post(f"{url}/api/rpc/tasks", json={}, headers={"X-Ren-Token": token})
    return [t["id"] for t in response.json()["result"]]


async def test_a_page_on_another_site_cannot_read_ren_open_its_socket_or_answer_a_task(
    ren: tuple[str, Path, str],
) -> None:
    from playwright.async_api import async_playwright

    url, home, task_id = ren
    port = int(url.rsplit(":", 1)[1])
    attacker, attacker_port = serve_page(ATTACK % {"port": port, "task": json.dumps(task_id)})
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(
                executable_path=CHROMIUM,
                args=[*CHROMIUM_ARGS, "--host-resolver-rules=MAP evil.example 127.0.0.1"],
                headless=True,
            )
            try:
                page = await (await browser.new_context()).new_page()
                # the rebound name itself: Ren's pages do not answer to it
                for path in ("/inbox", f"/tasks/{task_id}", "/"):
                    shown = await page.goto(f"http://evil.example:{port}{path}")
                    assert shown is not None and shown.status == 421, path
                    content = await page.content()
                    assert "Expense" not in content and "<script" not in content, path
                    assert await page.locator("button").count() == 0
                # the attacker's own page, trying everything from its script
                await page.goto(f"http://evil.example:{attacker_port}/")
                await page.wait_for_function("document.title === 'done'", timeout=30_000)
                results = json.loads(await page.locator("#out").text_content() or "{}")
            finally:
                await browser.close()
    finally:
        attacker.shutdown()
    reads = [k for k in results if k.endswith(("_inbox", "_polling"))]
    assert len(reads) == 5
    for name in reads:
        assert results[name].startswith("error: TypeError"), (name, results[name])
    assert results["rebound_socket"] == "refused"
    assert results["loopback_socket"] == "refused"
    assert (
        results["complete_127.0.0.1"]
        == results["complete_evil.example"]
        == ("sent, answer type opaque")
    )  # sent blind: refused by Ren (no token, a foreign Origin, another Host)
    assert open_tasks(url, home) == [task_id]
