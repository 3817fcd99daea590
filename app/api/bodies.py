"""Request bodies within limits: refused by Content-Length before a byte is read, and counted
while streaming (a chunked body has no Content-Length), so an oversized body is never held.

Every route also has the server-wide limit (`--max-body`, Starlette's `max_body_size`), which
answers 413 by itself; `read_body` turns it into a BodyTooLarge too, so callers answer alike.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.requests import Request

from app.core.sizes import DEFAULT_SERVER_LIMIT, MIB, parse_size

__all__ = ["DEFAULT_SERVER_LIMIT", "MIB", "BodyTooLarge", "parse_size", "read_body"]


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
