"""The send_email node against a real aiosmtpd server on 127.0.0.1: the message arrives with
its attachment, the credential's login is used, a wrong password fails the step with the
server's reply and no password, STARTTLS with a self-signed certificate, bad config before a
run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app import register_function
from app.core.dsl import WorkflowSpec
from app.credentials.vault import folder_vault
from app.engine.service import Engine
from app.nodes.context import StepContext
from tests.conftest import chain_workflow
from tests.flows import step_error
from tests.nodes.smtp_server import PASSWORD, USER, SmtpServer, self_signed, serve, start_server

REPORT = b"name,total\nana,3\nbo,4\n"


@register_function("t.email_report")
def make_report(state: dict[str, Any], ctx: StepContext) -> dict[str, Any]:
    """A step that produces a file (an artifact) for the email to attach."""
    return {"report": ctx.save_artifact("report.csv", REPORT, "text/csv"), "who": "Ana"}


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from serve()


def add_credential(home: Path, port: int, password: str = PASSWORD, **extra: Any) -> None:
    folder_vault(home).put(
        "mail",
        "smtp",
        {
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "username": USER,
            "password": password,
            "from": "Ren <ren@example.com>",
            **extra,
        },
    )


def email_node(**config: Any) -> dict[str, Any]:
    return {
        "type": "send_email",
        "config": {
            "credential": "mail",
            "to": ["{{ input.email }}"],
            "subject": "Report for {{ input.who }}",
            "text": "Hello {{ input.who }}, the report is attached.",
            **config,
        },
    }


async def test_the_message_arrives_with_its_attachment_and_the_login(
    engine: Engine, home: Path, smtp: SmtpServer
) -> None:
    add_credential(home, smtp.port)
    doc = chain_workflow(
        {"type": "function", "config": {"function": "t.email_report"}},
        email_node(
            to=["ana@example.com"],
            cc=["Bo <bo@example.com>"],
            bcc=["audit@example.com"],
            reply_to="boss@example.com",
            html="<p>Hello <b>{{ input.who }}</b></p>",
            attach_artifacts_of=["n1"],
        ),
    )
    engine.import_workflow(doc)
    run = await engine.run("wf", {})
    assert run.status == "succeeded", run.error
    output = next(s for s in engine.steps(run.id) if s.node_id == "n2").output
    assert output["accepted"] == ["ana@example.com", "bo@example.com", "audit@example.com"]
    assert output["attachments"] == ["report.csv"]

    (got,) = smtp.mailbox.received
    assert got.login == USER
    assert got.sender == "ren@example.com"
    assert got.recipients == ["ana@example.com", "bo@example.com", "audit@example.com"]
    message = got.message
    assert message["Subject"] == "Report for Ana"
    assert message["Reply-To"] == "boss@example.com"
    assert message["Message-ID"] == output["message_id"]
    assert "audit@example.com" not in str(message)  # Bcc is in no header
    assert "Hello Ana" in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert "<b>Ana</b>" in message.get_body(("html",)).get_content()  # type: ignore[union-attr]
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "report.csv"
    assert attachment.get_content_type() == "text/csv"
    assert attachment.get_payload(decode=True) == REPORT


async def test_recipients_and_attachments_from_run_data(
    engine: Engine, home: Path, smtp: SmtpServer
) -> None:
    add_credential(home, smtp.port)
    doc = chain_workflow(
        {"type": "function", "config": {"function": "t.email_report"}},
        email_node(to=["{{ params.email }}"], attachments=["{{ nodes.n1.report.artifact_id }}"]),
    )
    engine.import_workflow(doc)
    run = await engine.run("wf", {"email": "ana@example.com, cy@example.org", "who": "Ana"})
    assert run.status == "succeeded", run.error
    (got,) = smtp.mailbox.received
    assert got.recipients == ["ana@example.com", "cy@example.org"]
    assert [a.get_filename() for a in got.message.iter_attachments()] == ["report.csv"]


async def test_a_wrong_password_fails_with_the_smtp_reply_and_no_password(
    engine: Engine, home: Path, smtp: SmtpServer
) -> None:
    wrong = "not-the-Passw0rd-123"
    add_credential(home, smtp.port, password=wrong)
    engine.import_workflow(chain_workflow(email_node()))
    run = await engine.run("wf", {"email": "ana@example.com", "who": "Ana"})
    assert run.status == "failed"
    error = step_error(engine, run.id)
    assert "SMTP 535" in error["message"]
    assert "uthentication" in error["message"]
    assert wrong not in json.dumps(error) and wrong not in json.dumps(run.error)
    events = json.dumps([e.data for e in engine.events(run.id)])
    assert wrong not in events
    assert smtp.mailbox.received == []


async def test_an_unreachable_server_names_host_and_port(engine: Engine, home: Path) -> None:
    server = start_server()
    port = server.port
    server.controller.stop()  # nothing listens there any more
    add_credential(home, port)
    engine.import_workflow(chain_workflow(email_node()))
    run = await engine.run("wf", {"email": "ana@example.com", "who": "Ana"})
    assert run.status == "failed"
    assert f"127.0.0.1:{port}" in step_error(engine, run.id)["message"]


async def test_a_recipient_that_is_no_address_fails_before_sending(
    engine: Engine, home: Path, smtp: SmtpServer
) -> None:
    add_credential(home, smtp.port)
    engine.import_workflow(chain_workflow(email_node()))
    run = await engine.run("wf", {"email": "not an address", "who": "Ana"})
    assert run.status == "failed"
    assert "to: 'not an address' is not an email address" in step_error(engine, run.id)["message"]
    assert smtp.mailbox.received == []


async def test_starttls_with_a_self_signed_certificate(
    engine: Engine, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    context, cafile = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cafile))  # the client trusts this certificate
    for server in serve(context):
        add_credential(home, server.port, security="starttls")
        engine.import_workflow(chain_workflow(email_node()))
        run = await engine.run("wf", {"email": "ana@example.com", "who": "Ana"})
        assert run.status == "succeeded", run.error
        (got,) = server.mailbox.received
        assert got.login == USER
        assert got.message["Subject"] == "Report for Ana"


async def test_implicit_tls_with_a_self_signed_certificate(
    engine: Engine, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    context, cafile = self_signed(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cafile))
    for server in serve(context, implicit_tls=True):
        add_credential(home, server.port, security="tls")
        engine.import_workflow(chain_workflow(email_node()))
        run = await engine.run("wf", {"email": "ana@example.com", "who": "Ana"})
        assert run.status == "succeeded", run.error
        (got,) = server.mailbox.received
        assert got.login == USER


async def test_starttls_refuses_an_untrusted_certificate(
    engine: Engine, home: Path, tmp_path: Path
) -> None:
    context, _ = self_signed(tmp_path)
    for server in serve(context):
        add_credential(home, server.port, security="starttls")
        engine.import_workflow(chain_workflow(email_node()))
        run = await engine.run("wf", {"email": "ana@example.com", "who": "Ana"})
        assert run.status == "failed"
        assert "TLS with 127.0.0.1" in step_error(engine, run.id)["message"]
        assert server.mailbox.received == []


def test_config_problems_before_publishing(engine: Engine) -> None:
    doc = chain_workflow(
        {
            "type": "send_email",
            "config": {"to": ["nobody", "{{ input.x"], "subject": "", "credential": ""},
        }
    )
    problems = {(p.field, p.message) for p in engine.validate(WorkflowSpec.model_validate(doc))}
    fields = {field for field, _ in problems}
    messages = " | ".join(message for _, message in problems)
    assert {"config.credential", "config.subject"} <= fields
    assert "'nobody' is not an email address" in messages
    assert "choose the smtp credential" in messages


def test_an_unknown_or_wrong_kind_of_credential_is_a_problem(engine: Engine, home: Path) -> None:
    folder_vault(home).put("token", "bearer", {"token": "abc-123-secret-value"})

    def messages(credential: str) -> str:
        doc = chain_workflow(email_node(to=["ana@example.com"], credential=credential))
        found = engine.validate(WorkflowSpec.model_validate(doc))
        return " | ".join(p.message for p in found if p.field == "config.credential")

    assert "no credential named 'nope'" in messages("nope")
    assert "credential 'token' is a bearer credential" in messages("token")
