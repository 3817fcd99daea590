"""A local OpenAI-compatible server for the AI tests: scripted replies, tool calls, errors,
429s with Retry-After and usage, on 127.0.0.1 in a thread of the test process.

`script` is a list of steps served in order, one per POST /chat/completions; past its end the
`responder` (request body -> step) answers. A step is a `Reply` or an `Error`. Every request
(path, headers, body) is kept in `requests`, so tests count what reached the model.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    content: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    usage: tuple[int, int] = (10, 5)  # prompt, completion tokens


@dataclass
class Error:
    status: int
    message: str = "stub error"
    retry_after: str | None = None


Step = Reply | Error


def tool_call(call_id: str, name: str, arguments: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(arguments)},
    }


@dataclass
class Seen:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class OpenAIStub:
    def __init__(
        self,
        script: list[Step] | None = None,
        responder: Callable[[dict[str, Any]], Step] | None = None,
    ) -> None:
        self.script = list(script or [])
        self.responder = responder
        self.requests: list[Seen] = []
        self.busy_s = 0.0  # time spent answering (the bench subtracts it)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> OpenAIStub:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def chat_requests(self) -> list[dict[str, Any]]:
        return [r.body for r in self.requests if r.path.endswith("/chat/completions")]

    def _next(self, body: dict[str, Any]) -> Step:
        with self._lock:
            if self.script:
                return self.script.pop(0)
        if self.responder is None:
            return Error(500, "the stub has no more scripted replies")
        return self.responder(body)

    def answer(
        self, path: str, headers: dict[str, str], raw: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        body = json.loads(raw or b"{}")
        with self._lock:
            self.requests.append(Seen(path, headers, body))
        if path.endswith("/embeddings"):
            texts = body.get("input") or []
            texts = [texts] if isinstance(texts, str) else texts
            data = [
                {"index": i, "embedding": [float(len(t)), float(sum(map(ord, t)) % 97)]}
                for i, t in enumerate(texts)
            ]
            usage = {"prompt_tokens": len(texts), "total_tokens": len(texts)}
            return 200, {}, json.dumps({"data": data, "usage": usage}).encode()
        step = self._next(body)
        if isinstance(step, Error):
            extra = {"Retry-After": step.retry_after} if step.retry_after is not None else {}
            payload = {"error": {"message": step.message}}
            return step.status, extra, json.dumps(payload).encode()
        message: dict[str, Any] = {"role": "assistant", "content": step.content}
        if step.tool_calls:
            message["tool_calls"] = step.tool_calls
        prompt, completion = step.usage
        answer = {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "model": body.get("model"),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }
        return 200, {}, json.dumps(answer).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body are separate writes

            def do_POST(self) -> None:
                began = time.perf_counter()
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                status, extra, payload = stub.answer(self.path, dict(self.headers), raw)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in extra.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
                stub.busy_s += time.perf_counter() - began

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler
