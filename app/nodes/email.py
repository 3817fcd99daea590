"""The `send_email` node: one message over SMTP with an `smtp` credential.

Addresses, subject, text and HTML are templates over run data; attachments are artifacts,
named by id or taken from another node's output ("every artifact of node X"). The output is
the message's id and the recipients the server accepted. A failure names the server's reply
(`SMTP 535 ...`) and never the password.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import Field

from app.core.catalog import FunctionLookup
from app.core.templates import has_template, render_template
from app.credentials.checks import credential_problems, folder_of
from app.credentials.kinds import Credential
from app.nodes.base import NodeConfig, NodeResult, NodeType
from app.nodes.checks import template_fields
from app.nodes.context import StepContext
from app.nodes.email_message import (
    Attachment,
    BadAddress,
    Draft,
    build,
    message_id,
    parse_addresses,
)
from app.nodes.email_smtp import EmailFailed, account_from, send_message


class SendEmailConfig(NodeConfig):
    credential: str = Field(
        "",
        description="The smtp credential to send with (server, login, default sender)",
        json_schema_extra={"x-ren-kind": "credential", "x-ren-credential-kinds": ["smtp"]},
    )
    to: list[str] = Field(
        default_factory=list,
        description="Recipients: addresses or {{ expressions }} (a list or 'a@x.org, b@y.org')",
    )
    cc: list[str] = Field(default_factory=list, description="Copy to")
    bcc: list[str] = Field(default_factory=list, description="Blind copy to (in no header)")
    from_address: str = Field(
        "", description="Sender, e.g. 'Ren <ren@example.com>'; empty: the credential's"
    )
    reply_to: str = Field("", description="Where replies go (optional)")
    subject: str = Field("", description="Subject; may use {{ expressions }}")
    text: str = Field("", description="Plain-text body; may use {{ expressions }}")
    html: str = Field("", description="HTML body (optional); may use {{ expressions }}")
    attachments: list[str] = Field(
        default_factory=list,
        description="Artifact ids to attach, or {{ expressions }} giving artifacts",
    )
    attach_artifacts_of: list[str] = Field(
        default_factory=list, description="Attach every artifact in these nodes' output"
    )
    smtp_timeout_s: float = Field(30.0, gt=0, description="Seconds to wait for the server")


class SendEmailNode(NodeType[SendEmailConfig]):
    type_name = "send_email"
    title = "Send email"
    category = "Email & notify"
    description = (
        "Sends an email through your SMTP server (an smtp credential): recipients, subject "
        "and body may use run data, files made by earlier steps can be attached. Outputs the "
        "message id and the recipients the server accepted."
    )
    icon = "mail"
    config_model = SendEmailConfig

    def config_problems(
        self, config: SendEmailConfig, functions: FunctionLookup
    ) -> list[tuple[str, str]]:
        problems: list[tuple[str, str]] = []
        if not config.credential.strip():
            problems.append(("credential", "choose the smtp credential to send with"))
        problems += credential_problems(config.credential, ("smtp",), folder_of(functions))
        if not config.to and not config.cc and not config.bcc:
            problems.append(("to", "give at least one recipient"))
        if not config.subject.strip():
            problems.append(("subject", "give a subject"))
        for name in ("to", "cc", "bcc", "from_address", "reply_to"):
            value = getattr(config, name)
            problems += template_fields(name, value)
            literals = [v for v in (value if isinstance(value, list) else [value]) if v]
            for index, text in enumerate(literals):
                if not has_template(text):
                    try:
                        parse_addresses(name, [text])
                    except BadAddress as err:
                        problems.append(
                            (f"{name}[{index}]" if name in ("to", "cc", "bcc") else name, str(err))
                        )
        for name in ("subject", "text", "html", "attachments"):
            problems += template_fields(name, getattr(config, name))
        return problems

    async def execute(self, ctx: StepContext, config: SendEmailConfig, input: Any) -> NodeResult:
        scope = ctx.scope(input)

        def render(value: str) -> Any:
            return render_template(value, scope) if value else ""

        account = account_from(_credential(ctx, config.credential))
        try:
            sender = parse_addresses(
                "from_address", [render(config.from_address) or account.from_address]
            )
            if not sender:
                raise BadAddress("from_address: no sender; set it here or in the smtp credential")
            draft = Draft(
                sender=sender[0],
                to=parse_addresses("to", [render(v) for v in config.to]),
                cc=parse_addresses("cc", [render(v) for v in config.cc]),
                bcc=parse_addresses("bcc", [render(v) for v in config.bcc]),
                reply_to=parse_addresses("reply_to", [render(config.reply_to)]),
                subject=str(render(config.subject)),
                text=str(render(config.text)),
                html=str(render(config.html)),
                attachments=_attachments(ctx, config, scope),
            )
        except BadAddress as err:
            raise ValueError(str(err)) from None
        recipients = draft.recipients()
        if not recipients:
            raise ValueError("to: the recipients rendered empty; there is no one to send to")
        draft.message_id = message_id(ctx.idempotency_key, account.from_address or draft.sender[1])
        message = build(draft)
        ctx.checkpoint()
        accepted = await send_message(account, message, recipients, config.smtp_timeout_s)
        refused = [r for r in recipients if r not in accepted]
        if refused:
            ctx.log(f"the server refused {', '.join(refused)}", level="warning")
        return NodeResult(
            {
                "message_id": draft.message_id,
                "accepted": accepted,
                "refused": refused,
                "attachments": [a.name for a in draft.attachments],
            }
        )


def _credential(ctx: StepContext, name: str) -> Credential:
    """The step's smtp credential (its secrets are then masked in what the step records)."""
    name = name.strip()
    if not name:
        raise EmailFailed("no smtp credential chosen")
    credential = ctx.credential(name)
    if credential.kind != "smtp":
        raise EmailFailed(f"credential '{name}' is a {credential.kind} credential, not smtp")
    return credential


def _attachments(
    ctx: StepContext, config: SendEmailConfig, scope: dict[str, Any]
) -> list[Attachment]:
    """The files to attach: each named artifact, then every artifact of the named nodes."""
    found: list[dict[str, Any]] = []
    for index, entry in enumerate(config.attachments):
        value = render_template(entry, scope)
        items = list(_artifacts_in(value))
        if not items:
            raise ValueError(f"attachments[{index}]: '{entry}' names no artifact")
        found += items
    for node_id in config.attach_artifacts_of:
        if node_id not in ctx.nodes:
            raise ValueError(f"attach_artifacts_of: node '{node_id}' has no output in this run")
        found += list(_artifacts_in(ctx.nodes[node_id], ids_too=False))
    seen: dict[str, Attachment] = {}
    for item in found:
        artifact_id = str(item["artifact_id"])
        if artifact_id in seen:
            continue
        path = ctx.artifact_path(artifact_id)
        # a bare id: the stored file is named "<id>-<name>" (app.engine.artifacts)
        name = str(item.get("name") or path.name.removeprefix(f"{artifact_id}-"))
        seen[artifact_id] = Attachment(name, path, item.get("media_type"))
    return list(seen.values())


def _artifacts_in(value: Any, ids_too: bool = True) -> Iterator[dict[str, Any]]:
    """Artifact records inside `value`: dicts with an `artifact_id`, at any depth; with
    `ids_too`, a bare string is taken as an artifact id."""
    if isinstance(value, dict):
        if "artifact_id" in value:
            yield value
            return
        for item in value.values():
            yield from _artifacts_in(item, ids_too=False)
    elif isinstance(value, list):
        for item in value:
            yield from _artifacts_in(item, ids_too)
    elif ids_too and isinstance(value, str) and value.strip():
        for part in value.split(","):
            if part.strip():
                yield {"artifact_id": part.strip()}
