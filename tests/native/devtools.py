"""A minimal Chrome DevTools Protocol client for the desktop window's web view.

Qt WebEngine serves DevTools on the port named by QTWEBENGINE_REMOTE_DEBUGGING, but Playwright
cannot attach to it (it needs browser-context commands Qt does not offer), so the test speaks
the protocol's few page-level commands itself, over the page's own websocket.
"""

from __future__ import annotations

import base64
import json
import time
import urllib.request
from typing import Any

from websockets.sync.client import ClientConnection, connect

__all__ = ["DevToolsError", "Page", "connect", "page_socket"]


class DevToolsError(RuntimeError):
    pass


def page_socket(debug_url: str, app_url: str, timeout: float) -> str:
    """The DevTools websocket of the page showing `app_url`, once the window has opened it."""
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(debug_url + "/json", timeout=2) as answer:
                last = json.load(answer)
        except OSError:
            last = None
        for target in last or []:
            if target.get("type") == "page" and str(target.get("url", "")).startswith(app_url):
                return str(target["webSocketDebuggerUrl"])
        time.sleep(0.3)
    raise DevToolsError(f"no page of {app_url} appeared in the window's DevTools: {last}")


class Page:
    """One page over its DevTools websocket: evaluate JavaScript, wait for a condition, take a
    screenshot."""

    def __init__(self, socket: ClientConnection) -> None:
        self.socket = socket
        self.next_id = 0

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        ask = self.next_id
        self.socket.send(json.dumps({"id": ask, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=30))
            if message.get("id") != ask:
                continue  # an event, or the answer to an earlier call
            if "error" in message:
                raise DevToolsError(f"{method}: {message['error']}")
            return dict(message.get("result", {}))

    def evaluate(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True
        )
        if "exceptionDetails" in result:
            raise DevToolsError(f"{expression!r} threw: {result['exceptionDetails']}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression: str, timeout: float = 20.0) -> Any:
        """Evaluate `expression` until it is truthy; return its value. While the page loads,
        an expression that throws (no body yet) counts as false."""
        deadline = time.monotonic() + timeout
        value: Any = None
        guarded = f"(() => {{ try {{ return {expression}; }} catch (e) {{ return null; }} }})()"
        while time.monotonic() < deadline:
            value = self.evaluate(guarded)
            if value:
                return value
            time.sleep(0.2)
        raise DevToolsError(f"still false after {timeout} s: {expression} (last value {value!r})")

    def screenshot(self) -> bytes:
        return base64.b64decode(self.call("Page.captureScreenshot", format="png")["data"])
