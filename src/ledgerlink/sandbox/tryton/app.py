"""The Tryton sandbox over HTTP: Tryton's own JSON-RPC, passed through to each business's `trytond`.

Tryton's paths are served as Tryton serves them: `POST /rpc/` for the server's calls (the databases it
holds), `POST /<database>/rpc/` for a database's. A database's calls go through the kit's door first
(the business must exist, its limits allow the call, an injected fault may answer instead) and are then
sent on unchanged to the business's own server, whose reply comes back unchanged: the accounting is
Tryton's. A write whose reply a fault drops has been committed by Tryton, as with a lost reply.

Tryton has no sign-in service; the sandbox adds one so that connecting is the same as for every other
package: a consent page (`/authorize`) where the person picks the business, and a code exchanged at
`/token` for the login the connector uses and the business chosen. Build one with `create_app()`;
`app.state.sandbox` is the `TrytonSandbox` behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ledgerlink.sandbox.kit import (
    DROP_REPLY_HEADER,
    ApiRouter,
    DropReplyMiddleware,
    FaultKind,
    NoRoute,
    OAuthError,
    admin_routes,
    consent_routes,
    route,
)
from ledgerlink.sandbox.tryton import responses
from ledgerlink.sandbox.tryton.bodies import is_write, rpc_method
from ledgerlink.sandbox.tryton.sandbox import TrytonSandbox, TrytonSandboxConfig

AUTHORISE_PATH = "/authorize"
TOKEN_PATH = "/token"


async def server_call(sandbox: TrytonSandbox, request: Request, database: str) -> Response:
    """`POST /rpc/`: the calls a Tryton server answers outside any database."""
    method, call_id = rpc_method(await request.body())
    if method == "common.db.list":
        return responses.result(call_id, sorted(sandbox.businesses_by_id))
    if method == "common.server.version":
        return responses.result(call_id, "8.0")
    return responses.error(call_id, "KeyError", f"{method} is not served here")


async def database_call(sandbox: TrytonSandbox, request: Request, database: str) -> Response:
    """`POST /<database>/rpc/`: through the kit's door, then to the business's own `trytond`."""
    server = sandbox.server(database)
    if server is None:
        return Response(status_code=404)  # as Tryton answers a database it does not hold
    body = await request.body()
    fault = await sandbox.faults.before_request(database)
    if fault is FaultKind.SERVER_ERROR:
        return Response("Internal Server Error", status_code=500)
    if fault is not FaultKind.NONE:  # Tryton has no 429: whatever stops a call at the door is a 503
        return responses.unavailable(sandbox.retry_after(1.0))
    verdict = sandbox.limiter.check(database)
    if not verdict.allowed:
        return responses.unavailable(sandbox.retry_after(verdict.retry_after))
    headers = {
        name: value for name, value in request.headers.items() if name in ("authorization", "content-type")
    }
    with sandbox.limiter.in_flight(database):
        try:
            async with httpx.AsyncClient(timeout=None) as client:
                reply = await client.post(f"{server.url}/{database}/rpc/", content=body, headers=headers)
        except httpx.TransportError:
            # the server is down (killed, or not restarted yet): the door has no one behind it
            return responses.unavailable(sandbox.retry_after(1.0))
    forwarded = {"content-type": reply.headers.get("content-type", "application/json")}
    if reply.status_code == 200 and is_write(body) and sandbox.faults.drop_after_store(database):
        forwarded[DROP_REPLY_HEADER] = "1"
    return Response(reply.content, status_code=reply.status_code, headers=forwarded)


ROUTES: ApiRouter[Any] = ApiRouter(
    [
        route("POST", "/rpc", server_call),
        route("POST", "/{database}/rpc", database_call),
    ]
)


def create_app(config: TrytonSandboxConfig | None = None) -> Starlette:
    """A fresh Tryton sandbox app (no businesses yet: seed one through /_sandbox/seed).

    Without a config, the environment's `LEDGERLINK_TRYTON_SANDBOX_*` settings apply.
    """
    sandbox = TrytonSandbox(config or TrytonSandboxConfig.from_env())

    async def api(request: Request) -> Response:
        try:
            found = ROUTES.resolve(request.method, request.url.path)
        except NoRoute as error:
            return Response(status_code=error.status)
        handler = found.handler
        response: Response = await handler(sandbox, request, found.params.get("database", ""))
        return response

    async def token(request: Request) -> Response:
        """The code exchanged for the login the connector uses, and the businesses the person chose."""
        form = {key: str(value) for key, value in (await request.form()).items()}
        try:
            issued = sandbox.oauth.token(form)
        except OAuthError as error:
            return error.response()
        held = sandbox.oauth.authenticate(f"Bearer {issued['access_token']}")
        chosen = held.grant.business_ids if held is not None else ()
        names = {business.id: business.name for business in sandbox.businesses_by_id.values()}
        return JSONResponse(
            {
                "access_token": sandbox.credentials(),
                "token_type": "login",
                "businesses": [{"id": bid, "name": names.get(bid, bid)} for bid in chosen],
            }
        )

    routes = [
        *consent_routes(
            sandbox.oauth,
            path=AUTHORISE_PATH,
            list_businesses=lambda: [(b.id, b.name) for b in sandbox.businesses_by_id.values()],
            title="Tryton (ledgerlink's local sandbox)",
        ),
        Route(TOKEN_PATH, token, methods=["POST"]),
        *admin_routes(sandbox),
        Route("/{path:path}", api, methods=["POST"]),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        """Served on its own, it makes Tryton's template as it starts (in the background: its admin API
        answers at once), and the servers it started end with it and their databases go; they end with
        its process in any case, however it ends."""
        preparing = asyncio.create_task(asyncio.to_thread(sandbox.prepare))
        yield
        with contextlib.suppress(Exception):
            await preparing
        await asyncio.to_thread(sandbox.forget_records)

    app = Starlette(routes=routes, middleware=[Middleware(DropReplyMiddleware)], lifespan=lifespan)
    app.state.sandbox = sandbox
    return app


__all__ = ["ROUTES", "TrytonSandbox", "TrytonSandboxConfig", "create_app"]
