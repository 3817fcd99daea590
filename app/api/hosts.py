"""Which names Ren answers to, and where its absolute links point.

A page on another site must not reach Ren through the user's browser. Two ways in are closed
here, on every HTTP and websocket route of both servers (the app and `ren worker`):

- DNS rebinding: a page on `evil.example` re-resolves that name to 127.0.0.1, so its requests
  are same-origin with Ren and carry `Host: evil.example`. Only a Host allow-list stops this:
  loopback names, the address Ren was started on (`--host`) and each `--allow-host`.
- Cross-origin requests: a page elsewhere sends requests (or opens a socket) to 127.0.0.1.
  A request carrying an `Origin` other than the address it was sent to is refused (except on
  /hooks, whose callers prove themselves with the webhook secret), and so is a state-changing
  request the browser marks `Sec-Fetch-Site: cross-site`.

Absolute URLs Ren shows (a webhook's address, a run's `Location`) come from `base_url()`,
never from the request's Host.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
WILDCARDS = ("0.0.0.0", "::", "")
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
OPEN_PREFIXES = ("/hooks/",)  # authenticated by the webhook secret: any origin may call


def host_name(value: str) -> str:
    """The name part of a Host header or URL authority: lower case, no port, no brackets,
    no trailing dot ("[::1]:8710" → "::1", "LocalHost.:80" → "localhost")."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        name = value[1:end] if end > 0 else value[1:]
    elif value.count(":") == 1:
        name = value.split(":", 1)[0]
    else:  # a bare name, or an IPv6 address without brackets
        name = value
    return name.rstrip(".")


def url_host(host: str) -> str:
    """A host as it goes into a URL (IPv6 addresses in brackets)."""
    try:
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]"
    except ValueError:
        pass
    return host


@dataclass(frozen=True)
class HostPolicy:
    """The names a server answers to: loopback, `bind` (unless it is a wildcard address) and
    `extra` (each --allow-host); bound to a wildcard address, also the machine's hostname."""

    bind: str = "127.0.0.1"
    port: int = 8710
    extra: tuple[str, ...] = ()
    hostname: str = field(default_factory=socket.gethostname)

    @property
    def wildcard(self) -> bool:
        return self.bind in WILDCARDS

    @property
    def names(self) -> frozenset[str]:
        names = set(LOOPBACK_NAMES) | {host_name(n) for n in self.extra if n.strip()}
        if self.wildcard:
            names.add(host_name(self.hostname))
        else:
            names.add(host_name(self.bind))
        return frozenset(names)

    def allows_host(self, host_header: str | None) -> bool:
        """Whether a request's Host header names this server (a missing one does not)."""
        if not host_header:
            return False
        return host_name(host_header) in self.names

    def allows_origin(self, origin: str | None, host_header: str | None) -> bool:
        """Whether an Origin header is this server as the request reached it: the same name
        and port as its (allowed) Host header. No Origin (a `ren` command, curl) is fine."""
        if origin is None:
            return True
        if not self.allows_host(host_header) or host_header is None:
            return False
        try:
            parts = urlsplit(origin)
            origin_port = parts.port or DEFAULT_PORTS.get(parts.scheme)
        except ValueError:  # "null", garbage, a port out of range
            return False
        if parts.scheme not in ("http", "https") or parts.hostname is None:
            return False
        host = urlsplit(f"//{host_header.strip()}")
        try:
            host_port = host.port
        except ValueError:
            return False
        same_port = origin_port == (host_port or DEFAULT_PORTS[parts.scheme])
        return host_name(parts.hostname) == host_name(host_header) and same_port

    def base_url(self) -> str:
        """Where users reach this server: the bound address; bound to a wildcard address, the
        first --allow-host name, else the machine's hostname."""
        if not self.wildcard:
            name = self.bind
        elif self.extra:
            name = self.extra[0]
        else:
            name = self.hostname
        return f"http://{url_host(name)}:{self.port}"


def policy_for(bind: str, port: int, allow_hosts: Iterable[str] = ()) -> HostPolicy:
    return HostPolicy(bind=bind, port=port, extra=tuple(allow_hosts))
