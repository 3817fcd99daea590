"""Sending one message over SMTP with the standard library, on a worker thread.

`SmtpAccount` is what an `smtp` credential holds. `send_message` connects (TLS from the start,
STARTTLS after the greeting, or plain), logs in when the account has a user name, hands the
message over and returns the recipients the server accepted. Every failure becomes
`EmailFailed` with the server's reply code and text (`SMTP 535 authentication failed`), and
the password never appears in it.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Literal

Security = Literal["tls", "starttls", "none"]
SECURITIES: tuple[str, ...] = ("tls", "starttls", "none")
DEFAULT_PORTS = {"tls": 465, "starttls": 587, "none": 25}
EHLO_NAME = "localhost"  # never socket.getfqdn(): that may ask a DNS server


class EmailFailed(RuntimeError):
    """Sending did not happen (or not to anyone): what the server or the network said."""


@dataclass(frozen=True)
class SmtpAccount:
    host: str
    port: int
    security: Security = "starttls"
    username: str = ""
    password: str = ""
    from_address: str = ""

    def __repr__(self) -> str:  # never the password, not even in a traceback's locals
        return (
            f"SmtpAccount(host={self.host!r}, port={self.port}, security={self.security!r}, "
            f"username={self.username!r}, from_address={self.from_address!r})"
        )


def account_from(credential: Any) -> SmtpAccount:
    """An SmtpAccount from an `smtp` credential (app.credentials.Credential: its fields, the
    sender under "from") or a plain mapping of the same fields."""
    fields: Mapping[str, Any] = getattr(credential, "fields", credential)

    def field(*names: str) -> Any:
        return next((fields[n] for n in names if fields.get(n) not in (None, "")), "")

    security = str(field("security") or "starttls").lower()
    if security not in SECURITIES:
        raise EmailFailed(
            f"the SMTP credential's security must be tls, starttls or none, not '{security}'"
        )
    host = str(field("host")).strip()
    if not host:
        raise EmailFailed("the SMTP credential has no host")
    raw_port = field("port")
    try:
        port = int(raw_port) if raw_port != "" else DEFAULT_PORTS[security]
    except (TypeError, ValueError):
        raise EmailFailed(f"the SMTP credential's port is not a number: {raw_port!r}") from None
    return SmtpAccount(
        host=host,
        port=port,
        security=security,  # type: ignore[arg-type]  # checked against SECURITIES above
        username=str(field("username")),
        password=str(field("password")),
        from_address=str(field("from_address", "from")),
    )


async def send_message(
    account: SmtpAccount,
    message: EmailMessage,
    recipients: Sequence[str],
    timeout_s: float = 30.0,
) -> list[str]:
    """Send `message` to `recipients` (envelope) off the event loop; the accepted ones."""
    return await asyncio.to_thread(_send, account, message, list(recipients), timeout_s)


def _send(
    account: SmtpAccount, message: EmailMessage, recipients: list[str], timeout_s: float
) -> list[str]:
    sender = account.from_address or str(message["From"] or "")
    try:
        with _connect(account, timeout_s) as smtp:
            if account.username:
                smtp.login(account.username, account.password)
            refused = smtp.send_message(message, from_addr=sender, to_addrs=recipients)
    except smtplib.SMTPRecipientsRefused as err:
        raise EmailFailed("every recipient was refused: " + _refusals(err.recipients)) from None
    except smtplib.SMTPResponseException as err:
        raise EmailFailed(_hide(_reply(err.smtp_code, err.smtp_error), account)) from None
    except smtplib.SMTPException as err:
        raise EmailFailed(_hide(f"SMTP error: {err}", account)) from None
    except ssl.SSLError as err:
        raise EmailFailed(
            f"TLS with {account.host}:{account.port} failed: {err.reason or err}"
        ) from None
    except TimeoutError:
        raise EmailFailed(
            f"the SMTP server {account.host}:{account.port} did not answer within {timeout_s:g} s"
        ) from None
    except OSError as err:
        raise EmailFailed(
            f"cannot reach the SMTP server {account.host}:{account.port}: {err.strerror or err}"
        ) from None
    return [r for r in recipients if r not in refused]


def _connect(account: SmtpAccount, timeout_s: float) -> smtplib.SMTP:
    if account.security == "tls":
        return smtplib.SMTP_SSL(
            account.host,
            account.port,
            local_hostname=EHLO_NAME,
            timeout=timeout_s,
            context=ssl.create_default_context(),
        )
    smtp = smtplib.SMTP(account.host, account.port, local_hostname=EHLO_NAME, timeout=timeout_s)
    try:
        if account.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
    except BaseException:
        smtp.close()
        raise
    return smtp


def _reply(code: int, text: bytes | str) -> str:
    said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
    return f"SMTP {code} {' '.join(said.split())}"


def _refusals(recipients: dict[str, tuple[int, bytes]]) -> str:
    return "; ".join(f"{who}: {_reply(code, text)}" for who, (code, text) in recipients.items())


def _hide(text: str, account: SmtpAccount) -> str:
    """The message with the password blanked, should a server ever echo it back."""
    return text.replace(account.password, "•••") if account.password else text
