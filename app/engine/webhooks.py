"""Webhook triggers: which request starts a run of which workflow, with what input.

URL scheme: a workflow's Webhook node answers at `/hooks/<workflow id>` when its `path` is
empty, else at `/hooks/<workflow id>/<path>` (the path without its outer slashes). Only the
workflow's latest published version counts. A request must carry the workflow's secret; its
JSON object body (for GET: its query parameters) is the run's input, checked against the
workflow's `params` as any run's input is. The HTTP face is app.api.webhooks; everything it
decides is decided here, so it can be tested on an engine without a server.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from app.core.query_input import query_input
from app.engine.inputs import InputInvalid
from app.engine.webhook_secrets import WebhookSecrets
from app.engine.workflows import NotFound
from app.nodes.start import WebhookConfig
from app.store import reads

if TYPE_CHECKING:
    from app.engine.service import Engine

SECRET_HEADER = "X-Ren-Secret"
SECRET_QUERY = "secret"
KEY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200

Refusal = Literal[
    "not_found", "method_not_allowed", "missing_secret", "wrong_secret", "bad_request", "bad_input"
]


class HookRefused(Exception):
    """A delivery that starts nothing: why (`kind`), a message naming what is wrong, one line
    per wrong input field (`problems`) and, for a wrong method, the methods it takes."""

    def __init__(
        self,
        kind: Refusal,
        message: str,
        problems: list[str] | None = None,
        allow: tuple[str, ...] = (),
    ) -> None:
        self.kind = kind
        self.message = message
        self.problems = problems or []
        self.allow = allow
        super().__init__(message)


@dataclass(frozen=True)
class Hook:
    """A Webhook node of a published version: where it answers, to which method."""

    node_id: str
    path: str  # normalized: no outer slashes, "" for /hooks/<workflow id>
    method: str


@dataclass(frozen=True)
class PublishedHooks:
    """What the workflow's latest version offers: its Webhook nodes and its `params`."""

    version: int
    hooks: list[Hook]
    params: dict[str, Any]


@dataclass(frozen=True)
class Delivery:
    """One request to /hooks/<workflow_id>/<path>, as the HTTP layer received it."""

    workflow_id: str
    method: str
    path: str = ""
    secret: str | None = None
    body: bytes = b""
    query: tuple[tuple[str, str], ...] = field(default=())  # without the secret
    idempotency_key: str | None = None


@dataclass(frozen=True)
class Accepted:
    run_id: str
    status: str
    duplicate: bool  # an earlier delivery with the same Idempotency-Key started this run


def hook_path(path: str) -> str:
    """A node's `path` (or a request's sub-path) as URLs compare it: "/a//b/" → "a/b"."""
    return "/".join(part for part in path.split("/") if part)


def hook_url(base: str, workflow_id: str, path: str) -> str:
    """The full address of a webhook, e.g. http://127.0.0.1:8710/hooks/orders/new."""
    tail = hook_path(path)
    return f"{base.rstrip('/')}/hooks/{workflow_id}" + (f"/{tail}" if tail else "")


class Webhooks:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.secrets = WebhookSecrets(engine.store)

    def published(self, workflow_id: str) -> PublishedHooks | None:
        """The Webhook nodes of the workflow's latest version; None while it has none."""
        try:
            row = self.engine.workflows.version(workflow_id)
        except NotFound:  # never published
            return None
        compiled = self.engine.workflows.compiled(row.id)
        hooks = [
            Hook(node_id, hook_path(node.config.path), node.config.method)
            for node_id, node in compiled.nodes.items()
            if isinstance(node.config, WebhookConfig) and node.spec.parent is None
        ]
        return PublishedHooks(row.number, hooks, compiled.spec.params)

    async def deliver(self, delivery: Delivery) -> Accepted:
        """Start the run a request asks for, or raise HookRefused saying why not."""
        workflow_id = delivery.workflow_id
        published = self._published_or_refuse(workflow_id)
        self._check_secret(workflow_id, delivery.secret)
        hook = self._match(workflow_id, published.hooks, delivery)
        if hook.method == "GET":
            value: Any = query_input(published.params, delivery.query)
        else:
            value = _body_object(delivery.body)
        key = _idempotency_key(workflow_id, delivery.idempotency_key)
        # No await between this look-up and the run's insert, and one process serves the
        # folder: `duplicate` is exact.
        earlier = None if key is None else self.engine.store.run_id_for_key(key)
        try:  # the run's input is checked against `params` as every run's is
            run_id = await self.engine.start_run(
                workflow_id, value, version=published.version, idempotency_key=key
            )
        except InputInvalid as err:
            problems = err.problems
            raise HookRefused(
                "bad_input",
                "the input does not fit the workflow's params: " + "; ".join(problems),
                problems,
            ) from None
        status = self.engine.get_run(run_id).status
        return Accepted(run_id, status, duplicate=earlier is not None)

    # -- the checks, in the order a request meets them --------------------------------------

    def _published_or_refuse(self, workflow_id: str) -> PublishedHooks:
        with self.engine.store.session() as session:
            row = reads.get_workflow_any(session, workflow_id)
        if row is None:
            raise HookRefused("not_found", f"no workflow '{workflow_id}'")
        if row.deleted_at is not None:
            raise HookRefused("not_found", f"workflow '{workflow_id}' was deleted")
        published = self.published(workflow_id)
        if published is None:
            raise HookRefused(
                "not_found",
                f"workflow '{workflow_id}' has no published version yet; its webhook works "
                "once it is published",
            )
        if not published.hooks:
            raise HookRefused(
                "not_found",
                f"workflow '{workflow_id}' (version {published.version}) has no Webhook trigger",
            )
        return published

    def _check_secret(self, workflow_id: str, given: str | None) -> None:
        if not given:
            raise HookRefused(
                "missing_secret",
                f"missing secret: send the workflow's webhook secret in the {SECRET_HEADER} "
                f"header (or as ?{SECRET_QUERY}=)",
            )
        if not self.secrets.matches(workflow_id, given):
            raise HookRefused("wrong_secret", f"wrong secret for workflow '{workflow_id}'")

    def _match(self, workflow_id: str, hooks: list[Hook], delivery: Delivery) -> Hook:
        path = hook_path(delivery.path)
        at_path = [h for h in hooks if h.path == path]
        if not at_path:
            known = ", ".join(f"{h.method} {hook_url('', workflow_id, h.path)}" for h in hooks)
            raise HookRefused(
                "not_found",
                f"workflow '{workflow_id}' has no webhook at {hook_url('', workflow_id, path)}; "
                f"it has: {known}",
            )
        method = delivery.method.upper()
        for hook in at_path:
            if hook.method == method:
                return hook
        allow = tuple(sorted({h.method for h in at_path}))
        raise HookRefused(
            "method_not_allowed",
            f"the webhook {hook_url('', workflow_id, path)} takes {' or '.join(allow)}, "
            f"not {method}",
            allow=allow,
        )


def _body_object(body: bytes) -> dict[str, Any]:
    """The request body as a JSON object (an empty body is `{}`), or HookRefused."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise HookRefused(
            "bad_request", f"the request body is not UTF-8 text (byte {err.start})"
        ) from None
    if not text.strip():
        return {}
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        raise HookRefused(
            "bad_request",
            f"the request body is not valid JSON: {err.msg} at line {err.lineno}, "
            f"column {err.colno} (character {err.pos})",
        ) from None
    except ValueError as err:
        raise HookRefused("bad_request", f"the request body is not valid JSON: {err}") from None
    if not isinstance(value, dict):
        raise HookRefused(
            "bad_request", f"the request body must be a JSON object, got {_json_kind(value)}"
        )
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array"


def _idempotency_key(workflow_id: str, key: str | None) -> str | None:
    """The run's idempotency key for a delivery's Idempotency-Key (namespaced per workflow)."""
    if key is None or not key.strip():
        return None
    if len(key) > MAX_KEY_LENGTH:
        raise HookRefused(
            "bad_request", f"the {KEY_HEADER} header is longer than {MAX_KEY_LENGTH} characters"
        )
    return f"hook:{workflow_id}:{key.strip()}"
