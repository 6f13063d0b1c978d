"""Intuit's sign-in as the sandbox plays it: the consent page names the company chosen (`realmId` on
the redirect), and the token endpoint takes client credentials in HTTP Basic and names the refresh
token's lifetime its own way."""

from __future__ import annotations

import base64
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ledgerlink.sandbox.kit import OAuthError, consent_routes
from ledgerlink.sandbox.quickbooks.sandbox import QuickBooksSandbox

AUTHORISE_PATH = "/connect/oauth2"
TOKEN_PATH = "/oauth2/v1/tokens/bearer"


def consent(sandbox: QuickBooksSandbox) -> list[Route]:
    show, approve = consent_routes(
        sandbox.oauth,
        path=AUTHORISE_PATH,
        list_businesses=lambda: [(c.id, c.name) for c in sandbox.state.companies.values()],
        title="Intuit QuickBooks (sandbox)",
    )

    async def approve_with_realm(request: Request) -> Response:
        form = await request.form()  # cached: the kit's handler reads the same form
        response: Response = await approve.endpoint(request)
        location = response.headers.get("location")
        if location and "code=" in location:
            parts = urlsplit(location)
            pairs = [*parse_qsl(parts.query), ("realmId", str(form.get("business", "")))]
            response.headers["location"] = urlunsplit(parts._replace(query=urlencode(pairs)))
        return response

    return [show, Route(AUTHORISE_PATH, approve_with_realm, methods=["POST"])]


def token(sandbox: QuickBooksSandbox) -> Route:
    """Intuit's token endpoint: client credentials in HTTP Basic, the refresh lifetime as
    `x_refresh_token_expires_in`."""

    async def endpoint(request: Request) -> Response:
        form = {key: str(value) for key, value in (await request.form()).items()}
        auth = request.headers.get("authorization", "")
        if not auth.lower().startswith("basic "):
            return OAuthError("invalid_client", "client credentials go in HTTP Basic", status=401).response()
        form["client_id"], _, form["client_secret"] = base64.b64decode(auth[6:]).decode().partition(":")
        try:
            reply = sandbox.oauth.token(form)
        except OAuthError as error:
            return error.response()
        reply["x_refresh_token_expires_in"] = reply.pop("refresh_token_expires_in")
        reply.pop("requested_by_id", None)
        return JSONResponse(reply)

    return Route(TOKEN_PATH, endpoint, methods=["POST"])
