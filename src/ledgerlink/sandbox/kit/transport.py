"""Losing a reply on purpose: after a write is stored, the client sees a broken connection.

A route that decides to drop its reply marks the response with `DROP_REPLY_HEADER`. `DropReplyMiddleware`
(installed in every sandbox app) turns the mark into a connection that breaks mid-reply: it sends the
headers, with a Content-Length promising the whole body, and part of the body, then raises
`ReplyDropped`. Over real HTTP the server closes the connection and the client sees a transport error;
in process, `in_process_transport` turns the exception into `httpx.ReadError`. Either way the record was
stored and the client cannot know.
"""

from __future__ import annotations

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

DROP_REPLY_HEADER = "x-sandbox-drop-reply"


class ReplyDropped(Exception):
    """Raised by the middleware once the reply has been cut short."""


class DropReplyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        dropping = False
        start: Message | None = None

        async def guarded_send(message: Message) -> None:
            nonlocal dropping, start
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                marker = DROP_REPLY_HEADER.encode()
                if any(name.lower() == marker for name, _ in headers):
                    dropping = True
                    start = {**message, "headers": [(n, v) for n, v in headers if n.lower() != marker]}
                    return
                await send(message)
                return
            if dropping and message["type"] == "http.response.body" and start is not None:
                body: bytes = message.get("body", b"")
                promised = str(len(body) + 64).encode()
                start_headers = [(n, v) for n, v in start["headers"] if n.lower() != b"content-length"]
                await send({**start, "headers": [*start_headers, (b"content-length", promised)]})
                await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
                raise ReplyDropped("the reply was dropped after the record was stored")
            await send(message)

        await self.app(scope, receive, guarded_send)


class _DroppingTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.ASGITransport) -> None:
        self._inner = inner

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await self._inner.handle_async_request(request)
        except ReplyDropped as error:
            raise httpx.ReadError(str(error), request=request) from error

    async def aclose(self) -> None:
        await self._inner.aclose()


def in_process_transport(app: ASGIApp) -> httpx.AsyncBaseTransport:
    """An httpx transport that talks to `app` without a socket, dropped replies included."""
    return _DroppingTransport(httpx.ASGITransport(app=app))
