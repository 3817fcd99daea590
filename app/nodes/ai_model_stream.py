"""A streamed chat completion (`stream: true`): server-sent events put back together.

Each event is `data: {chunk}` whose first choice's `delta` adds to the reply: `content` text,
`tool_calls` pieces (by `index`: the id and name once, the arguments in parts); the last event
before `data: [DONE]` carries `usage` when `stream_options.include_usage` asked for it. The result
is the answer a non-streamed request gets, so it is journalled and replayed the same way.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from app.nodes.ai_model_client import ModelError, OnText

if TYPE_CHECKING:
    import httpx


class StreamedReply:
    """The parts of a reply gathered from its chunks."""

    def __init__(self) -> None:
        self.text = ""
        self.calls: dict[int, dict[str, Any]] = {}
        self.finish: str | None = None
        self.usage: dict[str, Any] | None = None
        self.id = ""
        self.model: str | None = None

    def add(self, chunk: dict[str, Any]) -> bool:
        """Take one chunk in; True when it added text."""
        if isinstance(chunk.get("error"), dict | str):
            error = chunk["error"]
            message = error.get("message") if isinstance(error, dict) else error
            raise ModelError(f"the model's stream ended with an error: {message}")
        self.id = str(chunk.get("id") or self.id)
        self.model = chunk.get("model") or self.model
        if isinstance(chunk.get("usage"), dict):
            self.usage = chunk["usage"]
        choices = chunk.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            return False
        choice = choices[0]
        self.finish = choice.get("finish_reason") or self.finish
        delta = choice.get("delta")
        if not isinstance(delta, dict):
            return False
        for piece in delta.get("tool_calls") or []:
            self._add_call(piece)
        content = delta.get("content")
        if isinstance(content, str) and content:
            self.text += content
            return True
        return False

    def _add_call(self, piece: dict[str, Any]) -> None:
        index = int(piece.get("index") or 0)
        call = self.calls.setdefault(
            index, {"id": "", "type": "function", "function": {"name": "", "arguments": ""}}
        )
        if piece.get("id"):
            call["id"] = piece["id"]
        function = piece.get("function") or {}
        call["function"]["name"] += function.get("name") or ""
        call["function"]["arguments"] += function.get("arguments") or ""

    def answer(self) -> dict[str, Any]:
        """The reply as a non-streamed chat completion."""
        message: dict[str, Any] = {"role": "assistant", "content": self.text or None}
        if self.calls:
            message["tool_calls"] = [self.calls[i] for i in sorted(self.calls)]
        answer: dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion",
            "model": self.model,
            "choices": [{"index": 0, "message": message, "finish_reason": self.finish}],
        }
        if self.usage is not None:
            answer["usage"] = self.usage
        return answer


async def read_stream(response: httpx.Response, url: str, on_text: OnText | None) -> dict[str, Any]:
    """Read a text/event-stream answer to its end; `on_text` sees the text so far."""
    reply = StreamedReply()
    done = False
    async for line in response.aiter_lines():  # to the end: the connection is then reused
        if done or not line.startswith("data:"):
            continue  # comments, event names, blank separators
        data = line[5:].strip()
        if data == "[DONE]":
            done = True
            continue
        try:
            chunk = json.loads(data)
        except ValueError:
            raise ModelError(f"{url} streamed something that is not JSON") from None
        if isinstance(chunk, dict) and reply.add(chunk) and on_text is not None:
            on_text(reply.text)
    if not done and reply.finish is None:
        raise ModelError(f"{url} ended its stream before the reply was complete")
    return reply.answer()
