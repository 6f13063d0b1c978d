"""The QuickBooks sandbox over HTTP: the Accounting API v3 at /v3/company/{realmId}, Intuit's OAuth2
pages (`signin.py`), and the admin API.

Routes only: every API request passes the gate (`gate.py`), its handler (`reads.py`, `writes.py`)
answers in QuickBooks' shapes, and every refusal is a `QuickBooksFault` rendered here in one place.
Build one with `create_app()`; `app.state.sandbox` is the `QuickBooksSandbox` behind it.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ledgerlink.sandbox.kit import ApiRouter, DropReplyMiddleware, NoRoute, admin_routes, route
from ledgerlink.sandbox.quickbooks import responses
from ledgerlink.sandbox.quickbooks.errors import QuickBooksFault
from ledgerlink.sandbox.quickbooks.gate import Call, Handler, admit, fault
from ledgerlink.sandbox.quickbooks.reads import company_info, preferences, read, run_query
from ledgerlink.sandbox.quickbooks.sandbox import QuickBooksSandbox, QuickBooksSandboxConfig
from ledgerlink.sandbox.quickbooks.signin import consent, token
from ledgerlink.sandbox.quickbooks.writes import batch, write

API = "/v3/company"


async def api(request: Request) -> Response:
    """Every request under /v3/company: find its route, pass the gate, run the handler, render."""
    sandbox: QuickBooksSandbox = request.app.state.sandbox
    path = "/" + str(request.path_params["path"])
    now = sandbox.state.now()
    headers = {"intuit_tid": f"sandbox-{id(request):x}"}
    try:
        match = ROUTES.resolve(request.method, path)
    except NoRoute as miss:
        return responses.fault_response(
            fault(miss.status, "ValidationFault", "4000", "Unsupported Operation", f"{miss}"),
            now,
            headers=headers,
        )
    try:
        company = await admit(sandbox, request, match.params["realm"])
        with sandbox.limiter.in_flight(company.id):
            reply = await match.handler(Call(sandbox, request, company, match.params))
    except QuickBooksFault as error:
        inside_200 = error.fault_type == "ValidationFault" and sandbox.config.faults_inside_200
        return responses.fault_response(error, now, headers=headers, status=200 if inside_200 else None)
    return JSONResponse(
        responses.envelope(reply.body, now), status_code=reply.status, headers={**headers, **reply.headers}
    )


ROUTES: ApiRouter[Handler] = ApiRouter(
    [
        route("GET POST", "/{realm}/query", run_query),
        route("POST", "/{realm}/batch", batch),
        route("GET", "/{realm}/companyinfo/{key}", company_info),
        route("GET", "/{realm}/preferences", preferences),
        route("POST", "/{realm}/{entity}", write),
        route("GET", "/{realm}/{entity}/{key}", read),
    ],
    case_sensitive=False,
)


async def _not_found(request: Request, exc: Exception) -> Response:
    return JSONResponse({"error": "not found"}, status_code=404)


def create_app(config: QuickBooksSandboxConfig | None = None) -> Starlette:
    """A fresh QuickBooks sandbox app (no companies yet: seed one through /_sandbox/seed).

    Without a config, the environment's `LEDGERLINK_QUICKBOOKS_SANDBOX_*` settings apply.
    """
    sandbox = QuickBooksSandbox(config or QuickBooksSandboxConfig.from_env())
    routes = [
        *consent(sandbox),
        token(sandbox),
        *admin_routes(sandbox),
        Route(API + "/{path:path}", api, methods=["GET", "POST"]),
    ]
    app = Starlette(
        routes=routes, middleware=[Middleware(DropReplyMiddleware)], exception_handlers={404: _not_found}
    )
    app.state.sandbox = sandbox
    return app


__all__ = ["API", "ROUTES", "QuickBooksSandbox", "QuickBooksSandboxConfig", "api", "create_app"]
