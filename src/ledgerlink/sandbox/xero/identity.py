"""Xero's identity service: the consent page, /connect/token, /connect/revocation and /connections.

Xero keeps who may reach which organisation apart from the Accounting API: a token is issued for the
organisations a user picked, `/connections` lists them (and disconnects one), and a new consent brings
back what a user had disconnected. The API gate in `app.py` asks `XeroSandbox.connections_of` which
tenants a token reaches.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ledgerlink.sandbox.kit import OAuthError, consent_routes
from ledgerlink.sandbox.xero import responses as out
from ledgerlink.sandbox.xero.sandbox import XeroSandbox

AUTHORISE_PATH = "/identity/connect/authorize"

Endpoint = Callable[[Request], Awaitable[Response]]


def _sandbox(request: Request) -> XeroSandbox:
    sandbox: XeroSandbox = request.app.state.sandbox
    return sandbox


async def token(request: Request) -> Response:
    """The token endpoint; the app's credentials must come in HTTP Basic, as Xero requires."""
    sandbox = _sandbox(request)
    form = {key: str(value) for key, value in (await request.form()).items()}
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(auth[6:]).decode()
        except (ValueError, UnicodeDecodeError):
            return OAuthError("invalid_client", "malformed Basic credentials", status=401).response()
        form["client_id"], _, form["client_secret"] = decoded.partition(":")
    elif "client_id" not in form:
        return OAuthError(
            "invalid_client", "send the client credentials with HTTP Basic", status=401
        ).response()
    try:
        reply = sandbox.oauth.token(form)
    except OAuthError as error:
        return error.response()
    scopes = str(reply.get("scope", "")).split()
    body: dict[str, Any] = {
        "access_token": reply["access_token"],
        "expires_in": int(sandbox.config.oauth.access_lifetime),
        "token_type": "Bearer",
        "scope": " ".join(scopes),
    }
    if "offline_access" in scopes:  # without it Xero issues no refresh token at all
        body["refresh_token"] = reply["refresh_token"]
    if "openid" in scopes:
        body["id_token"] = base64.urlsafe_b64encode(json.dumps({"sub": str(uuid.uuid4())}).encode()).decode()
    return JSONResponse(body)


async def revocation(request: Request) -> Response:
    """Forget a refresh token, its access tokens and the connections made with it."""
    sandbox = _sandbox(request)
    form = {key: str(value) for key, value in (await request.form()).items()}
    revoked = form.get("token", "")
    if not revoked:
        return OAuthError("invalid_request", "token is required").response()
    grant = sandbox.oauth.revoke(revoked)
    if grant is not None:
        for tenant in grant.business_ids:
            sandbox.state.connections[(grant.client_id, grant.user)].pop(tenant, None)
    return Response(status_code=200)


async def connections(request: Request) -> Response:
    """GET lists the organisations the token reaches; DELETE disconnects one until the next consent."""
    sandbox = _sandbox(request)
    held = sandbox.oauth.authenticate(request.headers.get("authorization", ""))
    if held is None:
        return out.XeroJSON(
            out.plain_error(401, "Unauthorized", "AuthenticationUnsuccessful"), status_code=401
        )
    verdict = sandbox.app_limits.check(held.grant.client_id)
    headers = {"X-AppMinLimit-Remaining": str(verdict.minute_remaining or 0)}
    if request.method == "DELETE":
        connection_id = request.path_params["connection_id"]
        reached = sandbox.connections_of(held)
        tenant = next((t for t, c in reached.items() if c.id == connection_id), None)
        if tenant is None:
            return Response(status_code=404, headers=headers)
        del reached[tenant]
        sandbox.state.disconnected_at[(held.grant.client_id, held.grant.user, tenant)] = sandbox.clock()
        return Response(status_code=204, headers=headers)
    wanted_event = request.query_params.get("authEventId")
    items = [
        {
            "id": c.id,
            "authEventId": c.auth_event_id,
            "tenantId": c.tenant_id,
            "tenantType": "ORGANISATION",
            "tenantName": sandbox.state.organisations[c.tenant_id].name,
            "createdDateUtc": out.iso(c.created),
            "updatedDateUtc": out.iso(c.created),
        }
        for c in sandbox.connections_of(held).values()
        if c.tenant_id in sandbox.state.organisations
        and (not wanted_event or c.auth_event_id == wanted_event)
    ]
    return out.XeroJSON(items, headers=headers)


def _reconnect_on_consent(endpoint: Endpoint) -> Endpoint:
    """A new consent brings back the organisations a user had disconnected."""

    async def run(request: Request) -> Response:
        response = await endpoint(request)
        if response.status_code == 302 and "code=" in response.headers.get("location", ""):
            sandbox = _sandbox(request)
            form = await request.form()
            who = (str(form.get("client_id", "")), str(form.get("user", "")) or "sandbox user")
            for tenant in form.getlist("business"):
                sandbox.state.disconnected_at.pop((*who, str(tenant)), None)
                sandbox.state.connections[who].pop(str(tenant), None)
        return response

    return run


def identity_routes(sandbox: XeroSandbox) -> list[Route]:
    consent = consent_routes(
        sandbox.oauth,
        path=AUTHORISE_PATH,
        list_businesses=lambda: [(o.id, o.name) for o in sandbox.state.organisations.values()],
        title="Xero sandbox",
    )
    return [
        *(
            Route(item.path, _reconnect_on_consent(item.endpoint), methods=["POST"], name=item.name)
            if "POST" in (item.methods or ())
            else item
            for item in consent
        ),
        Route("/connect/token", token, methods=["POST"]),
        Route("/connect/revocation", revocation, methods=["POST"]),
        Route("/connections", connections, methods=["GET"]),
        Route("/connections/{connection_id}", connections, methods=["DELETE"]),
        Route("/Connections", connections, methods=["GET"]),
        Route("/Connections/{connection_id}", connections, methods=["DELETE"]),
    ]
