"""Building an email: addresses checked, text and HTML parts, files attached, a stable id.

Pure apart from reading attachment files; the node (app.nodes.email) renders the templates
and the transport (app.nodes.email_smtp) sends what this builds.
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import formataddr, formatdate, getaddresses, parseaddr
from pathlib import Path

# local@domain.tld, the shape people and servers agree on (no quoted local parts, no IPs).
_ADDRESS = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


class BadAddress(ValueError):
    """An address that is not one: names the field and the text."""


def is_address(text: str) -> bool:
    """True for a bare address such as ana@example.com."""
    return bool(_ADDRESS.match(text.strip()))


def parse_addresses(label: str, values: Iterable[object]) -> list[tuple[str, str]]:
    """(display name, address) pairs from `values`; each value may be "Ana <ana@x.org>" or a
    comma-separated list of them. Raises BadAddress naming `label` and the wrong text."""
    found: list[tuple[str, str]] = []
    for value in values:
        if value is None:
            continue
        items = value if isinstance(value, list) else [value]
        for item in items:
            text = str(item).strip()
            if not text:
                continue
            for name, address in getaddresses([text]):
                if not is_address(address):
                    raise BadAddress(f"{label}: '{text}' is not an email address")
                found.append((name, address.strip()))
    return found


def message_id(key: str, sender: str) -> str:
    """A Message-ID that depends only on `key` (the step's idempotency key): a retried step
    sends the same id, so a mail server or client can tell the copies apart."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "ren.local"
    return f"<{hashlib.sha256(key.encode()).hexdigest()[:32]}@{domain}>"


@dataclass(frozen=True)
class Attachment:
    name: str
    path: Path
    media_type: str | None = None


@dataclass
class Draft:
    sender: tuple[str, str]
    to: list[tuple[str, str]]
    subject: str
    text: str = ""
    html: str = ""
    cc: list[tuple[str, str]] = field(default_factory=list)
    bcc: list[tuple[str, str]] = field(default_factory=list)
    reply_to: list[tuple[str, str]] = field(default_factory=list)
    attachments: Sequence[Attachment] = ()
    message_id: str = ""

    def recipients(self) -> list[str]:
        """Every envelope recipient once (To, Cc and Bcc), in that order."""
        seen: dict[str, None] = {}
        for _, address in [*self.to, *self.cc, *self.bcc]:
            seen.setdefault(address, None)
        return list(seen)


def build(draft: Draft) -> EmailMessage:
    """The message to send. Bcc recipients are not in any header (only in the envelope)."""
    msg = EmailMessage()
    msg["From"] = formataddr(draft.sender)
    msg["To"] = ", ".join(formataddr(a) for a in draft.to)
    if draft.cc:
        msg["Cc"] = ", ".join(formataddr(a) for a in draft.cc)
    if draft.reply_to:
        msg["Reply-To"] = ", ".join(formataddr(a) for a in draft.reply_to)
    msg["Subject"] = " ".join(draft.subject.split())  # no header injection through newlines
    msg["Date"] = formatdate(localtime=True)
    if draft.message_id:
        msg["Message-ID"] = draft.message_id
    msg.set_content(draft.text or _plain(draft.html))
    if draft.html:
        msg.add_alternative(draft.html, subtype="html")
    for attachment in draft.attachments:
        data = attachment.path.read_bytes()
        media = attachment.media_type or mimetypes.guess_type(attachment.name)[0]
        maintype, _, subtype = (media or "application/octet-stream").partition("/")
        msg.add_attachment(
            data, maintype=maintype, subtype=subtype or "octet-stream", filename=attachment.name
        )
    return msg


def _plain(html: str) -> str:
    """A text part for an HTML-only message (clients without HTML show this)."""
    text = re.sub(r"(?is)<(script|style).*?</\1>", "", html)
    text = re.sub(r"(?i)<br\s*/?>|</p>", "\n", text)
    return re.sub(r"<[^>]+>", "", text).strip()
