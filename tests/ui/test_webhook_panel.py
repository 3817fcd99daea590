"""The Webhook node's panel in the editor (NiceGUI's simulated user, real engine): it shows the
URL, method, secret and a curl line, says whether the webhook is live, follows the node's path
and method, and regenerates the secret, which the app's own /hooks route then honours."""

from __future__ import annotations

from typing import Any

from nicegui.testing import User

from app.core.dsl import WorkflowSpec
from app.ui import runtime
from app.ui.flow_editor import FlowEditor
from app.ui.webhook_text import MASK, curl_example, sample_input

WID = "orders"
DOC: dict[str, Any] = {
    "name": "Orders",
    "params": {
        "type": "object",
        "properties": {"amount": {"type": "number"}, "who": {"type": "string", "default": "Ana"}},
        "required": ["amount"],
    },
    "nodes": [
        {"id": "hook", "type": "webhook", "config": {"path": "new", "method": "POST"}},
        {"id": "end", "type": "end"},
    ],
    "edges": [{"source": "hook", "target": "end"}],
}


def one(user: User, marker: str) -> Any:
    found = user.find(marker=marker).elements
    assert len(found) == 1, f"{len(found)} elements marked {marker}"
    return next(iter(found))


def select_hook(user: User) -> None:
    user.find(FlowEditor).trigger("selection", {"nodes": ["hook"], "edges": []})


async def test_the_panel_shows_the_url_and_secret_and_regenerates_it(user: User) -> None:
    engine = runtime.engine()
    engine.workflows.save(WorkflowSpec.model_validate(DOC), WID)
    await user.open(f"/workflows/{WID}")
    select_hook(user)
    await user.should_see("This webhook works once the workflow is published.")

    url = one(user, "webhook-url")
    assert url.text.endswith("/hooks/orders/new")
    assert one(user, "webhook-method").text == "POST"
    secret_box = one(user, "webhook-secret")
    secret = engine.store.webhook_secret(WID)  # made when the panel first showed it
    assert secret and secret_box.value == secret
    assert secret_box.props["type"] == "password"  # masked until shown
    curl = one(user, "webhook-curl").text
    assert curl.startswith(f"curl -X POST {url.text} -H 'X-Ren-Secret: {MASK}'")
    assert '\'{"amount": 0, "who": "Ana"}\'' in curl and secret not in curl

    engine.workflows.publish(WID)  # as the toolbar would: the panel sees it on its own
    await user.should_see("Live: POST requests to this URL start runs of version 1.", retries=30)
    select_hook(user)
    assert one(user, "webhook-secret").value == secret  # publishing kept it

    user.find(marker="webhook-regenerate").click()
    await user.should_see("Regenerate the webhook secret?")
    user.find(marker="webhook-regenerate-confirm").click()
    await user.should_see("New secret made; the old one no longer works")
    new = engine.store.webhook_secret(WID)
    assert new and new != secret and one(user, "webhook-secret").value == new

    hook = "/hooks/orders/new"
    old_call = await user.http_client.post(
        hook, json={"amount": 3}, headers={"X-Ren-Secret": secret}
    )
    assert old_call.status_code == 404  # as for any caller without the secret
    new_call = await user.http_client.post(hook, json={"amount": 3}, headers={"X-Ren-Secret": new})
    assert new_call.status_code == 202, new_call.text
    run_id = new_call.json()["run_id"]
    # links come from the address the app was started on, not from the request's Host
    assert new_call.json()["url"] == f"http://127.0.0.1:8710/runs/{run_id}"
    assert url.text == "http://127.0.0.1:8710/hooks/orders/new"
    assert (await engine.wait(run_id)).status == "succeeded"


async def test_the_panel_follows_the_nodes_path_and_method(user: User) -> None:
    engine = runtime.engine()
    engine.workflows.save(WorkflowSpec.model_validate(DOC), WID)
    engine.workflows.publish(WID)
    await user.open(f"/workflows/{WID}")
    select_hook(user)
    await user.should_see("Live: POST requests to this URL start runs of version 1.")

    one(user, "field-path").value = "/incoming/"
    assert one(user, "webhook-url").text.endswith("/hooks/orders/incoming")
    await user.should_see("The published version 1 has no POST webhook at this URL yet")
    one(user, "field-path").value = "new"
    one(user, "field-method").value = "GET"
    assert one(user, "webhook-method").text == "GET"
    curl = one(user, "webhook-curl").text
    assert curl.startswith("curl ") and "/hooks/orders/new?amount=0&who=Ana" in curl
    await user.should_see("The published version 1 has no GET webhook at this URL yet")
    user.find(FlowEditor).trigger("selection", {"nodes": ["end"], "edges": []})  # no panel
    await user.should_not_see(marker="webhook-url")


def test_curl_examples_quote_what_the_shell_would_split() -> None:
    sample = sample_input({"properties": {"note": {"type": "string"}, "n": {"enum": [2, 3]}}})
    assert sample == {"note": "text", "n": 2}
    url = "http://127.0.0.1:8710/hooks/wf"
    assert curl_example(url, "PUT", "s3cr'et", {"a": "it's"}) == (
        "curl -X PUT http://127.0.0.1:8710/hooks/wf -H 'X-Ren-Secret: s3cr'\"'\"'et'"
        " -H 'Content-Type: application/json' -d '{\"a\": \"it'\"'\"'s\"}'"
    )
    assert curl_example(url, "GET", "s", {}) == f"curl {url} -H 'X-Ren-Secret: s'"
    assert curl_example(url, "GET", "s", {"ok": True, "n": [1]}) == (
        f"curl '{url}?ok=true&n=%5B1%5D' -H 'X-Ren-Secret: s'"
    )
