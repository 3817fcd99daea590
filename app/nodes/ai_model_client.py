"""Calls to an OpenAI-compatible endpoint (OpenAI, Ollama, LM Studio, llama.cpp, vLLM).

One `ModelSettings` says where and how; `chat()` posts to `<base_url>/chat/completions` and
`embed()` to `<base_url>/embeddings`, retrying network errors, 429 and 5xx (honouring
Retry-After). Errors name the endpoint and the status, never the key.

With `stream` (the default) a chat request asks for the reply as server-sent events; `chat()`
hands the text so far to `on_text` as it grows and returns the whole reply, put together as the
non-streamed answer would be (app.nodes.ai_model_stream). An endpoint that answers with plain
JSON instead is read as such.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.nodes.http_retry import RETRY_STATUSES, backoff_s, retry_after_s

if TYPE_CHECKING:  # httpx loads with the first model call, not for `ren validate`
    import httpx


class ModelError(RuntimeError):
    """The endpoint could not be reached or answered with an error."""


OnText = Callable[[str], None]  # a streamed reply's text so far


@dataclass(frozen=True)
class ModelSettings:
    base_url: str
    model: str
    temperature: float | None = None
    max_tokens: int | None = None
    timeout_s: float = 60.0
    retries: int = 2
    stream: bool = True  # ask for server-sent events (the chat page shows the text as it grows)
    retry_base_s: float = 1.0
    retry_cap_s: float = 30.0
    headers: dict[str, str] = field(default_factory=dict, repr=False)  # the key, if any


def auth_headers(kind: str, fields: dict[str, Any]) -> dict[str, str]:
    """The headers a credential of `kind` (bearer / api_key) signs a model request with."""
    if kind == "bearer":
        return {"Authorization": f"Bearer {fields['token']}"}
    if kind == "api_key":
        name = str(fields.get("name") or "Authorization")
        value = str(fields["value"])
        if name.lower() == "authorization" and not value.lower().startswith("bearer "):
            value = f"Bearer {value}"
        return {name: value}
    raise ModelError(f"a {kind} credential cannot sign model requests (use bearer or api_key)")


_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
    weakref.WeakKeyDictionary()
)


def _client() -> httpx.AsyncClient:
    """One keep-alive client per event loop: a new connection (and TLS set-up) per model call
    would cost more than the rest of an agent's loop."""
    import httpx

    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None or client.is_closed:
        client = _clients[loop] = httpx.AsyncClient()
    return client


Read = Callable[["httpx.Response", str], Awaitable[dict[str, Any]]]


async def post_json(
    settings: ModelSettings, path: str, body: dict[str, Any], read: Read | None = None
) -> dict[str, Any]:
    """POST `body` and give the answer as a JSON object (`read` reads a 2xx answer, by default
    as JSON), retrying network errors (also mid-answer), 429 and 5xx."""
    import httpx

    url = settings.base_url.rstrip("/") + path
    attempt = 0
    while True:
        attempt += 1
        wait: float | None = None
        try:
            client = _client()
            request = client.build_request(
                "POST", url, json=body, headers=settings.headers, timeout=settings.timeout_s
            )
            response = await client.send(request, stream=True)
            try:
                if response.status_code < 400:
                    return await (read or _read_json)(response, url)
                await response.aread()
            finally:
                await response.aclose()
        except httpx.HTTPError as err:
            problem = f"cannot reach {url}: {type(err).__name__}"
            wait = backoff_s(attempt, settings.retry_base_s, None, settings.retry_cap_s)
        else:
            problem = f"{url} answered {response.status_code}: {_error_text(response)}"
            if response.status_code in RETRY_STATUSES:
                hint = retry_after_s(response.headers.get("retry-after"))
                wait = backoff_s(attempt, settings.retry_base_s, hint, settings.retry_cap_s)
        if wait is None or attempt > settings.retries:
            raise ModelError(problem)
        await asyncio.sleep(wait)


async def _read_json(response: httpx.Response, url: str) -> dict[str, Any]:
    await response.aread()
    return _json_of(response, url)


def _json_of(response: httpx.Response, url: str) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        raise ModelError(f"{url} answered with something that is not JSON") from None
    if not isinstance(data, dict):
        raise ModelError(f"{url} answered with JSON that is not an object")
    return data


def _error_text(response: httpx.Response) -> str:
    try:
        data = response.json()
    except ValueError:
        return response.text[:200] or response.reason_phrase
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return str(error.get("message") or error)[:200]
    return str(error or data)[:200]


@dataclass(frozen=True)
class ChatReply:
    message: dict[str, Any]  # role, content, tool_calls
    usage: dict[str, int]
    raw: dict[str, Any]

    @property
    def text(self) -> str:
        return str(self.message.get("content") or "")

    @property
    def tool_calls(self) -> list[dict[str, Any]]:
        return list(self.message.get("tool_calls") or [])


def chat_body(
    settings: ModelSettings,
    messages: list[dict[str, Any]],
    tools: list[dict[str, Any]] | None = None,
    json_mode: bool = False,
) -> dict[str, Any]:
    body: dict[str, Any] = {"model": settings.model, "messages": messages}
    if settings.temperature is not None:
        body["temperature"] = settings.temperature
    if settings.max_tokens is not None:
        body["max_tokens"] = settings.max_tokens
    if tools:
        body["tools"] = tools
    if json_mode:
        body["response_format"] = {"type": "json_object"}
    if settings.stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}  # the tokens, in the last event
    return body


TRANSPORT_KEYS = ("stream", "stream_options")  # how the reply travels, not what is asked


def asked(body: dict[str, Any]) -> dict[str, Any]:
    """A chat request without its transport options: what the journal keys a reply by."""
    return {k: v for k, v in body.items() if k not in TRANSPORT_KEYS}


def reply_of(data: dict[str, Any]) -> ChatReply:
    """The first choice's message and the usage of a chat completion answer."""
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise ModelError("the model answered without choices")
    message = choices[0].get("message")
    if not isinstance(message, dict):
        raise ModelError("the model answered without a message")
    return ChatReply(message, usage_of(data), data)


USAGE_KEYS = ("prompt_tokens", "completion_tokens", "total_tokens")


def usage_of(data: dict[str, Any]) -> dict[str, int]:
    usage = data.get("usage")
    if not isinstance(usage, dict):
        usage = {}
    return {k: int(usage.get(k) or 0) for k in USAGE_KEYS}


def add_usage(total: dict[str, int], more: dict[str, int]) -> dict[str, int]:
    return {k: total.get(k, 0) + more.get(k, 0) for k in USAGE_KEYS}


async def chat(
    settings: ModelSettings, body: dict[str, Any], on_text: OnText | None = None
) -> ChatReply:
    """One chat completion; a streamed one hands its text so far to `on_text` as it grows."""
    if not body.get("stream"):
        return reply_of(await post_json(settings, "/chat/completions", body))
    from app.nodes.ai_model_stream import read_stream

    async def read(response: httpx.Response, url: str) -> dict[str, Any]:
        media = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if media != "text/event-stream":  # the endpoint does not stream: plain JSON
            return await _read_json(response, url)
        return await read_stream(response, url, on_text)

    return reply_of(await post_json(settings, "/chat/completions", body, read))


async def embed(
    settings: ModelSettings, texts: list[str]
) -> tuple[list[list[float]], dict[str, int]]:
    """One vector per text, and the usage (POST /embeddings)."""
    data = await post_json(settings, "/embeddings", {"model": settings.model, "input": texts})
    rows = data.get("data")
    if not isinstance(rows, list):
        raise ModelError("the embeddings endpoint answered without data")
    vectors = [[float(x) for x in (row.get("embedding") or [])] for row in rows]
    return vectors, usage_of(data)
