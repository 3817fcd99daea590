"""Request bodies over the API's limit answer 413 in the API's error shape.

The server's own limit (Starlette's max_body_size) answers a plain-text 413; this middleware,
in front of the API, refuses first: by Content-Length before a byte is read, and by counting a
body sent in chunks.
"""

from __future__ import annotations

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.api.v1.errors import body


class _TooLarge(Exception):
    pass


def too_large(limit: int) -> JSONResponse:
    message = f"the request body is larger than {limit} bytes"
    return JSONResponse(body("too_large", message), status_code=413)


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isdigit() and int(declared) > self.limit:
            await too_large(self.limit)(scope, receive, send)
            return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise _TooLarge
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except (_TooLarge, HTTPException) as err:
            if started or (isinstance(err, HTTPException) and err.status_code != 413):
                raise
            await too_large(self.limit)(scope, receive, send)
