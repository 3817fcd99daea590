"""Access on a LAN-style bind, over real HTTP against a real `ren` process (tests.auth.lan_server
explains the 127.0.0.2 bind): sessions, tokens, roles, the login limit, and refusing to serve
without an admin."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from app.auth.db import AuthDb
from app.auth.form_links import FormLinks
from app.auth.links import TaskLinks, load_key
from tests.auth.lan_server import (
    LAN_HOST,
    PASSWORDS,
    LanServer,
    ren,
    restart,
    start_lan_server,
)
from tests.browser import free_port, stop_app
from tests.ren_cli import REN, ren_env


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LanServer]:
    running = start_lan_server(tmp_path_factory.mktemp("lan") / "home")
    yield running
    stop_app(running.process)


def client(server: LanServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, follow_redirects=False, timeout=30)


@contextmanager
def login(server: LanServer, name: str, password: str | None = None) -> Iterator[httpx.Client]:
    """A client signed in through the login form."""
    with client(server) as http:
        yield signed_in(server, http, name, password or PASSWORDS[name])


def signed_in(server: LanServer, http: httpx.Client, name: str, password: str) -> httpx.Client:
    answer = http.post(
        "/auth/login",
        data={"name": name, "password": password, "next": "/inbox"},
        headers=server.origin,
    )
    assert answer.status_code == 303 and answer.headers["location"] == "/inbox", answer.headers
    cookie = answer.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie
    return http


def token_for(server: LanServer, name: str) -> tuple[str, str]:
    """(token id, secret) made by `ren tokens create`."""
    made = ren(server.home, "tokens", "create", name, "--label", "tests")
    assert made.returncode == 0, made.stderr
    token_id = made.stderr.split()[1]
    return token_id, made.stdout.strip()


def test_without_a_session_or_token_everything_but_the_login_is_refused(server: LanServer) -> None:
    with client(server) as http:
        assert http.get("/workflows").status_code == 401
        body = http.get(f"/tasks/{server.tasks['ann']}").json()
        assert body["error"]["kind"] == "unauthorized"
        page = http.get("/runs", headers={"Accept": "text/html"})
        assert (page.status_code, page.headers["location"]) == (303, "/login?next=%2Fruns")
        socket = http.get("/_nicegui_ws/socket.io/", params={"EIO": "4", "transport": "polling"})
        assert socket.status_code == 401
        assert http.get("/login").status_code == 200
        bad = http.get("/workflows", headers={"Authorization": "Bearer ren_not-a-token"})
        assert bad.status_code == 401


def test_an_admin_token_opens_every_page(server: LanServer) -> None:
    _, secret = token_for(server, "boss")
    with client(server) as http:
        http.headers["Authorization"] = f"Bearer {secret}"
        for path in ("/workflows", "/workflows/for_ann", "/runs", f"/tasks/{server.tasks['bob']}"):
            assert http.get(path).status_code == 200, path
        task_page = http.get(f"/tasks/{server.tasks['bob']}").text
        assert f'"href":"/runs/{server.runs["bob"]}"' in task_page  # the admin can open it


def test_an_assignee_sees_only_their_own_task_and_no_editor_or_run_pages(
    server: LanServer,
) -> None:
    with login(server, "ann") as http:
        own = http.get(f"/tasks/{server.tasks['ann']}")
        assert own.status_code == 200 and "For ann" in own.text
        assert f'"href":"/runs/{server.runs["ann"]}"' not in own.text  # no link to run pages
        assert http.get("/inbox").status_code == 200
        other = http.get(f"/tasks/{server.tasks['bob']}")
        assert other.status_code == 403
        assert other.json()["error"] == {
            "kind": "forbidden",
            "message": "this task is assigned to someone else",
        }
        for path in ("/workflows", "/workflows/for_ann", "/runs", "/settings", "/audit"):
            assert http.get(path).status_code == 403, path
        home = http.get("/")
        assert (home.status_code, home.headers["location"]) == (303, "/inbox")
        page = http.get("/workflows", headers={"Accept": "text/html"})
        assert page.status_code == 403 and "You cannot open this page" in page.text


def test_a_revoked_token_fails_at_once(server: LanServer) -> None:
    token_id, secret = token_for(server, "ann")
    with client(server) as http:
        http.headers["Authorization"] = f"Bearer {secret}"
        first = http.get("/inbox")
        assert first.status_code == 200, (first.text, secret, token_id)
        revoked = ren(server.home, "tokens", "revoke", token_id)
        assert revoked.returncode == 0, revoked.stderr
        assert http.get("/inbox").status_code == 401
    again = ren(server.home, "tokens", "revoke", token_id)
    assert again.returncode == 2 and "already revoked" in again.stderr


def test_a_signed_in_change_without_origin_is_refused(server: LanServer) -> None:
    with login(server, "boss") as http:
        refused = http.post("/workflows", content=b"{}")
        assert refused.status_code == 403
        assert "Origin" in refused.json()["error"]["message"]


def test_logging_out_ends_the_session(server: LanServer) -> None:
    with login(server, "bob") as http:
        assert http.get("/inbox").status_code == 200
        out = http.post("/auth/logout", headers=server.origin)
        assert (out.status_code, out.headers["location"]) == (303, "/login")
        assert http.get("/inbox").status_code == 401


def test_wrong_passwords_are_rate_limited_per_address_and_name(server: LanServer) -> None:
    with client(server) as http:
        form = {"name": "bob", "password": "wrong password", "next": "/inbox"}
        for _ in range(3):
            wrong = http.post("/auth/login", data=form, headers=server.origin)
            assert "error=wrong" in wrong.headers["location"]
        form["password"] = PASSWORDS["bob"]  # even the right one waits now
        limited = http.post("/auth/login", data=form, headers=server.origin)
        assert "error=limited" in limited.headers["location"]
        assert int(limited.headers["retry-after"]) >= 1
        assert "set-cookie" not in limited.headers
        page = http.get(limited.headers["location"])
        assert "Too many wrong passwords" in page.text
    with login(server, "ann"):  # another name from the same address is not held up
        pass
    restart(server)  # the count is kept in the data folder: a restart does not clear it
    with client(server) as http:
        wrong = {**form, "password": "wrong again"}
        again = http.post("/auth/login", data=wrong, headers=server.origin)
        if "error=wrong" in again.headers["location"]:  # the 5 s went by during the restart:
            # a 4th wrong password (a fresh count would be at its 1st) makes even the right
            # one wait 10 s
            again = http.post("/auth/login", data=form, headers=server.origin)
        assert "error=limited" in again.headers["location"]
        assert "set-cookie" not in again.headers


def test_serving_on_the_network_without_an_admin_refuses_to_start(tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    port = free_port()
    started = subprocess.run(
        [*REN, "--no-browser", "--host", LAN_HOST, "--port", str(port)],
        capture_output=True,
        text=True,
        env=ren_env(home),
        timeout=120,
    )
    assert started.returncode == 2
    assert "will not serve on 127.0.0.2 without accounts" in started.stderr
    assert "ren users add NAME --admin" in started.stderr
    listed = ren(home, "users", "list")
    assert "No accounts" in listed.stdout


def test_the_audit_log_is_served_to_admins_only(server: LanServer) -> None:
    _, admin = token_for(server, "boss")
    _, assignee = token_for(server, "ann")
    with client(server) as http:
        assert http.get("/api/v1/audit").status_code == 401
        refused = http.get("/api/v1/audit", headers={"Authorization": f"Bearer {assignee}"})
        assert refused.status_code == 403 and refused.json()["error"]["kind"] == "forbidden"
        http.headers["Authorization"] = f"Bearer {admin}"
        page = http.get("/api/v1/audit", params={"what": "started"}).json()
        started = {e["details"]["workflow_id"] for e in page["entries"]}
        assert started == {"for_ann", "for_bob"} and page["next_before"] is None
        first = http.get("/api/v1/audit", params={"limit": 1}).json()
        older = http.get("/api/v1/audit", params={"before": first["next_before"]}).json()
        assert older["entries"][0]["id"] < first["entries"][0]["id"]
        bad = http.get("/api/v1/audit", params={"limit": 0})
        assert bad.status_code == 422


def test_a_task_link_opens_without_an_account_but_only_its_page(server: LanServer) -> None:
    db = AuthDb(server.home / "ren.sqlite")  # another process than the server, as `ren` is
    try:
        _, token = TaskLinks(db, load_key(server.home)).create(
            server.tasks["bob"], "carol@example.com", created_by="boss"
        )
    finally:
        db.close()
    with client(server) as http:
        page = http.get(f"/t/{token}")
        assert page.status_code == 200 and "A task for you" in page.text
        assert http.get(f"/tasks/{server.tasks['bob']}").status_code == 401


def test_an_assignees_inbox_is_my_tasks(server: LanServer) -> None:
    with login(server, "ann") as http:
        page = http.get("/inbox").text
        assert "My tasks" in page and "For ann" in page and "For bob" not in page
        assert '"data-nav":"inbox"' in page  # the navigation: only what ann can open
        assert '"data-nav":"runs"' not in page and '"data-nav":"audit"' not in page
        assert '"aria-label":"1 open task"' in page  # the badge counts ann's tasks only
    with login(server, "boss") as http:
        page = http.get("/inbox").text
        assert "For ann" in page and "For bob" in page and "My tasks" not in page
        assert '"data-nav":"runs"' in page and '"data-nav":"audit"' in page
        assert '"aria-label":"2 open tasks"' in page


def test_a_worker_forced_to_require_accounts_refuses_without_an_admin(tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    started = subprocess.run(
        [*REN, "worker", "--until-idle"],
        capture_output=True,
        text=True,
        env={**ren_env(home), "REN_REQUIRE_ACCOUNTS": "1"},
        timeout=120,
    )
    assert started.returncode == 2
    assert "will not serve on 127.0.0.1 without accounts" in started.stderr


def test_over_the_api_an_assignee_reads_and_answers_only_their_own_task(
    server: LanServer,
) -> None:
    _, secret = token_for(server, "bob")
    with client(server) as http:
        http.headers["Authorization"] = f"Bearer {secret}"
        ids = {t["id"] for t in http.get("/api/v1/tasks").json()}
        assert server.tasks["bob"] in ids and server.tasks["ann"] not in ids
        assert http.get(f"/api/v1/tasks/{server.tasks['ann']}").status_code == 404
        answer = {"outcome": "submit", "values": {}, "by": "somebody else"}
        stolen = http.post(f"/api/v1/tasks/{server.tasks['ann']}/complete", json=answer)
        assert stolen.status_code == 404
        assert http.get(f"/api/v1/runs/{server.runs['ann']}").status_code == 403
    with client(server) as http:  # the task is still open for ann, as the admin sees
        _, admin = token_for(server, "boss")
        http.headers["Authorization"] = f"Bearer {admin}"
        task = http.get(f"/api/v1/tasks/{server.tasks['ann']}").json()
        assert task["status"] == "open" and task["completed_by"] is None


def test_the_login_form_survives_bad_input_and_never_redirects_elsewhere(
    server: LanServer,
) -> None:
    with client(server) as http:
        for body in (b"", b"name=&password=", b"\xff\xfe=%%%", b"name=x" * 5000):
            answer = http.post(
                "/auth/login",
                content=body,
                headers={**server.origin, "Content-Type": "application/x-www-form-urlencoded"},
            )
            assert answer.status_code == 303 and "error=wrong" in answer.headers["location"]
        away = http.post(
            "/auth/login",
            data={"name": "boss", "password": PASSWORDS["boss"], "next": "//evil.example/x"},
            headers=server.origin,
        )
        assert (away.status_code, away.headers["location"]) == (303, "/")
    with client(server) as http:  # no session cookie: only the header counts
        for header in ("Bearer", "Bearer x y", "Basic Ym9zczp4", "Bearer ren_" + "x" * 5000):
            assert http.get("/inbox", headers={"Authorization": header}).status_code == 401


def test_the_api_docs_page_follows_the_apis_login_rules_and_needs_no_cdn(
    server: LanServer,
) -> None:
    with client(server) as http:
        assert http.get("/api/v1/docs").status_code == 401
        assert http.get("/api/v1/docs-assets/swagger-ui-bundle.js").status_code == 401
        page = http.get("/api/v1/docs", headers={"Accept": "text/html"})
        assert (page.status_code, page.headers["location"]) == (
            303,
            "/login?next=%2Fapi%2Fv1%2Fdocs",
        )
    with login(server, "ann") as http:  # any signed-in person may read the API's docs
        page = http.get("/api/v1/docs")
        assert page.status_code == 200 and "SwaggerUIBundle" in page.text
        assert "http://" not in page.text and "https://" not in page.text  # nothing from outside
        for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "favicon.png"):
            assert http.get(f"/api/v1/docs-assets/{asset}").status_code == 200, asset
        assert http.get("/api/v1/openapi.json").json()["info"]["title"] == "Ren API"


def test_a_form_shared_by_link_opens_without_an_account(server: LanServer) -> None:
    with client(server) as http:  # the form's own address needs a login on the network
        assert http.get("/forms/signup").status_code == 401
        page = http.get("/forms/signup", headers={"Accept": "text/html"})
        assert page.headers["location"] == "/login?next=%2Fforms%2Fsignup"
    with login(server, "ann") as http:  # "people signed in": whatever their role
        page = http.get("/forms/signup")
        assert page.status_code == 200 and "Book a table" in page.text
    db = AuthDb(server.home / "ren.sqlite")  # another process than the server, as `ren` is
    try:
        links = FormLinks(db, load_key(server.home))
        link, token = links.create("signup", "", "flyer", created_by="boss")
        with client(server) as http:
            page = http.get(f"/f/{token}")
            assert page.status_code == 200 and "Book a table" in page.text
            found = re.search(r"client_id['\"]:\s*['\"]([^'\"]+)", page.text)
            assert found is not None
            handshake = {"EIO": "4", "transport": "polling", "client_id": found[1]}
            assert http.get("/_nicegui_ws/socket.io/", params=handshake).status_code == 200
            assert http.get("/forms/signup").status_code == 401  # the link opens only /f/…
            assert http.get(f"/f/{token[:-2]}xx").text.count("This link does not work") == 1
            links.revoke(link.id)
            assert "This link was withdrawn" in http.get(f"/f/{token}").text
    finally:
        db.close()
