"""Request bodies within limits: refused by Content-Length before a byte is read, and counted
while streaming (a chunked body has no Content-Length), so an oversized body is never held.

Every route also has the server-wide limit (`--max-body`, Starlette's `max_body_size`), which
answers 413 by itself; `read_body` turns it into a BodyTooLarge too, so callers answer alike.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request

MIB = 1024 * 1024
DEFAULT_SERVER_LIMIT = 16 * MIB  # any request body, any route (`--max-body`)


class BodyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        self.limit = limit
        super().__init__(f"the request body is larger than {limit} bytes")


def declared_length(request: Request) -> int | None:
    value = request.headers.get("content-length", "")
    return int(value) if value.isdigit() else None


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, or BodyTooLarge as soon as it is known to exceed `limit` bytes."""
    length = declared_length(request)
    if length is not None and length > limit:
        raise BodyTooLarge(limit)
    received = bytearray()
    try:
        async for chunk in request.stream():
            received += chunk
            if len(received) > limit:
                raise BodyTooLarge(limit)
    except HTTPException as err:  # the server-wide limit, met first
        if err.status_code == 413:
            raise BodyTooLarge(limit) from None
        raise
    return bytes(received)


def parse_size(text: str) -> int:
    """A size as `--max-body` takes it: bytes, or with a unit: 512k, 16M, 1G (powers of 1024)."""
    units = {"k": 1024, "m": MIB, "g": 1024 * MIB}
    cleaned = text.strip().lower().removesuffix("b").removesuffix("i")
    factor = units.get(cleaned[-1:], 1)
    number = cleaned[:-1] if cleaned[-1:] in units else cleaned
    try:
        size = int(float(number) * factor)
    except (ValueError, OverflowError):
        raise ValueError(f"'{text}' is not a size (e.g. 1048576, 512k, 16M)") from None
    if size < 1:
        raise ValueError(f"'{text}' is not a size of at least one byte")
    return size
