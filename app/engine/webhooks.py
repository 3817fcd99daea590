"""Webhook triggers: which request starts a run of which workflow, with what input.

URL scheme: a workflow's Webhook node answers at `/hooks/<workflow id>` when its `path` is
empty, else at `/hooks/<workflow id>/<path>` (the path without its outer slashes). Only the
workflow's latest published version counts. A request must carry the workflow's secret; its
JSON object body (for GET: its query parameters) is the run's input, checked against the
workflow's `params` as any run's input is; a form-encoded body is taken as GET's query is.
The HTTP face is app.api.webhooks; everything it decides is decided here, so it can be tested
on an engine without a server. It meets the checks in order: `authenticate` (before anything
of the body is read), `match`, the body (`body_kind`, then `input_of`), then `start`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qsl

from app.core.json_body import JsonRefused, loads
from app.core.query_input import query_input
from app.engine.inputs import InputInvalid
from app.engine.webhook_secrets import WebhookSecrets
from app.engine.workflows import NotFound
from app.nodes.start import WebhookConfig
from app.store import reads, writes

if TYPE_CHECKING:
    from app.engine.service import Engine

SECRET_HEADER = "X-Ren-Secret"
SECRET_QUERY = "secret"
KEY_HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200

FORM_TYPE = "application/x-www-form-urlencoded"

Refusal = Literal[
    "not_found",
    "method_not_allowed",
    "missing_secret",
    "wrong_secret",
    "bad_request",
    "bad_input",
    "unsupported_media_type",
    "conflict",
]
BodyKind = Literal["json", "form"]


class HookRefused(Exception):
    """A delivery that starts nothing: why (`kind`), a message naming what is wrong, one line
    per wrong input field (`problems`) and, for a wrong method, the methods it takes."""

    def __init__(
        self,
        kind: Refusal,
        message: str,
        problems: list[str] | None = None,
        allow: tuple[str, ...] = (),
        run_id: str | None = None,
    ) -> None:
        self.kind = kind
        self.message = message
        self.problems = problems or []
        self.allow = allow
        self.run_id = run_id  # for a conflict: the run the Idempotency-Key started
        super().__init__(message)


@dataclass(frozen=True)
class Hook:
    """A Webhook node of a published version: where it answers, to which method."""

    node_id: str
    path: str  # normalized: no outer slashes, "" for /hooks/<workflow id>
    method: str
    max_body_bytes: int


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
    content_type: str | None = None  # None: JSON (a caller that declares nothing)


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
            Hook(
                node_id,
                hook_path(node.config.path),
                node.config.method,
                node.config.max_body_bytes,
            )
            for node_id, node in compiled.nodes.items()
            if isinstance(node.config, WebhookConfig) and node.spec.parent is None
        ]
        return PublishedHooks(row.number, hooks, compiled.spec.params)

    async def deliver(self, delivery: Delivery) -> Accepted:
        """Start the run a request asks for, or raise HookRefused saying why not."""
        workflow_id = delivery.workflow_id
        published = self.authenticate(workflow_id, delivery.secret)
        hook = self.match(workflow_id, published.hooks, delivery.method, delivery.path)
        value = input_of(published, hook, delivery)
        return await self.start(workflow_id, published, value, delivery.idempotency_key)

    def authenticate(self, workflow_id: str, secret: str | None) -> PublishedHooks:
        """The workflow's webhooks if it has any and `secret` is its secret. The refusals'
        messages say which check failed; the HTTP layer answers them all alike, so a caller
        without the secret learns nothing about the workflow."""
        published = self._published_or_refuse(workflow_id)
        self._check_secret(workflow_id, secret)
        return published

    async def start(
        self,
        workflow_id: str,
        published: PublishedHooks,
        value: Any,
        idempotency_key: str | None,
    ) -> Accepted:
        """Start the run with the delivery's input (or find the one its key started)."""
        key = _idempotency_key(workflow_id, idempotency_key)
        # No await between this look-up and the run's insert, and one process serves the
        # folder: `duplicate` is exact.
        earlier = None if key is None else self.engine.store.run_id_for_key(key)
        if earlier is not None:
            self._same_body_or_refuse(earlier, value, str(idempotency_key).strip())
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

    def _same_body_or_refuse(self, run_id: str, value: Any, key: str) -> None:
        """A repeated Idempotency-Key must come with the same input: the run's stored input is
        the first delivery's, written with the key in one transaction."""
        row = self.engine.store.run_row(run_id)
        first = None if row is None else row.get("input")
        if _canonical(first) != _canonical(writes.normalize(value)[0]):
            raise HookRefused(
                "conflict",
                f"the {KEY_HEADER} '{key}' was first used for run {run_id} with a different "
                "body; send a new key for a new delivery",
                run_id=run_id,
            )

    def match(self, workflow_id: str, hooks: list[Hook], method: str, path: str) -> Hook:
        """The webhook at the request's path that takes its method (the caller has the
        secret, so the refusal may list the webhooks there are)."""
        path = hook_path(path)
        at_path = [h for h in hooks if h.path == path]
        if not at_path:
            known = ", ".join(f"{h.method} {hook_url('', workflow_id, h.path)}" for h in hooks)
            raise HookRefused(
                "not_found",
                f"workflow '{workflow_id}' has no webhook at {hook_url('', workflow_id, path)}; "
                f"it has: {known}",
            )
        method = method.upper()
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


def body_kind(content_type: str | None) -> BodyKind:
    """How to read a body sent with this Content-Type: JSON (application/json, any +json type,
    or none declared) or a form (application/x-www-form-urlencoded); anything else is refused
    before the body is read."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in ("", "application/json") or (
        media.startswith("application/") and media.endswith("+json")
    ):
        return "json"
    if media == FORM_TYPE:
        return "form"
    raise HookRefused(
        "unsupported_media_type",
        f"a webhook takes a JSON body (Content-Type: application/json) or a form ({FORM_TYPE}), "
        f"not {media}",
    )


def input_of(published: PublishedHooks, hook: Hook, delivery: Delivery) -> dict[str, Any]:
    """The run's input: GET's query parameters, a form's fields (converted as `params`
    declares, as a query is), or the JSON object body (an empty body is `{}`)."""
    if hook.method == "GET":
        return query_input(published.params, delivery.query)
    text = _body_text(delivery.body)
    if not text.strip():
        return {}
    if body_kind(delivery.content_type) == "form":
        return query_input(published.params, parse_qsl(text, keep_blank_values=True))
    try:
        value = loads(text)
    except JsonRefused as err:
        raise HookRefused("bad_request", f"the request body is {err}") from None
    if not isinstance(value, dict):
        raise HookRefused(
            "bad_request", f"the request body must be a JSON object, got {_json_kind(value)}"
        )
    return value


def _body_text(body: bytes) -> str:
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise HookRefused(
            "bad_request", f"the request body is not UTF-8 text (byte {err.start})"
        ) from None


def _canonical(value: Any) -> str:
    """A JSON value as one text, so that 1, 1.0 and true differ and key order does not count."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


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
