"""Sending one HTTP request with retries, and reading its response as JSON, text or a file.

One `httpx.AsyncClient` per event loop serves every http_request step (connections are
reused; timeout, redirects and auth are set per request). Network errors, 429 and 5xx are
retried `retries` times, waiting what `Retry-After` asks (capped) or an exponential backoff.
A response is streamed: JSON and text up to the output limit, a file to an artifact on disk.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import tempfile
import weakref
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from app.credentials.kinds import Credential
from app.credentials.masking import guard_loggers
from app.nodes.context import StepContext
from app.nodes.http import HttpError
from app.nodes.http_auth import auth_for
from app.nodes.http_retry import RETRY_STATUSES, backoff_s, retry_after_s

CHUNK = 1 << 20  # bytes written to a download's file at a time (off the event loop)
EXCERPT = 200  # characters of a failed response's body quoted in the error

_clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, httpx.AsyncClient] = (
    weakref.WeakKeyDictionary()
)


def shared_client() -> httpx.AsyncClient:
    """This event loop's client (made on first use)."""
    loop = asyncio.get_running_loop()
    client = _clients.get(loop)
    if client is None or client.is_closed:
        guard_loggers()  # httpx logs request URLs; an API key in a query must not show
        client = httpx.AsyncClient(limits=httpx.Limits(max_connections=100))
        _clients[loop] = client
    return client


@dataclass
class Request:
    method: str
    url: str
    query: dict[str, str]
    headers: dict[str, str]
    body: dict[str, Any] = field(default_factory=dict)  # httpx keywords: json/data/files/content
    timeout_s: float = 30.0
    follow_redirects: bool = True


@dataclass
class Retries:
    count: int = 0
    backoff_s: float = 1.0
    max_wait_s: float = 60.0


@dataclass
class Answer:
    status: int
    reason: str
    headers: dict[str, str]
    url: str
    body: Any  # parsed JSON, text, or the artifact record of a file
    response: httpx.Response


async def send(
    ctx: StepContext,
    request: Request,
    retries: Retries,
    credential: Credential | None,
    response_format: str,
    file_name: str,
    max_bytes: int,
) -> Answer:
    """Send `request` (retrying as `retries` says) and read its answer in `response_format`."""
    client = shared_client()
    attempt, fresh_token = 0, False
    while True:
        ctx.checkpoint()
        headers, query = dict(request.headers), dict(request.query)
        if credential is not None:
            auth, extra = await auth_for(credential, client, request.timeout_s, fresh_token)
            ctx.used_secrets.update(extra)
            headers.update(auth.headers)
            query.update(auth.query)
        try:
            built = client.build_request(
                request.method,
                request.url,
                params=query or None,
                headers=headers,
                timeout=request.timeout_s,
                **request.body,
            )
        except (httpx.HTTPError, ValueError, TypeError) as err:  # e.g. a header httpx refuses
            raise HttpError(f"{request.method} {request.url}: bad request: {err}") from None
        try:
            response = await client.send(
                built, stream=True, follow_redirects=request.follow_redirects
            )
        except httpx.TransportError as err:
            if attempt < retries.count:
                attempt += 1
                await _wait(ctx, backoff_s(attempt, retries.backoff_s, None, retries.max_wait_s))
                continue
            raise HttpError(f"{request.method} {request.url} failed: {_describe(err)}") from None
        if response.status_code in RETRY_STATUSES and attempt < retries.count:
            await response.aclose()
            attempt += 1
            asked = retry_after_s(response.headers.get("retry-after"))
            await _wait(ctx, backoff_s(attempt, retries.backoff_s, asked, retries.max_wait_s))
            continue
        revoked = response.status_code == 401 and not fresh_token  # a cached token may be
        if revoked and credential is not None and credential.kind == "oauth2_client":
            await response.aclose()
            fresh_token = True
            continue
        try:
            return await _read(ctx, response, response_format, file_name, max_bytes)
        finally:
            await response.aclose()


async def _wait(ctx: StepContext, seconds: float) -> None:
    ctx.log(f"retrying in {seconds:g} s")
    await asyncio.sleep(seconds)
    ctx.checkpoint()


def _describe(err: httpx.TransportError) -> str:
    text = str(err)
    name = type(err).__name__
    return f"{name}: {text}" if text else name


async def _read(
    ctx: StepContext, response: httpx.Response, response_format: str, file_name: str, max_bytes: int
) -> Answer:
    headers = dict(response.headers.items())
    base = (response.status_code, response.reason_phrase, headers, str(response.url))
    if response_format == "file" and response.is_success:
        record = await _download(ctx, response, file_name)
        return Answer(*base, record, response)
    data = bytearray()
    async for chunk in response.aiter_bytes():
        data += chunk
        if len(data) > max_bytes:
            if not response.is_success:
                break  # enough for the error's excerpt
            raise HttpError(
                f"the response of {response.request.method} {response.url} is larger than "
                f"the output limit ({max_bytes:,} bytes); use response_format 'file'"
            )
    text = data.decode(response.encoding or "utf-8", errors="replace")
    parse_as = "auto" if response_format == "file" else response_format  # a failed download
    return Answer(*base, _parse(text, response, parse_as), response)


def _parse(text: str, response: httpx.Response, response_format: str) -> Any:
    media = response.headers.get("content-type", "").split(";")[0].strip().lower()
    is_json = media == "application/json" or media.endswith("+json")
    if response_format == "text" or (response_format == "auto" and not is_json):
        return text
    if not text.strip() and response_format == "auto":
        return None
    try:
        return json.loads(text)
    except ValueError as err:
        if not response.is_success:
            return text  # a failed request's error quotes it as it is
        raise HttpError(
            f"the response of {response.request.method} {response.url} is not JSON "
            f"({err}); use response_format 'text'"
        ) from None


async def _download(ctx: StepContext, response: httpx.Response, file_name: str) -> dict[str, Any]:
    """Stream the body to a file, then keep it as an artifact; returns the artifact record."""
    folder = ctx.data_dir
    await asyncio.to_thread(folder.mkdir, mode=0o700, parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=".download-", dir=folder)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as file:
            pending = bytearray()
            async for chunk in response.aiter_bytes():
                pending += chunk
                if len(pending) >= CHUNK:
                    await asyncio.to_thread(file.write, bytes(pending))
                    pending.clear()
                    ctx.checkpoint()
            await asyncio.to_thread(file.write, bytes(pending))
        media = response.headers.get("content-type", "").split(";")[0].strip() or None
        name = file_name or _name_from(response)
        record: dict[str, Any] = await asyncio.to_thread(ctx.save_artifact, name, temp, media)
        return record
    finally:
        with contextlib.suppress(OSError):
            temp.unlink()


def _name_from(response: httpx.Response) -> str:
    """The file's name: Content-Disposition's filename, else the URL's last part."""
    disposition = response.headers.get("content-disposition", "")
    for part in disposition.split(";"):
        key, _, value = part.strip().partition("=")
        name = value.strip('"')
        if key.lower() == "filename" and name:
            return str(name)
    last = str(response.url.path).rstrip("/").rsplit("/", 1)[-1]
    return last or "download"


def status_error(answer: Answer, method: str) -> HttpError:
    """`HTTP 404 Not Found from GET https://…: <the body's first 200 characters>`."""
    body = answer.body
    text = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
    excerpt = " ".join((text or "").split())[:EXCERPT]
    message = f"HTTP {answer.status} {answer.reason} from {method} {answer.url}"
    return HttpError(f"{message}: {excerpt}" if excerpt else message)
