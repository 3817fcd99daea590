"""Hiding secret values wherever text about a step is recorded (errors, logs, events, outputs).

`mask_secrets(value, secrets)` replaces every occurrence of each secret (and its URL-encoded
and, for basic credentials, base64 forms, see `Credential.secrets`) in a string or in any JSON
data by `••••`. Without `secrets` it uses every secret this process has decrypted. A logging
filter does the same for library log lines (httpx logs URLs, which may carry an API key).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

MASK = "••••"
MIN_LENGTH = 4  # shorter values would mask ordinary words; kinds ask for real secrets anyway

_known: set[str] = set()
_known_lock = threading.Lock()


def remember(secrets: Iterable[str]) -> None:
    """Record secret values decrypted in this process (the default set to mask)."""
    with _known_lock:
        _known.update(s for s in secrets if len(s) >= MIN_LENGTH)


def known_secrets() -> frozenset[str]:
    with _known_lock:
        return frozenset(_known)


def mask_secrets(value: Any, secrets: Iterable[str] | None = None) -> Any:
    """`value` (text or JSON data) with every secret replaced by `••••`."""
    chosen = known_secrets() if secrets is None else secrets
    ordered = sorted({s for s in chosen if len(s) >= MIN_LENGTH}, key=len, reverse=True)
    if not ordered:
        return value
    return _mask(value, ordered)


def _mask(value: Any, ordered: list[str]) -> Any:
    if isinstance(value, str):
        for secret in ordered:
            if secret in value:
                value = value.replace(secret, MASK)
        return value
    if isinstance(value, dict):
        return {_mask(k, ordered): _mask(v, ordered) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v, ordered) for v in value]
    return value


class SecretFilter(logging.Filter):
    """Masks known secrets in log records (message and arguments) before they are written."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _known:
            record.msg = mask_secrets(record.getMessage())
            record.args = None
        return True


_filter = SecretFilter()


def guard_loggers(names: Iterable[str] = ("httpx", "httpcore")) -> None:
    """Attach the filter to libraries that log request URLs (idempotent)."""
    for name in names:
        logger = logging.getLogger(name)
        if _filter not in logger.filters:
            logger.addFilter(_filter)
