"""The admin API every sandbox shares, under /_sandbox/: state, seed, token, faults, limits, reset, accounts.

It is built from the kit's `Sandbox` alone: what only a package knows (how to seed a business, how to
count its resources, how an account is archived) it asks of the sandbox's own methods, so the routes,
their bodies and their refusals are the same in every sandbox.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ledgerlink.sandbox.kit.faults import FaultSettings
from ledgerlink.sandbox.kit.oauth import Grant
from ledgerlink.sandbox.kit.ratelimit import RateLimitConfig
from ledgerlink.sandbox.kit.sandbox import Sandbox


class AdminError(Exception):
    """A refused admin request; answered 400 (or `status`) with `{"error": message}`."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


ACCOUNT_STATUSES = ("active", "archived", "deleted")


async def _json(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        payload = await request.json()
    except ValueError as error:
        raise AdminError(f"the body is not JSON: {error}") from error
    if not isinstance(payload, dict):
        raise AdminError("the body must be a JSON object")
    return payload


def admin_routes(sandbox: Sandbox, *, prefix: str = "/_sandbox") -> list[Route]:
    def known_ids() -> set[str]:
        return {str(business["id"]) for business in sandbox.businesses()}

    async def state(request: Request) -> Response:
        body: dict[str, Any] = {
            "businesses": sandbox.businesses(),
            "oauth": sandbox.oauth.counter_json(),
            "refreshes": sandbox.oauth.counters.refreshes,
            "faults": sandbox.faults.describe(),
            "tokens": sandbox.oauth.issued_json(),
            "time_scale": sandbox.config.time_scale,
            **sandbox.state_json(),
        }
        return JSONResponse(body)

    async def seed(request: Request) -> Response:
        payload = await _json(request)
        business_id = sandbox.seed(payload)
        return JSONResponse({"id": business_id, "business_id": business_id}, status_code=201)

    async def token(request: Request) -> Response:
        payload = await _json(request)
        ids = known_ids()
        business_id = str(payload.get("business_id", ""))
        if not business_id:
            if not ids:
                raise AdminError("no business exists yet: POST /_sandbox/seed first")
            business_id = next(iter(sandbox.businesses()))["id"]
        if business_id not in ids:
            raise AdminError(f"no business {business_id!r}", status=404)
        extra = [str(b) for b in payload.get("other_business_ids", []) if str(b) in ids and b != business_id]
        grant = Grant(
            client_id=str(payload.get("client_id", "sandbox-admin")),
            user=str(payload.get("user", "sandbox user")),
            business_ids=(business_id, *extra),
            scope=str(payload.get("scope", "full_access")),
        )
        return JSONResponse(
            {**sandbox.oauth.issue_tokens(grant), "business_id": business_id}, status_code=201
        )

    async def faults(request: Request) -> Response:
        payload = await _json(request)
        business_id = payload.get("business_id")
        if business_id is not None and str(business_id) not in known_ids():
            raise AdminError(f"no business {business_id!r}", status=404)
        try:
            settings = FaultSettings.from_json(payload)
        except (TypeError, ValueError) as error:
            raise AdminError(str(error)) from error
        sandbox.faults.set(settings, business_id=None if business_id is None else str(business_id))
        if settings.expire_tokens:
            for bid in [str(business_id)] if business_id is not None else sorted(known_ids()):
                sandbox.oauth.expire_tokens(bid)
        return JSONResponse({"faults": sandbox.faults.describe()})

    async def limits(request: Request) -> Response:
        """Change the request budget: {"per_minute": 600, "per_day": null, "concurrency": null}."""
        payload = await _json(request)
        current = sandbox.limiter.config
        values: dict[str, int | None] = {}
        for name in ("per_minute", "per_day", "concurrency"):
            value = payload.get(name, getattr(current, name))
            try:
                values[name] = None if value is None else int(value)
            except (TypeError, ValueError) as error:
                raise AdminError(f"{name} must be a whole number or null") from error
        sandbox.limiter.config = RateLimitConfig(**values)
        sandbox.limiter.reset()
        return JSONResponse(values)

    async def ledger_account(request: Request) -> Response:
        """Archive, delete or restore one ledger account: {"status": ..., "business_id"?: ...}."""
        payload = await _json(request)
        status = str(payload.get("status", ""))
        if status not in ACCOUNT_STATUSES:
            raise AdminError(f"status must be one of: {', '.join(ACCOUNT_STATUSES)}")
        ids = known_ids()
        business_id = str(
            payload.get("business_id") or (next(iter(sorted(ids)), "") if len(ids) == 1 else "")
        )
        if business_id not in ids:
            raise AdminError("name the business (business_id): there is none, or more than one", status=404)
        account = sandbox.change_ledger_account(business_id, str(request.path_params["key"]), status)
        return JSONResponse(account)

    async def reset(request: Request) -> Response:
        sandbox.reset()
        return Response(status_code=204)

    def guarded(endpoint: Callable[[Request], Any]) -> Callable[[Request], Any]:
        async def run(request: Request) -> Response:
            try:
                response: Response = await endpoint(request)
            except AdminError as error:
                return JSONResponse({"error": str(error)}, status_code=error.status)
            return response

        return run

    return [
        Route(f"{prefix}/state", guarded(state), methods=["GET"]),
        Route(f"{prefix}/seed", guarded(seed), methods=["POST"]),
        Route(f"{prefix}/token", guarded(token), methods=["POST"]),
        Route(f"{prefix}/faults", guarded(faults), methods=["POST"]),
        Route(f"{prefix}/limits", guarded(limits), methods=["POST"]),
        Route(f"{prefix}/reset", guarded(reset), methods=["POST"]),
        Route(f"{prefix}/ledger_accounts/{{key}}", guarded(ledger_account), methods=["POST"]),
    ]
