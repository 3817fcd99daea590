"""The http_request node on a real engine and SQLite file against a local server started by
the test: methods and bodies, status codes and their errors, retries with Retry-After,
pagination, auth headers of every credential kind, OAuth2 tokens, a 10 MB download."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.credentials.vault import Vault
from app.engine.service import Engine
from app.nodes.http_retry import retry_after_s
from tests.conftest import chain_workflow
from tests.nodes.http_helpers import http_flow, http_step, run_http, vault  # noqa: F401
from tests.nodes.http_server import CLIENT_ID, CLIENT_SECRET, LocalServer, serve


@pytest.fixture(scope="module")
def server() -> Iterator[LocalServer]:
    yield from serve()


async def test_get_with_query_and_headers_gives_status_headers_and_parsed_json(
    engine: Engine, server: LocalServer
) -> None:
    run = await run_http(
        engine,
        {"who": "ann"},
        url=server.url + "/echo",
        query={"name": "{{ input.who }}", "n": 3},
        headers={"X-Trace": "t-{{ input.who }}"},
    )
    assert run.status == "succeeded"
    out = http_step(engine, run.id).output
    assert out["status"] == 200
    assert out["headers"]["content-type"] == "application/json"
    assert out["body"]["query"] == {"name": "ann", "n": "3"}
    assert out["body"]["headers"]["x-trace"] == "t-ann"


@pytest.mark.parametrize(
    ("body_type", "body", "sent", "media"),
    [
        ("json", {"a": "{{ input.v }}", "n": 1}, '{"a":"x","n":1}', "application/json"),
        ("form", {"a": "{{ input.v }}", "b": "2"}, "a=x&b=2", "application/x-www-form-urlencoded"),
        ("raw", "plain {{ input.v }}", "plain x", None),
    ],
)
async def test_bodies_are_sent_as_their_type(
    engine: Engine, server: LocalServer, body_type: str, body: object, sent: str, media: str | None
) -> None:
    run = await run_http(
        engine, {"v": "x"}, method="POST", url=server.url + "/echo", body_type=body_type, body=body
    )
    echoed = http_step(engine, run.id).output["body"]
    assert echoed["method"] == "POST"
    assert echoed["body"].replace(" ", "") == sent.replace(" ", "")
    if media:
        assert echoed["headers"]["content-type"] == media


async def test_multipart_sends_fields(engine: Engine, server: LocalServer) -> None:
    run = await run_http(
        engine, method="POST", url=server.url + "/echo", body_type="multipart", body={"f": "v1"}
    )
    echoed = http_step(engine, run.id).output["body"]
    assert echoed["headers"]["content-type"].startswith("multipart/form-data; boundary=")
    assert 'name="f"' in echoed["body"] and "v1" in echoed["body"]


async def test_a_404_fails_the_step_with_status_method_url_and_a_body_excerpt(
    engine: Engine, server: LocalServer
) -> None:
    run = await run_http(engine, url=server.url + "/status/404")
    assert run.status == "failed"
    message = http_step(engine, run.id).error["message"]
    assert message.startswith(f"HTTP 404 Not Found from GET {server.url}/status/404: status 404")
    assert len(message.split(": ", 1)[1]) == 200  # the body's first 200 characters


async def test_fail_on_status_false_gives_the_status_as_output(
    engine: Engine, server: LocalServer
) -> None:
    run = await run_http(engine, url=server.url + "/status/500", fail_on_status=False)
    assert run.status == "succeeded"
    out = http_step(engine, run.id).output
    assert out["status"] == 500 and out["body"].startswith("status 500")


async def test_a_503_is_retried_after_what_retry_after_asks(
    engine: Engine, server: LocalServer
) -> None:
    url = server.url + "/flaky/a?fail=2&after=1"
    run = await run_http(engine, url=url, retries=3, retry_backoff_s=0)
    assert run.status == "succeeded"
    assert http_step(engine, run.id).output["body"] == {"ok": True, "calls": 3}
    times = server.state.call_times["a"]
    assert times[1] - times[0] >= 0.95 and times[2] - times[1] >= 0.95  # Retry-After: 1


async def test_a_429_retry_after_http_date_is_capped(engine: Engine, server: LocalServer) -> None:
    far = "Wed, 21 Oct 2099 07:28:00 GMT"
    url = server.url + f"/flaky/b?fail=1&code=429&after={far}"
    run = await run_http(engine, url=url, retries=1, retry_max_wait_s=0.1)
    assert run.status == "succeeded"
    assert server.state.calls["b"] == 2


async def test_retries_end_and_the_step_fails_with_the_last_status(
    engine: Engine, server: LocalServer
) -> None:
    run = await run_http(engine, url=server.url + "/flaky/c?fail=9&after=0", retries=2)
    assert run.status == "failed"
    assert server.state.calls["c"] == 3
    assert "HTTP 503 Service Unavailable" in http_step(engine, run.id).error["message"]


async def test_a_network_error_names_the_request(engine: Engine, server: LocalServer) -> None:
    run = await run_http(engine, url="http://127.0.0.1:9/nothing", retries=1, retry_backoff_s=0)
    assert run.status == "failed"
    message = http_step(engine, run.id).error["message"]
    assert message.startswith("GET http://127.0.0.1:9/nothing failed: ConnectError")


async def test_a_slow_server_hits_timeout_s(engine: Engine, server: LocalServer) -> None:
    run = await run_http(engine, url=server.url + "/slow?s=2", timeout_s=0.2)
    assert run.status == "failed"
    assert "ReadTimeout" in http_step(engine, run.id).error["message"]


async def test_redirects_are_followed_or_not(engine: Engine, server: LocalServer) -> None:
    run = await run_http(engine, url=server.url + "/redirect")
    assert http_step(engine, run.id).output["body"]["query"] == {"redirected": "yes"}
    run = await run_http(engine, wid="w2", url=server.url + "/redirect", follow_redirects=False)
    out = http_step(engine, run.id).output
    assert out["status"] == 302 and out["headers"]["location"] == "/echo?redirected=yes"


async def test_link_header_pagination_collects_every_page_items(
    engine: Engine, server: LocalServer
) -> None:
    paging = {"mode": "next_link", "items_field": "items"}
    run = await run_http(engine, url=server.url + "/pages", pagination=paging)
    out = http_step(engine, run.id).output
    assert out["body"] == [10, 11, 20, 21, 30, 31] and out["pages"] == 3


async def test_pagination_stops_at_max_pages(engine: Engine, server: LocalServer) -> None:
    paging = {"mode": "next_link", "max_pages": 2}
    run = await run_http(engine, url=server.url + "/pages", pagination=paging)
    out = http_step(engine, run.id).output
    assert out["body"] == [{"items": [10, 11]}, {"items": [20, 21]}] and out["pages"] == 2


async def test_cursor_pagination_sends_the_cursor_as_a_query_parameter(
    engine: Engine, server: LocalServer
) -> None:
    paging = {"mode": "cursor", "cursor_field": "next", "items_field": "data"}
    run = await run_http(engine, url=server.url + "/cursor", pagination=paging)
    out = http_step(engine, run.id).output
    assert out["body"] == [0, 1, 2, 3, 4] and out["pages"] == 3


@pytest.mark.parametrize(
    ("kind", "fields", "header", "query"),
    [
        ("bearer", {"token": "tok-123456"}, ("authorization", "Bearer tok-123456"), {}),
        (
            "basic",
            {"username": "ann", "password": "pw-123456"},
            ("authorization", "Basic YW5uOnB3LTEyMzQ1Ng=="),
            {},
        ),
        ("api_key", {"name": "X-Api-Key", "value": "key-123456"}, ("x-api-key", "key-123456"), {}),
        (
            "api_key",
            {"name": "api_key", "value": "key-654321", "placement": "query"},
            None,
            {"api_key": "key-654321"},
        ),
    ],
)
async def test_each_credential_kind_signs_the_request(
    engine: Engine,
    server: LocalServer,
    vault: Vault,  # noqa: F811
    kind: str,
    fields: dict[str, str],
    header: tuple[str, str] | None,
    query: dict[str, str],
) -> None:
    vault.put("svc", kind, fields)
    run = await run_http(engine, url=server.url + "/echo", credential="svc")
    assert run.status == "succeeded"
    step = http_step(engine, run.id)
    server_saw = engine_saw = step.output["body"]
    # the server got the secret, but what Ren recorded of the echo has it masked
    secret = next(v for k, v in fields.items() if k in ("token", "password", "value"))
    assert secret not in str(engine_saw)
    assert "••••" in str(server_saw["headers"]) + str(server_saw["query"])
    if header:
        assert header[0] in server_saw["headers"]
    assert set(query) <= set(server_saw["query"])


async def test_oauth2_client_credentials_token_is_fetched_once_and_reused(
    engine: Engine,
    server: LocalServer,
    vault: Vault,  # noqa: F811
) -> None:
    vault.put(
        "oauth",
        "oauth2_client",
        {
            "token_url": server.url + "/token",
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scope": "read",
        },
    )
    before = len(server.state.tokens)
    first = await run_http(engine, url=server.url + "/protected", credential="oauth")
    second = await run_http(engine, url=server.url + "/protected", credential="oauth")
    assert first.status == second.status == "succeeded"
    assert len(server.state.tokens) == before + 1  # cached until it expires
    # a token the server revoked is fetched again once
    server.state.revoked.add(server.state.tokens[-1])
    third = await run_http(engine, url=server.url + "/protected", credential="oauth")
    assert third.status == "succeeded"
    assert len(server.state.tokens) == before + 2
    assert http_step(engine, third.id).output["body"]["hello"] == "you"


async def test_a_wrong_oauth2_secret_fails_with_the_token_endpoint_answer(
    engine: Engine,
    server: LocalServer,
    vault: Vault,  # noqa: F811
) -> None:
    fields = {"token_url": server.url + "/token", "client_id": "x", "client_secret": "wrong-999"}
    vault.put("bad", "oauth2_client", fields)
    run = await run_http(engine, url=server.url + "/protected", credential="bad")
    message = http_step(engine, run.id).error["message"]
    assert "OAuth2 token endpoint" in message and "HTTP 401" in message


async def test_a_10_mb_download_becomes_an_artifact(engine: Engine, server: LocalServer) -> None:
    run = await run_http(engine, url=server.url + "/big?mb=10", response_format="file")
    assert run.status == "succeeded"
    record = http_step(engine, run.id).output["body"]
    assert record["name"] == "data.bin" and record["size"] == 10 * 2**20
    block = bytes(range(256)) * 256
    assert record["sha256"] == hashlib.sha256(block * 160).hexdigest()
    with engine.store.session() as session:
        from app.store.artifacts import get_artifact

        stored = get_artifact(session, record["artifact_id"])
    assert stored is not None and stored.size == 10 * 2**20
    assert (engine.folder.root / stored.path).stat().st_size == 10 * 2**20
    leftovers = list((engine.folder.runs_dir / run.id).glob(".download-*"))
    assert leftovers == []


async def test_config_problems_before_publishing(engine: Engine, vault: Vault) -> None:  # noqa: F811
    vault.put("smtp1", "smtp", {"host": "mail.example", "password": "pw-123456"})
    doc = http_flow(
        url="ftp://example.com/x",
        headers={"A": "{{ input. }}"},
        credential="nobody",
        pagination={"mode": "cursor"},
    )
    spec = engine.workflows.import_document(doc)
    problems = {(p.field, p.message) for p in engine.validate(spec) if p.node_id == "n1"}
    fields = {f for f, _ in problems}
    assert {"url", "headers.A", "credential", "pagination.cursor_field"} <= {
        f.removeprefix("config.") for f in fields
    }
    assert (
        "config.credential",
        "no credential named 'nobody' (add it on the Credentials page)",
    ) in (problems)
    wrong_kind = engine.workflows.import_document(
        http_flow(wid="w2", url="https://example.com", credential="smtp1")
    )
    messages = [p.message for p in engine.validate(wrong_kind) if p.node_id == "n1"]
    assert messages == [
        "credential 'smtp1' is a smtp credential; use one of: bearer, basic, api_key, oauth2_client"
    ]


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after_s("3") == 3.0
    assert retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_s("soon") is None and retry_after_s(None) is None


def test_rendered_url_must_be_http(tmp_path: Path) -> None:
    from app.nodes.http import url_problem

    assert url_problem("https://example.com/a") is None
    assert url_problem("example.com") == "'example.com' is not an http:// or https:// URL"
    assert url_problem("http://") == "'http://' has no host"


async def test_multipart_sends_an_artifact_as_a_file(engine: Engine, server: LocalServer) -> None:
    download = {"url": server.url + "/big?mb=0.001", "response_format": "file"}
    upload = {
        "method": "POST",
        "url": server.url + "/echo",
        "body_type": "multipart",
        "body": {"note": "hi", "file": {"artifact_id": "{{ nodes.n1.body.artifact_id }}"}},
    }
    doc = chain_workflow(
        {"type": "http_request", "config": download}, {"type": "http_request", "config": upload}
    )
    engine.import_workflow(doc)
    run = await engine.run("wf", {})
    assert run.status == "succeeded", run.error
    (sent,) = [s for s in engine.steps(run.id) if s.node_id == "n2"]
    body = sent.output["body"]["body"]
    assert 'name="file"; filename="data.bin"' in body and 'name="note"' in body


async def test_a_text_answer_over_the_output_limit_says_to_use_a_file(
    engine: Engine, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REN_MAX_OUTPUT_BYTES", "64k")
    run = await run_http(engine, url=server.url + "/big?mb=1")
    assert run.status == "failed"
    message = http_step(engine, run.id).error["message"]
    assert message.endswith(
        "is larger than the output limit (65,536 bytes); use response_format 'file'"
    )


async def test_a_next_link_in_the_body_is_followed(engine: Engine, server: LocalServer) -> None:
    paging = {"mode": "next_link", "next_field": "links.next", "items_field": "items"}
    run = await run_http(engine, url=server.url + "/pages?in_body=1", pagination=paging)
    out = http_step(engine, run.id).output
    assert out["body"] == [1, 2, 3] and out["pages"] == 3


async def test_an_oauth2_token_about_to_expire_is_fetched_again(
    engine: Engine,
    server: LocalServer,
    vault: Vault,  # noqa: F811
) -> None:
    fields = {
        "token_url": server.url + "/token",
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "scope": "short",  # the server gives 5 s: less than the 30 s margin
    }
    vault.put("brief", "oauth2_client", fields)
    before = len(server.state.tokens)
    await run_http(engine, url=server.url + "/protected", credential="brief")
    run = await run_http(engine, url=server.url + "/protected", credential="brief")
    assert run.status == "succeeded"
    assert len(server.state.tokens) == before + 2


async def test_a_header_that_cannot_be_sent_fails_saying_so(
    engine: Engine, server: LocalServer
) -> None:
    run = await run_http(engine, url=server.url + "/echo", headers={"X-Name": "Zoë ☃"})
    assert run.status == "failed"
    message = http_step(engine, run.id).error["message"]
    assert message.startswith(f"GET {server.url}/echo: bad request: ")
