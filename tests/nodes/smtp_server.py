"""A real SMTP server for tests: aiosmtpd on 127.0.0.1 with a login, optionally STARTTLS with a
self-signed certificate made in the test."""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = "ren-user"
PASSWORD = "s3cret-Passw0rd-for-tests"


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    login: str | None


@dataclass
class Mailbox:
    received: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        auth = session.auth_data if session.authenticated else None
        login = auth.login.decode() if isinstance(auth, LoginPassword) else None
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed, login))
        return "250 OK"


def authenticator(
    server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
) -> AuthResult:
    ok = (
        isinstance(auth_data, LoginPassword)
        and auth_data.login == USER.encode()
        and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=ok, handled=False, auth_data=auth_data)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class SmtpServer:
    port: int
    mailbox: Mailbox
    controller: Controller
    cafile: Path | None = None


def start_server(
    tls_context: ssl.SSLContext | None = None, implicit_tls: bool = False
) -> SmtpServer:
    """STARTTLS with `tls_context`; with `implicit_tls` too, TLS from the first byte."""
    mailbox = Mailbox()
    port = free_port()
    options: dict[str, Any] = (
        {"ssl_context": tls_context, "auth_require_tls": False}  # aiosmtpd sees no STARTTLS
        if implicit_tls
        else {
            "tls_context": tls_context,
            "require_starttls": tls_context is not None,
            "auth_require_tls": tls_context is not None,
        }
    )
    controller = Controller(
        mailbox, hostname="127.0.0.1", port=port, authenticator=authenticator, **options
    )
    controller.start()
    return SmtpServer(port, mailbox, controller)


def serve(
    tls_context: ssl.SSLContext | None = None, implicit_tls: bool = False
) -> Iterator[SmtpServer]:
    server = start_server(tls_context, implicit_tls)
    try:
        yield server
    finally:
        server.controller.stop()


def self_signed(folder: Path) -> tuple[ssl.SSLContext, Path]:
    """A server TLS context with a certificate for 127.0.0.1, and the certificate's file (to
    trust it as a CA on the client side)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file = folder / "cert.pem"
    key_file = folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context, cert_file
