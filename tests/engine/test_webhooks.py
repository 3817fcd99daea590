"""Webhook triggers on a real engine and SQLite file: which deliveries start a run (with the
body or the query as its input) and which are refused, saying why, with nothing started."""

from __future__ import annotations

from typing import Any

import pytest

from app.engine.service import Engine
from app.engine.webhooks import Delivery, HookRefused, hook_path, hook_url

WID = "orders"
PARAMS = {
    "type": "object",
    "properties": {"amount": {"type": "number"}, "note": {"type": "string"}},
    "required": ["amount"],
}


def hook_workflow(
    *hooks: dict[str, Any], wid: str = WID, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Webhook nodes (ids h1, h2, …, each with the given config) -> end."""
    nodes: list[dict[str, Any]] = [
        {"id": f"h{i}", "type": "webhook", "config": config} for i, config in enumerate(hooks, 1)
    ]
    edges = [{"source": n["id"], "target": "end"} for n in nodes]
    nodes.append({"id": "end", "type": "end"})
    return {
        "schema": "ren.workflow/1",
        "id": wid,
        "name": wid,
        "params": PARAMS if params is None else params,
        "nodes": nodes,
        "edges": edges,
    }


def post(body: bytes, secret: str | None, path: str = "new", **kw: Any) -> Delivery:
    return Delivery(WID, "POST", path, secret, body, **kw)


async def refused(engine: Engine, delivery: Delivery) -> HookRefused:
    """Deliver, expecting a refusal; and check that nothing started."""
    before = len(engine.list_runs())
    with pytest.raises(HookRefused) as caught:
        await engine.webhooks.deliver(delivery)
    assert len(engine.list_runs()) == before
    return caught.value


@pytest.fixture
def secret(engine: Engine) -> str:
    engine.import_workflow(hook_workflow({"path": "/new/", "method": "POST"}))
    found = engine.store.webhook_secret(WID)
    assert found, "publishing a version with a webhook makes the workflow's secret"
    return found


async def test_a_delivery_starts_a_run_whose_input_is_the_body(engine: Engine, secret: str) -> None:
    accepted = await engine.webhooks.deliver(post(b'{"amount": 12.5, "note": "hi"}', secret))
    assert accepted.status == "running" and not accepted.duplicate
    run = await engine.wait(accepted.run_id)
    assert run.status == "succeeded"
    assert run.input == {"amount": 12.5, "note": "hi"}
    assert run.output == {"amount": 12.5, "note": "hi"}
    (hook_step,) = [s for s in engine.steps(run.id) if s.node_id == "h1"]
    assert hook_step.output == {"amount": 12.5, "note": "hi"}


async def test_get_takes_the_query_parameters_converted_as_params_declare(
    engine: Engine,
) -> None:
    engine.import_workflow(hook_workflow({"method": "GET"}))
    secret = engine.webhooks.secrets.get(WID)
    delivery = Delivery(WID, "GET", "", secret, query=(("amount", "12"), ("note", "7")))
    run = await engine.wait((await engine.webhooks.deliver(delivery)).run_id)
    assert run.status == "succeeded"
    assert run.input == {"amount": 12, "note": "7"}  # a number, and text stays text

    wrong = await refused(engine, Delivery(WID, "GET", "", secret, query=(("amount", "x"),)))
    assert wrong.kind == "bad_input"
    assert wrong.problems == ["input.amount: 'x' is not of type 'number'"]


async def test_path_and_method_pick_the_webhook_node(engine: Engine) -> None:
    engine.import_workflow(
        hook_workflow({"path": "in", "method": "POST"}, {"path": "in", "method": "PUT"})
    )
    secret = engine.webhooks.secrets.get(WID)
    body = b'{"amount": 1}'
    for method, path in (("POST", "in"), ("PUT", "/in/"), ("post", "in//")):
        delivery = Delivery(WID, method, path, secret, body)
        run = await engine.wait((await engine.webhooks.deliver(delivery)).run_id)
        assert run.status == "succeeded"

    wrong_method = await refused(engine, Delivery(WID, "GET", "in", secret))
    assert wrong_method.kind == "method_not_allowed"
    assert wrong_method.allow == ("POST", "PUT")
    assert wrong_method.message == "the webhook /hooks/orders/in takes POST or PUT, not GET"
    head = await refused(engine, Delivery(WID, "HEAD", "in", secret))
    assert head.kind == "method_not_allowed"

    wrong_path = await refused(engine, Delivery(WID, "POST", "out", secret, body))
    assert wrong_path.kind == "not_found"
    assert "no webhook at /hooks/orders/out" in wrong_path.message
    assert "POST /hooks/orders/in" in wrong_path.message
    no_path = await refused(engine, Delivery(WID, "POST", "", secret, body))
    assert "no webhook at /hooks/orders;" in no_path.message


async def test_a_missing_or_wrong_secret_is_refused_without_telling_it(
    engine: Engine, secret: str
) -> None:
    body = b'{"amount": 1}'
    missing = await refused(engine, post(body, None))
    assert missing.kind == "missing_secret"
    assert "X-Ren-Secret" in missing.message
    assert (await refused(engine, post(body, ""))).kind == "missing_secret"
    for wrong in ("nope", secret[:-1], secret + "x", "ünïcode"):
        refusal = await refused(engine, post(body, wrong))
        assert refusal.kind == "wrong_secret"
        assert secret not in refusal.message


async def test_regenerating_the_secret_refuses_the_old_one_at_once(
    engine: Engine, secret: str
) -> None:
    new = engine.webhooks.secrets.regenerate(WID)
    assert new != secret and engine.webhooks.secrets.get(WID) == new
    assert (await refused(engine, post(b'{"amount": 1}', secret))).kind == "wrong_secret"
    accepted = await engine.webhooks.deliver(post(b'{"amount": 1}', new))
    assert (await engine.wait(accepted.run_id)).status == "succeeded"


async def test_the_secret_is_kept_across_publishes_and_restarts(home: Any) -> None:
    first = Engine(home)
    await first.start()
    first.import_workflow(hook_workflow({"path": "new"}))
    secret = first.webhooks.secrets.get(WID)
    doc = hook_workflow({"path": "new"}, params={})
    first.import_workflow(doc)  # a second version keeps the secret
    assert first.webhooks.published(WID) is not None
    assert first.webhooks.published(WID).version == 2  # type: ignore[union-attr]
    await first.stop()
    second = Engine(home)
    await second.start()
    try:
        assert second.webhooks.secrets.get(WID) == secret
    finally:
        await second.stop()


async def test_an_idempotency_key_starts_one_run(engine: Engine, secret: str) -> None:
    body = b'{"amount": 3}'
    first = await engine.webhooks.deliver(post(body, secret, idempotency_key="delivery-1"))
    again = await engine.webhooks.deliver(post(body, secret, idempotency_key="delivery-1"))
    assert again.run_id == first.run_id
    assert (first.duplicate, again.duplicate) == (False, True)
    other = await engine.webhooks.deliver(post(body, secret, idempotency_key="delivery-2"))
    assert other.run_id != first.run_id
    assert len(engine.list_runs()) == 2
    run = await engine.wait(first.run_id)
    assert run.idempotency_key == "hook:orders:delivery-1"
    too_long = await refused(engine, post(body, secret, idempotency_key="k" * 201))
    assert too_long.kind == "bad_request" and "Idempotency-Key" in too_long.message


async def test_a_body_that_is_no_json_object_is_refused_with_where(
    engine: Engine, secret: str
) -> None:
    bad = await refused(engine, post(b'{"amount": }', secret))
    assert bad.kind == "bad_request"
    assert bad.message == (
        "the request body is not valid JSON: Expecting value at line 1, column 12 (character 11)"
    )
    two_lines = await refused(engine, post(b'{"amount": 1,\n "note": "x",}', secret))
    assert "line 2, column 14" in two_lines.message
    for body, kind in ((b"[1, 2]", "an array"), (b'"text"', "a string"), (b"null", "null")):
        refusal = await refused(engine, post(body, secret))
        assert refusal.message == f"the request body must be a JSON object, got {kind}"
    assert "not UTF-8" in (await refused(engine, post(b'{"a": "\xff"}', secret))).message
    assert "NaN" in (await refused(engine, post(b'{"amount": NaN}', secret))).message


async def test_an_input_that_does_not_fit_params_names_each_field(
    engine: Engine, secret: str
) -> None:
    refusal = await refused(engine, post(b'{"note": 5}', secret))
    assert refusal.kind == "bad_input"
    assert refusal.problems == [
        "input: 'amount' is a required property",
        "input.note: 5 is not of type 'string'",
    ]
    assert "input.note: 5 is not of type 'string'" in refusal.message
    empty = await refused(engine, post(b"", secret))  # an empty body is {}
    assert empty.problems == ["input: 'amount' is a required property"]


async def test_unknown_deleted_draft_only_and_hookless_workflows_are_not_found(
    engine: Engine, secret: str
) -> None:
    body = b'{"amount": 1}'
    unknown = await refused(engine, Delivery("nope", "POST", "new", secret, body))
    assert (unknown.kind, unknown.message) == ("not_found", "no workflow 'nope'")

    engine.import_workflow(hook_workflow({"path": "new"}, wid="draft"), publish=False)
    draft = await refused(engine, Delivery("draft", "POST", "new", secret, body))
    assert draft.kind == "not_found"
    assert draft.message == (
        "workflow 'draft' has no published version yet; its webhook works once it is published"
    )

    plain = {
        "schema": "ren.workflow/1",
        "id": "plain",
        "nodes": [{"id": "start", "type": "start"}, {"id": "end", "type": "end"}],
        "edges": [{"source": "start", "target": "end"}],
    }
    engine.import_workflow(plain)
    assert engine.store.webhook_secret("plain") is None  # no webhook, no secret
    hookless = await refused(engine, Delivery("plain", "POST", "", secret, body))
    assert hookless.message == "workflow 'plain' (version 1) has no Webhook trigger"

    engine.delete_workflow(WID)
    deleted = await refused(engine, post(body, secret))
    assert (deleted.kind, deleted.message) == ("not_found", "workflow 'orders' was deleted")


def test_urls_join_the_workflow_and_the_path_without_stray_slashes() -> None:
    assert hook_path("/a//b/") == "a/b"
    assert hook_url("http://127.0.0.1:8710/", "wf", "") == "http://127.0.0.1:8710/hooks/wf"
    assert hook_url("", "wf", "/orders/new/") == "/hooks/wf/orders/new"
