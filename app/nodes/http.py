"""The HTTP request node: call an API with templates, a credential, retries and pagination.

Config names `method`, `url`, `query`, `headers`, `body` and outputs `status`, `headers`, `body`
are fixed (other tools rely on them). Sending and reading is app.nodes.http_send; auth per
credential kind app.nodes.http_auth; pages app.nodes.http_paging.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field

from app.core.catalog import FunctionLookup
from app.core.json_values import max_output_bytes
from app.core.ports import Port
from app.core.templates import has_template, render_config
from app.credentials.checks import credential_problems, folder_of
from app.credentials.kinds import HTTP_KINDS
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.checks import template_fields
from app.nodes.context import StepContext

if TYPE_CHECKING:  # httpx is imported when a request runs: `ren validate` stays light
    from app.nodes.http_send import Answer, Request


class HttpError(Exception):
    """A request that failed: a bad URL or body, a network error after its retries, or a
    status it refuses."""


Method = Literal["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class Pagination(NodeConfig):
    mode: Literal["none", "next_link", "cursor"] = Field(
        "none",
        description="none; next_link: follow the Link header (or next_field); cursor: send "
        "cursor_field of each page as the query parameter cursor_param",
    )
    next_field: str = Field("", description="next_link: body path of the next URL (else Link)")
    cursor_field: str = Field("", description="cursor: body path of the next cursor")
    cursor_param: str = Field("cursor", description="cursor: query parameter it is sent as")
    items_field: str = Field("", description="Body path of each page's items (empty: the body)")
    max_pages: int = Field(10, ge=1, le=10_000, description="Stop after this many pages")


class HttpRequestConfig(NodeConfig):
    method: Method = Field("GET", description="HTTP method")
    url: str = Field(description="URL; may use {{ expressions }}")
    query: dict[str, Any] = Field(
        default_factory=dict, description="Query parameters; values may use {{ expressions }}"
    )
    headers: dict[str, str] = Field(
        default_factory=dict, description="Request headers; values may use {{ expressions }}"
    )
    body_type: Literal["json", "form", "multipart", "raw"] = Field(
        "json",
        description="json; form (url-encoded fields); multipart (fields; a value "
        '{"artifact_id": …} sends that file); raw (the body text as it is)',
    )
    body: Any = Field(None, description="The body (none when empty); may use {{ expressions }}")
    credential: str | None = Field(
        None,
        description="Credential used to sign in (bearer, basic, API key, OAuth2 client)",
        json_schema_extra={"x-ren-kind": "credential", "x-ren-credential-kinds": list(HTTP_KINDS)},
    )
    timeout_s: float = Field(30.0, gt=0, le=3600, description="Seconds each request may take")
    retries: int = Field(
        0, ge=0, le=20, description="Tries again after network errors, 429 and 5xx"
    )
    retry_backoff_s: float = Field(
        1.0, ge=0, le=600, description="First wait between tries (doubles each time)"
    )
    retry_max_wait_s: float = Field(
        60.0, ge=0, le=3600, description="Longest wait between tries (caps Retry-After)"
    )
    follow_redirects: bool = Field(True, description="Follow 3xx redirects")
    fail_on_status: bool = Field(True, description="Fail the step on a 4xx or 5xx answer")
    response_format: Literal["auto", "json", "text", "file"] = Field(
        "auto",
        description="auto: JSON when the answer says so, else text; file: keep the body as an "
        "artifact (downloads of any size)",
    )
    file_name: str = Field("", description="file: the artifact's name (default: from the URL)")
    pagination: Pagination = Field(default_factory=Pagination, description="Fetch more pages")


class HttpRequestNode(NodeType[HttpRequestConfig]):
    type_name = "http_request"
    title = "HTTP request"
    category = "HTTP"
    icon = "http"
    description = (
        "Calls a web API or downloads a file: method, URL, query, headers and a JSON, form, "
        "multipart or raw body, signed in with a credential. Retries network errors and busy "
        "servers, follows pages, and gives the status, headers and body (JSON parsed). A 4xx or "
        "5xx answer fails the step unless told otherwise."
    )
    config_model = HttpRequestConfig

    def output_ports(self, config: HttpRequestConfig) -> Sequence[Port]:
        return (Port("out", "object", "{status, headers, body}"),)

    def config_problems(
        self, config: HttpRequestConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        problems = template_fields("url", config.url)
        for name in ("query", "headers", "body"):
            problems += template_fields(name, getattr(config, name))
        if not has_template(config.url):
            problem = url_problem(config.url)
            if problem:
                problems.append(("url", problem))
        if config.body_type in ("form", "multipart") and not isinstance(config.body, dict | None):
            problems.append(("body", f"a {config.body_type} body is an object of fields"))
        paging = config.pagination
        if paging.mode == "cursor" and not paging.cursor_field:
            problems.append(("pagination.cursor_field", "cursor pagination needs cursor_field"))
        if config.response_format == "file" and paging.mode != "none":
            problems.append(("pagination.mode", "a file download has no pages"))
        problems += credential_problems(config.credential, HTTP_KINDS, folder_of(functions))
        return problems

    async def execute(self, ctx: StepContext, config: HttpRequestConfig, input: Any) -> NodeResult:
        from app.nodes.http_send import Request, Retries, send, status_error

        parts = {"url": config.url, "query": config.query, "headers": config.headers}
        rendered = render_config({**parts, "body": config.body}, ctx.scope(input))
        url = str(rendered["url"]).strip()
        problem = url_problem(url)
        if problem:
            raise HttpError(f"url: {problem}")
        credential = None
        if config.credential:  # the first use opens the vault (the keyring, the database)
            credential = await asyncio.to_thread(ctx.credential, config.credential)
        arguments = (ctx, config.body_type, rendered["body"])
        if config.body_type == "multipart":  # it reads its files: off the event loop
            body = await asyncio.to_thread(body_arguments, *arguments)
        else:
            body = body_arguments(*arguments)
        request = Request(
            config.method,
            url,
            {str(k): _text(v) for k, v in (rendered["query"] or {}).items()},
            {str(k): _text(v) for k, v in (rendered["headers"] or {}).items()},
            body,
            config.timeout_s,
            config.follow_redirects,
        )
        retries = Retries(config.retries, config.retry_backoff_s, config.retry_max_wait_s)
        limit = max_output_bytes()
        pages: list[Answer] = []
        while True:
            answer = await send(
                ctx, request, retries, credential, config.response_format, config.file_name, limit
            )
            if config.fail_on_status and answer.status >= 400:
                raise status_error(answer, request.method)
            pages.append(answer)
            following = _next_request(config.pagination, request, answer)
            if following is None or len(pages) >= config.pagination.max_pages:
                break
            request = following
        last = pages[-1]
        output: dict[str, Any] = {"status": last.status, "headers": last.headers}
        if config.pagination.mode == "none":
            output["body"] = last.body
        else:
            output["body"] = _combined(pages, config.pagination.items_field)
            output["pages"] = len(pages)
        return NodeResult(output)


def url_problem(url: str) -> str | None:
    """What is wrong with a URL an HTTP request would go to, if anything."""
    try:
        parsed = urlsplit(url)
        parsed.port  # noqa: B018 - raises on a bad port
    except ValueError as err:
        return f"'{url}' is not a URL ({err})"
    if parsed.scheme.lower() not in ("http", "https"):
        return f"'{url}' is not an http:// or https:// URL"
    if not parsed.hostname:
        return f"'{url}' has no host"
    return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def body_arguments(ctx: StepContext, body_type: str, body: Any) -> dict[str, Any]:
    """The httpx keywords that send `body` as `body_type` (none when the body is empty)."""
    if body is None or body == "":
        return {}
    if body_type == "json":
        return {"json": body}
    if body_type == "raw":
        return {"content": body if isinstance(body, str) else str(body)}
    if not isinstance(body, dict):
        raise HttpError(
            f"body: a {body_type} body is an object of fields, not {type(body).__name__}"
        )
    if body_type == "form":
        return {"data": {str(k): _text(v) for k, v in body.items()}}
    parts: dict[str, tuple[str | None, bytes | str] | tuple[str, bytes, str | None]] = {}
    for key, value in body.items():  # a field without a file name is a plain form field
        if isinstance(value, dict) and "artifact_id" in value:
            path = ctx.artifact_path(str(value["artifact_id"]))
            artifact_id = str(value["artifact_id"])  # its file is "<id>-<name>"
            name = str(value.get("name") or path.name.removeprefix(f"{artifact_id}-"))
            parts[str(key)] = (name, path.read_bytes(), value.get("media_type"))
        else:
            parts[str(key)] = (None, _text(value))
    return {"files": parts}


def _next_request(paging: Pagination, request: Request, answer: Answer) -> Request | None:
    """The request for the page after `answer`, or None when it was the last."""
    from app.nodes.http_paging import cursor_of, next_link

    if paging.mode == "next_link":
        link = next_link(answer.response, answer.body, paging.next_field)
        return None if link is None else replace(request, url=link, query={})  # link has it all
    if paging.mode == "cursor":
        cursor = cursor_of(answer.body, paging.cursor_field)
        if cursor is None:
            return None
        return replace(request, query={**request.query, paging.cursor_param: cursor})
    return None


def _combined(pages: list[Answer], items_field: str) -> list[Any]:
    from app.nodes.http_paging import page_items

    """The pages' items one after another (bodies that are lists count as items), or the
    bodies themselves when pages hold no list."""
    if items_field or all(isinstance(p.body, list) for p in pages):
        return [item for page in pages for item in page_items(page.body, items_field)]
    return [page.body for page in pages]
