"""`POST /_sandbox/as_person`: a change made by a person working in the package, not by ledgerlink.

A bookkeeper who reconciles a bank feed records a payment in the package's own screens; ledgerlink only
hears of it by reading what changed. Tests and demos make such a change here, through the package's own
API shapes (the body a real request would carry), under a token of the package's own user rather than
the connected app's, so it passes every rule a real request passes and is stamped like any other change.
"""

from __future__ import annotations

from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ledgerlink.sandbox.kit.admin import AdminError
from ledgerlink.sandbox.kit.oauth import Grant
from ledgerlink.sandbox.kit.sandbox import Sandbox

PERSON_CLIENT_ID = "in-the-package"  # the package's own screens, never the connected app


def person_route(
    sandbox: Sandbox, *, api_prefix: str, business_header: str, prefix: str = "/_sandbox"
) -> Route:
    """The route, for a sandbox whose API lives under `api_prefix` and names its business in a header.

    Body: `{"business_id"?, "method", "path", "query"?, "body"?}`; the answer is the API's own reply.
    """

    async def act(request: Request) -> Response:
        try:
            payload = await request.json()
        except ValueError:
            return JSONResponse({"error": "the body must be a JSON object"}, status_code=400)
        try:
            business_id, method, path = _parts(sandbox, payload)
        except AdminError as error:
            return JSONResponse({"error": str(error)}, status_code=error.status)
        grant = Grant(
            client_id=PERSON_CLIENT_ID,
            user=str(payload.get("user", "bookkeeper")),
            business_ids=(business_id,),
            scope="full_access",
        )
        token = sandbox.oauth.issue_tokens(grant)["access_token"]
        headers = {"Authorization": f"Bearer {token}", business_header: business_id}
        transport = httpx.ASGITransport(app=request.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sandbox.local") as client:
            reply = await client.request(
                method,
                api_prefix + path,
                params=payload.get("query") or None,
                json=payload.get("body"),
                headers=headers,
            )
        return Response(
            reply.content,
            status_code=reply.status_code,
            media_type=reply.headers.get("content-type", "application/json"),
        )

    return Route(f"{prefix}/as_person", act, methods=["POST"])


def _parts(sandbox: Sandbox, payload: Any) -> tuple[str, str, str]:
    if not isinstance(payload, dict):
        raise AdminError("the body must be a JSON object")
    ids = [str(business["id"]) for business in sandbox.businesses()]
    business_id = str(payload.get("business_id") or (ids[0] if len(ids) == 1 else ""))
    if business_id not in ids:
        raise AdminError("name the business (business_id): there is none, or more than one", status=404)
    method = str(payload.get("method", "")).upper()
    if method not in ("GET", "POST", "PUT", "DELETE"):
        raise AdminError("method must be GET, POST, PUT or DELETE")
    path = "/" + str(payload.get("path", "")).lstrip("/")
    if path == "/":
        raise AdminError("path names the API resource, e.g. /contact_payments")
    return business_id, method, path
