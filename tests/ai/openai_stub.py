"""A local OpenAI-compatible server for the AI tests: scripted replies, tool calls, errors,
429s with Retry-After, usage and streaming, on 127.0.0.1 in a thread of the test process.

`script` is a list of steps served in order, one per POST /chat/completions; past its end the
`responder` (request body -> step) answers. A step is a `Reply` or an `Error`. Every request
(path, headers, body) is kept in `requests`, so tests count what reached the model.

A request with `"stream": true` is answered with server-sent events (chunked): the content a
word at a time, each tool call's arguments in two parts, the usage in the last chunk when
`stream_options.include_usage` asks, then `data: [DONE]`. A reply with `hold` stops after
`hold_after` words until the test sets that event (to look at a half-written reply).
`OpenAIStub(streams=False)` answers plain JSON even then, as an endpoint that cannot stream.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    content: str | None = None
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    usage: tuple[int, int] = (10, 5)  # prompt, completion tokens
    hold: threading.Event | None = None  # streamed: wait for it after `hold_after` words
    hold_after: int = 1


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
        streams: bool = True,
    ) -> None:
        self.script = list(script or [])
        self.responder = responder
        self.streams = streams  # False: plain JSON even when asked to stream
        self.cut_streams = False  # True: a stream stops after its text (no end, no [DONE])
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
    ) -> tuple[int, dict[str, str], bytes | Iterator[bytes]]:
        """Status, extra headers and the body: bytes, or the events of a streamed reply."""
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
        prompt, completion = step.usage
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
        ident = f"chatcmpl-{len(self.requests)}"
        if body.get("stream") and self.streams:
            with_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            events = _events(step, ident, body.get("model"), usage if with_usage else None)
            return 200, {}, _cut(events) if self.cut_streams else events
        message: dict[str, Any] = {"role": "assistant", "content": step.content}
        if step.tool_calls:
            message["tool_calls"] = step.tool_calls
        answer = {
            "id": ident,
            "object": "chat.completion",
            "model": body.get("model"),
            "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": usage,
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
                for name, value in extra.items():
                    self.send_header(name, value)
                if isinstance(payload, bytes):
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                else:
                    self.send_header("Content-Type", "text/event-stream")
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for event in payload:  # each event is sent (and seen) on its own
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
                        self.wfile.flush()
                    self.wfile.write(b"0\r\n\r\n")
                stub.busy_s += time.perf_counter() - began

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


def _events(step: Reply, ident: str, model: Any, usage: dict[str, int] | None) -> Iterator[bytes]:
    """A reply as server-sent events, as OpenAI streams it."""

    def event(delta: dict[str, Any], finish: str | None = None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        chunk = {"id": ident, "object": "chat.completion.chunk", "model": model}
        return b"data: %s\n\n" % json.dumps({**chunk, "choices": [choice]}).encode()

    yield event({"role": "assistant", "content": ""})
    for n, word in enumerate(re.findall(r"\S+\s*|\s+", step.content or ""), start=1):
        yield event({"content": word})
        if step.hold is not None and n == step.hold_after:
            step.hold.wait(60)
    for index, call in enumerate(step.tool_calls):
        arguments = call["function"]["arguments"]
        half = len(arguments) // 2
        first = {"name": call["function"]["name"], "arguments": arguments[:half]}
        yield event(
            {
                "tool_calls": [
                    {"index": index, "id": call["id"], "type": "function", "function": first}
                ]
            }
        )
        rest = {"arguments": arguments[half:]}
        yield event({"tool_calls": [{"index": index, "function": rest}]})
    yield event({}, "tool_calls" if step.tool_calls else "stop")
    if usage is not None:
        chunk = {"id": ident, "object": "chat.completion.chunk", "choices": [], "usage": usage}
        yield b"data: %s\n\n" % json.dumps(chunk).encode()
    yield b"data: [DONE]\n\n"


def _cut(events: Iterator[bytes]) -> Iterator[bytes]:
    """The events up to the end of the text, as when a server stops mid-reply."""
    for event in events:
        if b'"finish_reason": null' not in event:
            return
        yield event
