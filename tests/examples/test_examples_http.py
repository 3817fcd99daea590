"""examples/daily_sales_report.json and examples/webhook_forward.json on a real engine against
servers the tests start on 127.0.0.1: a shop API and a CRM (Starlette + uvicorn) and an SMTP
server (aiosmtpd); credentials are made in the test's data folder."""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from app.credentials.vault import Vault
from app.engine.service import Engine
from app.engine.webhooks import Delivery, HookRefused
from app.store.schema import Run
from tests.examples.helpers import example, node, user_home
from tests.flows import publish_reviewed
from tests.nodes.http_helpers import vault
from tests.nodes.http_server import LocalServer, serve
from tests.nodes.smtp_server import PASSWORD, USER, SmtpServer
from tests.nodes.smtp_server import serve as serve_smtp

__all__ = ["user_home", "vault"]  # fixtures, used by name

TOKEN = "shop-token-7f3a"
ORDERS = [  # two pages, as the shop API hands them out
    [
        {"id": 1, "product": "Tea", "quantity": 2, "amount": 9.0},
        {"id": 2, "product": "Coffee", "quantity": 1, "amount": 12.5},
    ],
    [
        {"id": 3, "product": "Tea", "quantity": 1, "amount": 4.5},
        {"id": 4, "product": "Mugs", "quantity": 4, "amount": 30.0},
    ],
]


@dataclass
class Seen:
    """What the local servers were asked."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    crm_failures: int = 2  # the CRM answers 503 this many times before it takes the contact


def shop_and_crm(seen: Seen) -> Starlette:
    async def orders(request: Request) -> Response:
        seen.requests.append({"path": "/orders", "query": dict(request.query_params)})
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse({"error": "who are you?"}, status_code=401)
        page = int(request.query_params.get("cursor") or 0)
        following = str(page + 1) if page + 1 < len(ORDERS) else None
        return JSONResponse({"orders": ORDERS[page], "next": following})

    async def contacts(request: Request) -> Response:
        body = await request.json()
        seen.requests.append({"path": "/contacts", "headers": dict(request.headers), "body": body})
        if seen.crm_failures > 0:
            seen.crm_failures -= 1
            return JSONResponse({"error": "busy"}, status_code=503, headers={"Retry-After": "0"})
        return JSONResponse({"id": "c-1001", **body}, status_code=201)

    return Starlette(
        routes=[Route("/api/orders", orders), Route("/api/contacts", contacts, methods=["POST"])]
    )


@pytest.fixture
def seen() -> Seen:
    return Seen()


@pytest.fixture
def server(seen: Seen) -> Iterator[LocalServer]:
    yield from serve(shop_and_crm(seen))


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from serve_smtp()


def yesterday(engine: Engine, run_id: str) -> str:
    """The day the run reported on (its `day` step's output)."""
    (step,) = [s for s in engine.steps(run_id) if s.node_id == "day"]
    return str(step.output["day"])


def add_mail_credential(vault: Vault, name: str, smtp: SmtpServer) -> None:
    fields = {"host": "127.0.0.1", "port": smtp.port, "security": "none", "username": USER}
    vault.put(name, "smtp", fields | {"password": PASSWORD, "from": "reports@example.com"})


async def run_daily_report(
    engine: Engine, vault: Vault, server: LocalServer, smtp: SmtpServer, token: str
) -> Run:
    """The daily sales report as it ships, reviewed, run against the local shop API (signing
    in with `token`) and SMTP server, writing into ~/Reports."""
    vault.put("shop-api", "bearer", {"token": token})
    add_mail_credential(vault, "report-mail", smtp)
    wid = publish_reviewed(engine, example("daily_sales_report.json"))
    params = {"api_url": f"{server.url}/api", "folder": "~/Reports", "to": "boss@example.com"}
    return await engine.run(wid, params)


async def test_the_daily_report_totals_yesterdays_orders_and_emails_the_csv(
    engine: Engine,
    vault: Vault,
    server: LocalServer,
    smtp: SmtpServer,
    seen: Seen,
    user_home: Path,
) -> None:
    run = await run_daily_report(engine, vault, server, smtp, TOKEN)
    assert run.status == "succeeded", run.error

    day = yesterday(engine, run.id)
    assert run.started_at is not None
    started = datetime.datetime.fromtimestamp(run.started_at, datetime.UTC)
    assert day == (started - datetime.timedelta(days=1)).strftime("%Y-%m-%d")
    assert [r["query"] for r in seen.requests] == [{"day": day}, {"day": day, "cursor": "1"}]
    report = user_home / "Reports" / f"sales-{day}.csv"
    assert report.read_text() == (  # best sellers first
        "product,orders,quantity,revenue\nMugs,1,4,30.0\nTea,2,3,13.5\nCoffee,1,1,12.5\n"
    )
    (mail,) = smtp.mailbox.received
    assert mail.recipients == ["boss@example.com"] and mail.login == USER
    assert mail.message["Subject"] == f"Sales report for {day}"
    body = mail.message.get_body(("plain",))
    assert body is not None and "3 products, 4 orders" in body.get_content()
    (attachment,) = mail.message.iter_attachments()
    assert attachment.get_filename() == f"sales-{day}.csv"
    assert attachment.get_content().encode() == report.read_bytes()


async def test_the_report_fails_naming_the_api_when_the_token_is_wrong(
    engine: Engine, vault: Vault, server: LocalServer, smtp: SmtpServer, user_home: Path
) -> None:
    run = await run_daily_report(engine, vault, server, smtp, "an-old-token")
    assert run.status == "failed"
    assert "HTTP 401" in str(run.error) and "/api/orders" in str(run.error)
    assert "an-old-token" not in str(run.error)
    assert not (user_home / "Reports").exists() and smtp.mailbox.received == []


def contact_forward(server: LocalServer) -> dict[str, Any]:
    doc = example("webhook_forward.json")
    node(doc, "forward")["config"]["url"] = f"{server.url}/api/contacts"  # the CRM's address
    node(doc, "forward")["config"]["retry_backoff_s"] = 0  # the test need not wait
    return doc


async def test_a_webhook_contact_is_reshaped_and_forwarded_through_the_crms_outage(
    engine: Engine, vault: Vault, server: LocalServer, seen: Seen
) -> None:
    vault.put("crm-api", "bearer", {"token": "crm-token-55"})
    wid = publish_reviewed(engine, contact_forward(server))
    secret = engine.webhooks.secrets.get(wid)
    body = {"email": "ana@example.com", "name": "Ana Lima", "message": "Call me"}
    delivery = Delivery(wid, "POST", "contact", secret, json.dumps(body).encode())
    run = await engine.wait((await engine.webhooks.deliver(delivery)).run_id, timeout=30)
    assert run.status == "succeeded", run.error
    assert run.output == {"crm_status": 201, "crm_id": "c-1001"}
    assert len(seen.requests) == 3  # two 503s, then taken
    sent = seen.requests[-1]
    assert sent["headers"]["authorization"] == "Bearer crm-token-55"
    assert sent["headers"]["idempotency-key"] == run.id  # the same on every attempt
    assert {r["headers"]["idempotency-key"] for r in seen.requests} == {run.id}
    assert sent["body"] == {
        "email": "ana@example.com",
        "full_name": "Ana Lima",
        "company": "",
        "note": "Call me",
        "source": "website",
        "received_at": run.started_at,
    }


async def test_a_contact_without_an_email_is_refused_before_any_run(
    engine: Engine, vault: Vault, server: LocalServer, seen: Seen
) -> None:
    vault.put("crm-api", "bearer", {"token": "crm-token-55"})
    wid = publish_reviewed(engine, contact_forward(server))
    secret = engine.webhooks.secrets.get(wid)
    delivery = Delivery(wid, "POST", "contact", secret, b'{"name": "Ana"}')
    with pytest.raises(HookRefused) as refused:
        await engine.webhooks.deliver(delivery)
    assert refused.value.problems == ["input: 'email' is a required property"]
    assert engine.list_runs() == [] and seen.requests == []


async def test_a_day_without_orders_still_sends_a_report(
    engine: Engine,
    vault: Vault,
    server: LocalServer,
    smtp: SmtpServer,
    user_home: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("tests.examples.test_examples_http.ORDERS", [[]])
    run = await run_daily_report(engine, vault, server, smtp, TOKEN)
    assert run.status == "succeeded", run.error
    (mail,) = smtp.mailbox.received
    body = mail.message.get_body(("plain",))
    assert body is not None and "0 products, 0 orders" in body.get_content()
    assert len(list(mail.message.iter_attachments())) == 1
    day = yesterday(engine, run.id)
    assert [p.name for p in (user_home / "Reports").iterdir()] == [f"sales-{day}.csv"]
