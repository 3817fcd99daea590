"""The web boundary over real HTTP, against real `ren` and `ren worker` processes: which hosts
and origins get in, how large and how deep a body may be, what a webhook caller learns.

Both processes start with `--allow-host ren.test --max-body 3M` on a folder seeded beforehand.
"""

from __future__ import annotations

import asyncio
import json
import select
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.engine.service import Engine
from tests.api.test_webhooks_http import PARAMS, Served, start_worker
from tests.browser import start_ren, stop_app

ALLOWED = "ren.test"
MIB = 1024 * 1024


def hook_workflow(wid: str, **config: Any) -> dict[str, Any]:
    return {
        "schema": "ren.workflow/1",
        "id": wid,
        "name": wid,
        "params": PARAMS,
        "nodes": [
            {"id": "hook", "type": "webhook", "config": config},
            {"id": "end", "type": "end"},
        ],
        "edges": [{"source": "hook", "target": "end"}],
    }


def seed(home: Path) -> dict[str, str]:
    async def fill() -> dict[str, str]:
        engine = Engine(home)
        await engine.start(recover=False)
        try:
            engine.import_workflow(hook_workflow("orders"))
            engine.import_workflow(hook_workflow("small", max_body_bytes=1000))
            engine.import_workflow(hook_workflow("big", max_body_bytes=10 * MIB))
            engine.import_workflow(hook_workflow("draft"), publish=False)
            engine.import_workflow(hook_workflow("gone"))
            names = ("orders", "small", "big", "draft", "gone")
            secrets = {w: engine.webhooks.secrets.get(w) for w in names}
            engine.delete_workflow("gone")
            return secrets
        finally:
            await engine.stop()

    return asyncio.run(fill())


@pytest.fixture(scope="module", params=["app", "worker"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    home = tmp_path_factory.mktemp(f"boundary-{request.param}")
    secrets = seed(home)
    args = ("--allow-host", ALLOWED, "--max-body", "3M")
    start = start_ren if request.param == "app" else start_worker
    process, url = start(home, *args)
    yield Served(request.param, url, home, secrets)
    assert stop_app(process) == 0


def port_of(served: Served) -> int:
    return int(served.url.rsplit(":", 1)[1])


def token(served: Served) -> str:
    return str(json.loads((served.home / "engine.json").read_text())["token"])


def hook(served: Served, wid: str = "orders") -> tuple[str, dict[str, str]]:
    return f"{served.url}/hooks/{wid}", {"X-Ren-Secret": served.secrets[wid]}


def raw_exchange(served: Served, head: str, chunks: Iterator[bytes]) -> bytes:
    """Send a request by hand: `head` (request line and headers), then body chunks until the
    server answers or closes; returns what it answered. The body may be far larger than the
    server takes: sending stops as soon as an answer is there."""
    with socket.create_connection(("127.0.0.1", port_of(served)), timeout=20) as conn:
        conn.sendall(head.replace("\n", "\r\n").encode() + b"\r\n")
        for chunk in chunks:
            if select.select([conn], [], [], 0)[0]:
                break  # the answer came before the body was sent
            try:
                conn.sendall(chunk)
            except OSError:  # the server closed the connection after answering
                break
        answer = b""
        deadline = time.monotonic() + 20
        while not complete(answer) and time.monotonic() < deadline:
            try:
                data = conn.recv(65536)
            except OSError:
                break
            if not data:
                break
            answer += data
        return answer


def complete(answer: bytes) -> bool:
    """Whether an HTTP answer has its headers and as much body as they announce."""
    head, found, body = answer.partition(b"\r\n\r\n")
    if not found:
        return False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return len(body) >= int(value)
    return True


def status_of(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


# -- Host and Origin ----------------------------------------------------------------------------


def routes(served: Served) -> list[tuple[str, str]]:
    return [  # the worker serves the app's pages too (the app attaches to it)
        ("POST", "/hooks/orders"),
        ("POST", "/api/rpc/runs"),
        ("GET", "/inbox"),
        ("GET", "/api/v1/runs"),
        ("GET", "/_nicegui_ws/socket.io/?EIO=4&transport=polling"),
    ]


def test_a_foreign_host_gets_421_and_no_page_on_every_route(served: Served) -> None:
    port = port_of(served)
    headers = {"X-Ren-Token": token(served), "X-Ren-Secret": served.secrets["orders"]}
    for method, path in routes(served):
        for host in (f"evil.example:{port}", "evil.example", "127.0.0.1.evil.example", ""):
            response = httpx.request(
                method, served.url + path, headers={**headers, "Host": host}, json={}
            )
            assert response.status_code == 421, (method, path, host, response.text)
            assert "unknown host" in response.text and "<html" not in response.text
            assert "access-control-allow-origin" not in response.headers


def test_loopback_names_and_allow_host_get_in(served: Served) -> None:
    port = port_of(served)
    headers = {"X-Ren-Token": token(served)}
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"{ALLOWED}:{port}"):
        response = httpx.post(
            f"{served.url}/api/rpc/runs", json={}, headers={**headers, "Host": host}
        )
        assert response.status_code == 200, (host, response.text)
    page = httpx.get(f"{served.url}/inbox", headers={"Host": f"{ALLOWED}:{port}"})
    assert page.status_code == 200 and "<html" in page.text  # the worker serves the app too


def test_a_websocket_from_a_foreign_host_or_origin_is_refused(served: Served) -> None:
    port = port_of(served)
    upgrade = (
        "GET /_nicegui_ws/socket.io/?EIO=4&transport=websocket HTTP/1.1\n"
        "Connection: Upgrade\nUpgrade: websocket\nSec-WebSocket-Version: 13\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\n"
    )
    cases = {
        f"Host: evil.example:{port}\nOrigin: http://evil.example:{port}\n": 403,  # rebinding
        f"Host: 127.0.0.1:{port}\nOrigin: http://evil.example:{port}\n": 403,
        f"Host: 127.0.0.1:{port}\nOrigin: http://127.0.0.1:{port + 1}\n": 403,  # another port
        f"Host: 127.0.0.1:{port}\nOrigin: http://127.0.0.1:{port}\n": 101,
        f"Host: 127.0.0.1:{port}\n": 101,  # no Origin: not a browser
    }
    for headers, status in cases.items():
        answer = raw_exchange(served, upgrade + headers, iter(()))
        assert status_of(answer) == status, (headers, answer[:200])


def test_socketio_polling_from_a_foreign_origin_gets_no_session_and_no_cors(
    served: Served,
) -> None:
    url = f"{served.url}/_nicegui_ws/socket.io/?EIO=4&transport=polling"
    for origin in ("http://evil.example", f"http://evil.example:{port_of(served)}", "null"):
        response = httpx.get(url, headers={"Origin": origin})
        assert response.status_code == 403, origin
        assert "access-control-allow-origin" not in response.headers
        assert '"sid"' not in response.text
    own = httpx.get(url, headers={"Origin": served.url})
    assert own.status_code == 200 and '"sid"' in own.text
    assert own.headers["access-control-allow-origin"] == served.url
    assert '"sid"' in httpx.get(url).text  # no Origin (not a browser): fine


def test_the_hand_off_endpoint_refuses_browsers_and_non_ascii_tokens(served: Served) -> None:
    url = f"{served.url}/api/rpc/runs"
    good = {"X-Ren-Token": token(served)}
    assert httpx.post(url, json={}, headers=good).status_code == 200
    for headers in (
        {**good, "Origin": "http://evil.example"},
        {**good, "Origin": served.url},  # a page of Ren itself is no `ren` command either
        {**good, "Sec-Fetch-Site": "cross-site"},
        {"X-Ren-Token": "wrong"},
        {},
    ):
        response = httpx.post(url, json={}, headers=headers)
        assert response.status_code == 403, (headers, response.text)
        assert "result" not in response.text
    non_ascii = httpx.post(url, json={}, headers={b"X-Ren-Token": "tökèn".encode()})
    assert non_ascii.status_code == 403, non_ascii.text
    raw = raw_exchange(
        served,
        "POST /api/rpc/runs HTTP/1.1\nHost: 127.0.0.1\nContent-Length: 2\n"
        "X-Ren-Token: \u00e9t\u00e9\u2603\n",
        iter([b"{}"]),
    )
    assert status_of(raw) == 403, raw[:300]


def test_a_cross_site_post_to_a_page_route_is_refused(served: Served) -> None:
    response = httpx.post(
        f"{served.url}/api/rpc/runs",
        json={},
        headers={"X-Ren-Token": token(served), "Origin": f"http://127.0.0.1:{port_of(served) + 1}"},
    )
    assert response.status_code == 403 and "cross-origin" in response.text


# -- bodies ------------------------------------------------------------------------------------


def test_an_oversized_body_with_content_length_is_refused_before_it_is_read(
    served: Served,
) -> None:
    head = (
        f"POST /hooks/orders HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\n"
        f"X-Ren-Secret: {served.secrets['orders']}\nContent-Length: {2 * MIB}\n"
    )
    answer = raw_exchange(served, head, iter([b"{" + b" " * 1000]))  # 1 KB of the 2 MB
    assert status_of(answer) == 413, answer[:300]
    assert b"the request body is larger than 1048576 bytes" in answer
    # over the server's --max-body: refused before any route sees it
    over = head.replace(f"{2 * MIB}", f"{50 * MIB}")
    assert status_of(raw_exchange(served, over, iter([b"{" + b" " * 1000]))) == 413
    url, headers = hook(served)
    assert httpx.post(url, json={"amount": 1}, headers=headers).status_code == 202


def test_an_oversized_chunked_body_is_refused_while_it_streams(served: Served) -> None:
    head = (
        f"POST /hooks/orders HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\n"
        f"X-Ren-Secret: {served.secrets['orders']}\nTransfer-Encoding: chunked\n"
    )
    piece = b"x" * 65536

    def chunks() -> Iterator[bytes]:
        for _ in range(50 * MIB // len(piece)):  # 50 MB, never all sent
            yield f"{len(piece):x}\r\n".encode() + piece + b"\r\n"

    answer = raw_exchange(served, head, chunks())
    assert status_of(answer) == 413, answer[:300]
    url, headers = hook(served)
    assert httpx.post(url, json={"amount": 1}, headers=headers).status_code == 202


def test_a_webhook_node_sets_its_own_limit_under_the_servers(served: Served) -> None:
    url, headers = hook(served, "small")
    fits = json.dumps({"amount": 1, "note": "x" * 900}).encode()
    assert len(fits) <= 1000
    assert httpx.post(url, content=fits, headers={**headers, **JSON}).status_code == 202
    over = json.dumps({"amount": 1, "note": "x" * 1000}).encode()
    response = httpx.post(url, content=over, headers={**headers, **JSON})
    assert response.status_code == 413
    assert response.json()["error"]["kind"] == "too_large"
    assert "larger than 1000 bytes" in response.json()["error"]["message"]
    # `big` takes 10 MB, but the server takes no body over --max-body 3M
    url, headers = hook(served, "big")
    body = json.dumps({"amount": 1, "note": "x" * (4 * MIB)}).encode()
    big = httpx.post(url, content=body, headers={**headers, **JSON})
    assert big.status_code == 413
    rpc = httpx.post(
        f"{served.url}/api/rpc/runs", content=body, headers={"X-Ren-Token": token(served)}
    )
    assert rpc.status_code == 413


JSON = {"Content-Type": "application/json"}


def nested(levels: int) -> str:
    """An object whose `deep` field is `levels - 1` arrays deep: `levels` levels in all."""
    return '{"amount": 1, "deep": ' + "[" * (levels - 1) + "]" * (levels - 1) + "}"


def test_json_deeper_than_400_levels_is_a_clear_bad_request(served: Served) -> None:
    url, headers = hook(served)
    assert httpx.post(url, content=nested(400), headers={**headers, **JSON}).status_code == 202
    for levels in (401, 5000, 100_000):
        response = httpx.post(url, content=nested(levels), headers={**headers, **JSON})
        assert response.status_code == 400, levels
        assert response.json()["error"]["message"] == (
            "the request body is JSON nested deeper than 400 levels"
        )
    rpc = httpx.post(
        f"{served.url}/api/rpc/runs",
        content="[" * 100_000 + "]" * 100_000,
        headers={"X-Ren-Token": token(served)},
    )
    assert rpc.status_code == 400
    assert "nested deeper than 400 levels" in rpc.json()["error"]["message"]


def test_a_body_is_taken_as_json_or_a_form_and_nothing_else(served: Served) -> None:
    url, headers = hook(served)
    before = served.run_count()
    for media in ("text/plain", "application/xml", "multipart/form-data; boundary=x", "x"):
        response = httpx.post(
            url, content=b'{"amount": 1}', headers={**headers, "Content-Type": media}
        )
        assert response.status_code == 415, media
        error = response.json()["error"]
        assert error["kind"] == "unsupported_media_type"
        assert error["message"].endswith(f"not {media.split(';')[0]}")
    assert served.run_count() == before
    vendor = httpx.post(
        url,
        content=b'{"amount": 2}',
        headers={**headers, "Content-Type": "application/vnd.acme+json; charset=utf-8"},
    )
    assert vendor.status_code == 202, vendor.text
    form = httpx.post(url, data={"amount": "3", "note": "by form"}, headers=headers)
    assert form.status_code == 202, form.text
    assert served.finished(form.json()["run_id"])["output"] == {"amount": 3, "note": "by form"}


def test_the_same_idempotency_key_with_another_body_is_a_conflict(served: Served) -> None:
    url, headers = hook(served)
    headers = {**headers, "Idempotency-Key": "evt-conflict"}
    first = httpx.post(url, json={"amount": 5}, headers=headers)
    assert first.status_code == 202
    run_id = first.json()["run_id"]
    same = httpx.post(url, content=b'{ "amount" : 5 }', headers={**headers, **JSON})
    assert same.status_code == 202 and same.json()["run_id"] == run_id
    for other in ({"amount": 6}, {"amount": 5, "note": "x"}, {"amount": 5.0}):
        response = httpx.post(url, json=other, headers=headers)
        assert response.status_code == 409, other
        error = response.json()["error"]
        assert error["kind"] == "conflict" and error["run_id"] == run_id
        assert run_id in error["message"] and "evt-conflict" in error["message"]


def test_a_caller_without_the_secret_learns_nothing_about_the_workflow(served: Served) -> None:
    answers = []
    for wid, secret in (
        ("nothing", "guess"),  # unknown
        ("draft", served.secrets["draft"]),  # not published, its real secret
        ("gone", served.secrets["gone"]),  # deleted, its real secret
        ("orders", "guess"),  # published, wrong secret
        ("orders", None),  # published, no secret
    ):
        headers = {"X-Ren-Secret": secret} if secret else {}
        response = httpx.post(f"{served.url}/hooks/x{wid}", json={"amount": 1}, headers=headers)
        real = httpx.post(f"{served.url}/hooks/{wid}", json={"amount": 1}, headers=headers)
        # the same answer as for a made-up workflow, once its name is taken out
        body = real.text.replace(f"/hooks/{wid}", "/hooks/W")
        assert body == response.text.replace(f"/hooks/x{wid}", "/hooks/W")
        answers.append((real.status_code, body, sorted(real.headers.keys())))
    assert all(a == answers[0] for a in answers), answers
    assert answers[0][0] == 404
