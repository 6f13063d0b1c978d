"""The Sage sandbox over HTTP: Sage Accounting v3.1 at /v3.1, its OAuth2 pages, and the admin API.

Routes only: each handler reads the request, calls the rules in `models.py` and renders with
`responses.py`. Every API request passes the same gate first (a live token, the business it names,
the subscription, the request budget, injected faults, the tier), and every refusal is a `SageError`
rendered in one place. Build one with `create_app()`; `app.state.sandbox` is the `SageSandbox` behind it.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ledgerlink.sandbox.kit import (
    DROP_REPLY_HEADER,
    AccessToken,
    ApiRouter,
    DropReplyMiddleware,
    FaultKind,
    KeyConflict,
    NoRoute,
    Reply,
    StoredReply,
    admin_routes,
    body_hash,
    consent_routes,
    route,
    token_route,
)
from ledgerlink.sandbox.kit.person import person_route
from ledgerlink.sandbox.sage import bodies, opening, query, responses
from ledgerlink.sandbox.sage.errors import BodyError, Diagnosis, SageError, not_found
from ledgerlink.sandbox.sage.records import TIER_DISABLED, ArtefactKind, Business, Tier
from ledgerlink.sandbox.sage.sandbox import SageSandbox, SageSandboxConfig

API = "/v3.1"
AUTHORISE_PATH = "/oauth2/auth/central"
TOKEN_PATH = "/token"


@dataclass(frozen=True)
class Call:
    """An API request that passed the gate, resolved to its business."""

    sandbox: SageSandbox
    request: Request
    token: AccessToken
    business: Business
    params: Mapping[str, str]  # the route's path parameters

    @property
    def key(self) -> str:
        return self.params["key"]

    @property
    def query_params(self) -> Mapping[str, str]:
        return self.request.query_params

    def page(
        self,
        items: list[Any],
        render: Callable[[Any], dict[str, Any]],
        *,
        base: tuple[str, ...] = query.BASE_ATTRIBUTES,
    ) -> Reply:
        path = self.request.url.path.removeprefix(API)
        return Reply(200, query.page(self.query_params, path, items, render, base=base))


Handler = Callable[[Call], Awaitable[Reply]]


# --- the gate --------------------------------------------------------------------------------------


def _auth_failure(message: str) -> SageError:
    return SageError(401, [Diagnosis(message, "", "AuthorizationFailure")])


def _too_many() -> SageError:
    return SageError(429, [Diagnosis("Too many requests: slow down", "", "RateLimitExceeded")])


async def _admit(
    sandbox: SageSandbox, request: Request, resource: str, headers: dict[str, str]
) -> tuple[AccessToken, Business]:
    """Let a request through as Sage would, or raise its refusal; `headers` go on either reply."""
    token = sandbox.oauth.authenticate(request.headers.get("authorization", ""))
    if token is None:
        raise _auth_failure("The access token is missing, invalid or has expired")
    business_id = request.headers.get("x-business", "").strip() or token.grant.business_ids[0]
    if business_id not in token.grant.business_ids or business_id not in sandbox.state.businesses:
        raise _auth_failure(f"Access to business {business_id} is denied")
    business = sandbox.state.business(business_id)
    headers["X-Business"] = business.id
    faults = sandbox.faults.settings_for(business.id)
    if not business.subscription_active or faults.subscription_lapsed:
        raise _auth_failure("The business has no active subscription")
    verdict = sandbox.limiter.check(business.id)
    if not verdict.allowed:
        if sandbox.config.retry_after_header:
            headers["Retry-After"] = sandbox.retry_after(verdict.retry_after)
        raise _too_many()
    fault = await sandbox.faults.before_request(business.id)
    if fault in (FaultKind.RATE_LIMITED, FaultKind.UNAVAILABLE) and faults.retry_after is not None:
        headers["Retry-After"] = str(faults.retry_after)
    if fault is FaultKind.RATE_LIMITED:
        raise _too_many()
    if fault is FaultKind.SERVER_ERROR:
        raise SageError(500, [Diagnosis("An internal error occurred", "", "InternalServerError")])
    if fault is FaultKind.UNAVAILABLE:
        raise SageError(503, [Diagnosis("The service is temporarily unavailable", "", "ServiceUnavailable")])
    if (request.method, resource) in TIER_DISABLED[business.tier]:
        message = f"This feature is not available on your subscription ({business.tier.value})"
        raise SageError(403, [Diagnosis(message, "", "FeatureNotAvailable")])
    return token, business


async def api(request: Request) -> Response:
    """Every request under /v3.1: find its route, pass the gate, run the handler, render the reply."""
    sandbox: SageSandbox = request.app.state.sandbox
    path = "/" + str(request.path_params["path"])
    headers: dict[str, str] = {}
    try:
        match = ROUTES.resolve(request.method, path)
    except NoRoute as miss:
        return _no_route(miss.status)
    try:
        token, business = await _admit(sandbox, request, path.strip("/").split("/")[0], headers)
        with sandbox.limiter.in_flight(business.id):
            reply = await match.handler(Call(sandbox, request, token, business, match.params))
    except SageError as error:
        return responses.error_response(error, headers=headers)
    return responses.render(reply, headers=headers)


def _no_route(status: int) -> Response:
    if status == 405:
        return responses.diagnoses_response(405, [Diagnosis("Method not allowed", "", "MethodNotAllowed")])
    return responses.diagnoses_response(404, [Diagnosis("Resource not found", "", "RecordNotFound")])


# --- lists -----------------------------------------------------------------------------------------


def _deleted(call: Call, resource: str) -> Reply | None:
    """With `deleted_since`, a list reports what was deleted after it instead of what is held."""
    if not call.query_params.get("deleted_since"):
        return None
    gone = [
        {"id": key, "displayed_as": key, "$path": f"/{resource}/{key}", "deleted_at": responses.stamp(when)}
        for key, when in query.deleted_after(call.query_params, call.business.deletions.get(resource, {}))
    ]
    return call.page(gone, lambda item: item, base=(*query.BASE_ATTRIBUTES, "deleted_at"))


async def list_contacts(call: Call) -> Reply:
    if (deleted := _deleted(call, "contacts")) is not None:
        return deleted
    params = call.query_params
    business = call.business
    records = query.since_filter(params, business.contacts.values())
    search = params.get("search", "").strip().lower()
    if search:
        exact = business.contacts_by_reference.get(search)
        records = [
            c for c in records if c.id == exact or search in c.name.lower() or search in c.reference.lower()
        ]
    type_ids = {t for t in params.get("contact_type_id", params.get("contact_type_ids", "")).split(",") if t}
    if type_ids:
        records = [c for c in records if type_ids & set(c.contact_type_ids)]
    if params.get("email"):
        records = [c for c in records if c.email.lower() == params["email"].lower()]
    show_balance = query.truthy(params.get("show_balance"))
    return call.page(
        records,
        lambda c: responses.contact(c, balance=business.contact_balance(c.id) if show_balance else None),
    )


async def list_ledger_accounts(call: Call) -> Reply:
    params = call.query_params
    records = query.since_filter(params, call.business.ledger_accounts.values())
    if params.get("ledger_account_type_id"):
        wanted = set(params["ledger_account_type_id"].split(","))
        records = [r for r in records if r.ledger_account_type_id in wanted]
    visible_in = params.get("visible_in")
    if visible_in == "sales":
        records = [r for r in records if r.visible_in_sales]
    elif visible_in == "expenses":
        records = [r for r in records if r.visible_in_expenses]
    return call.page(records, responses.ledger_account)


async def list_bank_accounts(call: Call) -> Reply:
    return call.page(
        query.since_filter(call.query_params, call.business.bank_accounts.values()), responses.bank_account
    )


async def list_tax_rates(call: Call) -> Reply:
    return call.page(list(call.business.tax_rates.values()), responses.tax_rate)


async def list_payment_methods(call: Call) -> Reply:
    return call.page(
        list(call.business.payment_methods.items()), lambda item: responses.payment_method(*item)
    )


def list_artefacts(kind: ArtefactKind) -> Handler:
    async def run(call: Call) -> Reply:
        if (deleted := _deleted(call, kind.value)) is not None:
            return deleted
        params = call.query_params
        business = call.business
        records = [
            r for r in query.since_filter(params, business.artefacts[kind].values()) if r.deleted_at is None
        ]
        if params.get("contact_id"):
            records = [r for r in records if r.contact_id == params["contact_id"]]
        if params.get("status_id"):
            records = [r for r in records if r.status == params["status_id"]]
        if params.get("from_date"):
            start = query.parse_date(params["from_date"], "from_date")
            records = [r for r in records if r.date >= start]
        if params.get("to_date"):
            end = query.parse_date(params["to_date"], "to_date")
            records = [r for r in records if r.date <= end]
        search = params.get("search", "").strip().lower()
        if search:

            def matches(record: Any) -> bool:
                contact = business.contacts.get(record.contact_id)
                texts = (
                    record.reference,
                    record.number,
                    record.vendor_reference,
                    contact.name if contact else "",
                )
                return any(search in text.lower() for text in texts)

            records = [r for r in records if matches(r)]
        return call.page(records, lambda r: responses.artefact(r, business))

    return run


async def list_payments(call: Call) -> Reply:
    if (deleted := _deleted(call, "contact_payments")) is not None:
        return deleted
    params = call.query_params
    records = [p for p in query.since_filter(params, call.business.payments.values()) if p.deleted_at is None]
    for name in ("contact_id", "bank_account_id", "transaction_type_id"):
        if params.get(name):
            records = [p for p in records if getattr(p, name) == params[name]]
    return call.page(records, lambda p: responses.contact_payment(p, call.business))


async def list_opening_balances(call: Call) -> Reply:
    records = opening.listed(call.business, dict(call.query_params))
    return call.page(records, lambda record: opening.response(record, call.business))


async def get_opening_balance(call: Call) -> Reply:
    record = call.business.opening_balances.get(call.key)
    if record is None:
        raise not_found("Contact opening balance")
    return Reply(200, opening.response(record, call.business))


async def list_allocations(call: Call) -> Reply:
    if (deleted := _deleted(call, "contact_allocations")) is not None:
        return deleted
    records = query.since_filter(call.query_params, call.business.allocations.values())
    if call.query_params.get("contact_id"):
        records = [a for a in records if a.contact_id == call.query_params["contact_id"]]
    return call.page(records, lambda a: responses.contact_allocation(a, call.business))


async def list_businesses(call: Call) -> Reply:
    held = call.sandbox.state.businesses
    return call.page([held[b] for b in call.token.grant.business_ids if b in held], responses.business)


# --- single records --------------------------------------------------------------------------------


async def get_contact(call: Call) -> Reply:
    contact = call.sandbox.state.contact(call.business, call.key)
    return Reply(200, responses.contact(contact, balance=call.business.contact_balance(contact.id)))


async def get_ledger_account(call: Call) -> Reply:
    record = call.business.ledger_accounts.get(call.key)
    if record is None:
        raise not_found("Ledger account")
    return Reply(200, responses.ledger_account(record))


async def get_bank_account(call: Call) -> Reply:
    record = call.business.bank_accounts.get(call.key)
    if record is None:
        raise not_found("Bank account")
    return Reply(200, responses.bank_account(record))


async def get_tax_rate(call: Call) -> Reply:
    record = call.business.tax_rates.get(call.key)
    if record is None:
        raise not_found("Tax rate")
    return Reply(200, responses.tax_rate(record))


def get_artefact(kind: ArtefactKind) -> Handler:
    async def run(call: Call) -> Reply:
        record = call.business.artefacts[kind].get(call.key)
        if record is None or record.deleted_at is not None:
            raise not_found(kind.root)
        return Reply(200, responses.artefact(record, call.business))

    return run


async def get_payment(call: Call) -> Reply:
    payment = call.sandbox.state.payment(call.business, call.key)
    return Reply(200, responses.contact_payment(payment, call.business))


async def get_allocation(call: Call) -> Reply:
    record = call.business.allocations.get(call.key)
    if record is None:
        raise not_found("Contact allocation")
    return Reply(200, responses.contact_allocation(record, call.business))


async def get_financial_settings(call: Call) -> Reply:
    return Reply(200, responses.financial_settings(call.business))


async def get_business(call: Call) -> Reply:
    key = call.token.grant.business_ids[0] if call.key == "lead" else call.key
    if key not in call.token.grant.business_ids or key not in call.sandbox.state.businesses:
        raise not_found("Business")
    return Reply(200, responses.business(call.sandbox.state.businesses[key]))


async def get_user(call: Call) -> Reply:
    name = call.token.grant.user
    return Reply(
        200, {"id": name, "displayed_as": name, "first_name": name, "last_name": "", "locale": "en-GB"}
    )


# --- writes ----------------------------------------------------------------------------------------


async def _json_body(request: Request) -> Any:
    if "json" not in request.headers.get("content-type", ""):
        raise SageError(415, [Diagnosis("Content-Type must be application/json", "", "UnsupportedMediaType")])
    try:
        return json.loads(await request.body() or b"null")
    except ValueError as error:
        raise SageError(
            422, [Diagnosis(f"The body is not valid JSON: {error}", "", "InvalidJson")]
        ) from error


def _parse(root: str, payload: Any, *, update: bool = False) -> Any:
    try:
        return bodies.parse_body(root, payload, update=update)
    except BodyError as error:
        raise SageError(422, [Diagnosis(message, source) for source, message in error.problems]) from error


def _dropped(call: Call) -> dict[str, str]:
    """The mark that makes the reply of a stored write go missing, when the faults say so."""
    return {DROP_REPLY_HEADER: "1"} if call.sandbox.faults.drop_after_store(call.business.id) else {}


Creator = Callable[[SageSandbox, Business, Any], dict[str, Any]]
Updater = Callable[[SageSandbox, Business, str, Any], dict[str, Any]]
Remover = Callable[[Call], None]


def create(root: str, creator: Creator) -> Handler:
    """POST: parse, replay a known idempotency_id (unless set to ignore it), apply Sage's rules, store,
    answer 201."""

    async def run(call: Call) -> Reply:
        sandbox = call.sandbox
        payload = await _json_body(call.request)
        parsed = _parse(root, payload)
        key = None if sandbox.config.ignore_idempotency_id else getattr(parsed, "idempotency_id", None)
        request_hash = body_hash(payload)
        scope = (call.business.id, root, key or "")
        if key:
            known = sandbox.replies.lookup(scope, request_hash)
            if isinstance(known, KeyConflict):
                conflict = Diagnosis(
                    "has already been used for a different request", "idempotency_id", "Conflict"
                )
                raise SageError(422, [conflict])
            if known is not None:
                return Reply(known.status, known.body, known.headers)
        async with sandbox.lock(call.business.id):
            body = creator(sandbox, call.business, parsed)
        if key:
            sandbox.replies.store(scope, StoredReply(201, body, request_hash=request_hash))
        return Reply(201, body, _dropped(call))

    return run


def update(root: str, updater: Updater) -> Handler:
    async def run(call: Call) -> Reply:
        parsed = _parse(root, await _json_body(call.request), update=True)
        async with call.sandbox.lock(call.business.id):
            body = updater(call.sandbox, call.business, call.key, parsed)
        return Reply(200, body, _dropped(call))

    return run


def remove(remover: Remover) -> Handler:
    async def run(call: Call) -> Reply:
        async with call.sandbox.lock(call.business.id):
            remover(call)
        return Reply(204)

    return run


def _create_artefact(kind: ArtefactKind) -> Creator:
    def run(sandbox: SageSandbox, business: Business, parsed: Any) -> dict[str, Any]:
        return responses.artefact(sandbox.state.create_artefact(business, kind, parsed), business)

    return run


def _update_artefact(kind: ArtefactKind) -> Updater:
    def run(sandbox: SageSandbox, business: Business, key: str, parsed: Any) -> dict[str, Any]:
        return responses.artefact(sandbox.state.update_artefact(business, kind, key, parsed), business)

    return run


def void_artefact(kind: ArtefactKind) -> Handler:
    """DELETE: a sales document is voided and answered (200, the voided document); a purchase one is
    deleted and answers nothing (204), as Sage's spec has it."""

    async def run(call: Call) -> Reply:
        reason = call.query_params.get("void_reason", "")
        async with call.sandbox.lock(call.business.id):
            call.sandbox.state.void_artefact(call.business, kind, call.key, reason)
            record = call.business.artefacts[kind][call.key]
            body = responses.artefact(record, call.business) if kind.is_sales else None
        return Reply(204) if body is None else Reply(200, body)

    return run


# --- the Sage-only admin route ---------------------------------------------------------------------


async def change_business(request: Request) -> Response:
    """POST /_sandbox/businesses/{id}: switch tier, lockdown date or subscription of one business."""
    sandbox: SageSandbox = request.app.state.sandbox
    business = sandbox.state.businesses.get(str(request.path_params["key"]))
    if business is None:
        return JSONResponse({"error": "no such business"}, status_code=404)
    payload = await request.json()
    try:
        if "tier" in payload:
            business.tier = Tier(str(payload["tier"]).lower())
        if "year_end_lockdown_date" in payload:
            value = payload["year_end_lockdown_date"]
            business.settings.year_end_lockdown_date = dt.date.fromisoformat(value) if value else None
        if "subscription_active" in payload:
            business.subscription_active = bool(payload["subscription_active"])
        for artefact_id in payload.get("tax_reconciled", []):
            business.artefacts_by_id[str(artefact_id)].tax_reconciled = True
    except (ValueError, KeyError) as error:
        return JSONResponse({"error": str(error)}, status_code=400)
    return JSONResponse(sandbox.businesses())


# --- wiring ----------------------------------------------------------------------------------------


def _artefact_routes() -> list[Any]:
    routes = []
    for kind in ArtefactKind:
        path = f"/{kind.value}"
        routes += [
            route("GET", path, list_artefacts(kind)),
            route("POST", path, create(kind.root, _create_artefact(kind))),
            route("GET", f"{path}/{{key}}", get_artefact(kind)),
            route("PUT", f"{path}/{{key}}", update(kind.root, _update_artefact(kind))),
            route("DELETE", f"{path}/{{key}}", void_artefact(kind)),
        ]
    return routes


ROUTES: ApiRouter[Handler] = ApiRouter(
    [
        route("GET", "/businesses", list_businesses),
        route("GET", "/businesses/{key}", get_business),
        route("GET", "/user", get_user),
        route("GET", "/financial_settings", get_financial_settings),
        route("GET", "/ledger_accounts", list_ledger_accounts),
        route(
            "POST",
            "/ledger_accounts",
            create(
                "ledger_account",
                lambda s, b, p: responses.ledger_account(s.state.create_ledger_account(b, p)),
            ),
        ),
        route("GET", "/ledger_accounts/{key}", get_ledger_account),
        route("GET", "/bank_accounts", list_bank_accounts),
        route("GET", "/bank_accounts/{key}", get_bank_account),
        route("GET", "/tax_rates", list_tax_rates),
        route("GET", "/tax_rates/{key}", get_tax_rate),
        route("GET", "/payment_methods", list_payment_methods),
        route("GET", "/contacts", list_contacts),
        route(
            "POST",
            "/contacts",
            create("contact", lambda s, b, p: responses.contact(s.state.create_contact(b, p))),
        ),
        route("GET", "/contacts/{key}", get_contact),
        route(
            "PUT",
            "/contacts/{key}",
            update("contact", lambda s, b, k, p: responses.contact(s.state.update_contact(b, k, p))),
        ),
        route(
            "DELETE", "/contacts/{key}", remove(lambda c: c.sandbox.state.delete_contact(c.business, c.key))
        ),
        route("GET", "/contact_payments", list_payments),
        route(
            "POST",
            "/contact_payments",
            create(
                "contact_payment", lambda s, b, p: responses.contact_payment(s.state.create_payment(b, p), b)
            ),
        ),
        route("GET", "/contact_payments/{key}", get_payment),
        route(
            "PUT",
            "/contact_payments/{key}",
            update(
                "contact_payment",
                lambda s, b, k, p: responses.contact_payment(s.state.update_payment(b, k, p), b),
            ),
        ),
        route(
            "DELETE",
            "/contact_payments/{key}",
            remove(lambda c: c.sandbox.state.delete_payment(c.business, c.key)),
        ),
        route("GET", "/contact_allocations", list_allocations),
        route(
            "POST",
            "/contact_allocations",
            create(
                "contact_allocation",
                lambda s, b, p: responses.contact_allocation(s.state.create_allocation(b, p), b),
            ),
        ),
        route("GET", "/contact_allocations/{key}", get_allocation),
        route(
            "DELETE",
            "/contact_allocations/{key}",
            remove(lambda c: c.sandbox.state.delete_allocation(c.business, c.key)),
        ),
        route("GET", f"/{opening.PATH}", list_opening_balances),
        route(
            "POST",
            f"/{opening.PATH}",
            create(
                "contact_opening_balance",
                lambda s, b, p: opening.response(opening.create(b, p, s.state.now()), b),
            ),
        ),
        route("GET", f"/{opening.PATH}/{{key}}", get_opening_balance),
        *_artefact_routes(),
    ]
)


async def _not_found(request: Request, exc: Exception) -> Response:
    return _no_route(404)


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return _no_route(405)


def create_app(config: SageSandboxConfig | None = None) -> Starlette:
    """A fresh Sage sandbox app (no businesses yet: seed one through /_sandbox/seed).

    Without a config, the environment's `LEDGERLINK_SAGE_SANDBOX_*` settings apply.
    """
    sandbox = SageSandbox(config or SageSandboxConfig.from_env())
    routes = [
        *consent_routes(
            sandbox.oauth,
            path=AUTHORISE_PATH,
            list_businesses=lambda: [(b.id, b.name) for b in sandbox.state.businesses.values()],
            title="Sage Accounting (sandbox)",
            required_query={"filter": "apiv3.1"},
            carried_params=(
                "client_id",
                "redirect_uri",
                "response_type",
                "scope",
                "state",
                "country",
                "locale",
            ),
        ),
        token_route(sandbox.oauth, path=TOKEN_PATH),
        *admin_routes(sandbox),
        person_route(sandbox, api_prefix=API, business_header="X-Business"),
        Route("/_sandbox/businesses/{key}", change_business, methods=["POST"]),
        Route(API + "/{path:path}", api, methods=["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(DropReplyMiddleware)],
        exception_handlers={404: _not_found, 405: _not_allowed},
    )
    app.state.sandbox = sandbox
    return app


__all__ = ["API", "ROUTES", "SageSandbox", "SageSandboxConfig", "api", "create_app"]
