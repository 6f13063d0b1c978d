"""The Sage sandbox over HTTP: Sage Accounting v3.1 at /v3.1, its OAuth2 pages, and the admin API.

Only HTTP lives here (auth, business selection, limits, faults, paging, rendering); Sage's rules are in
`models.py`. Build one with `create_app()`; `app.state.sandbox` is the `SageSandbox` behind it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import math
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ledgerlink.sandbox.kit import (
    DROP_REPLY_HEADER,
    AccessToken,
    AdminError,
    AdminHooks,
    DropReplyMiddleware,
    FaultKind,
    Faults,
    IdempotencyStore,
    KeyConflict,
    OAuthConfig,
    OAuthServer,
    RateLimitConfig,
    SlidingWindowLimiter,
    StoredReply,
    admin_routes,
    body_hash,
    consent_routes,
    token_route,
)
from ledgerlink.sandbox.kit.clock import Clock
from ledgerlink.sandbox.kit.idempotency import ConflictPolicy
from ledgerlink.sandbox.sage import bodies, responses
from ledgerlink.sandbox.sage.models import (
    TIER_DISABLED,
    ArtefactKind,
    Business,
    Diagnosis,
    SageError,
    SageState,
    SandboxRules,
    Tier,
    not_found,
)

API = "/v3.1"
AUTHORISE_PATH = "/oauth2/auth/central"
TOKEN_PATH = "/token"
MAX_ITEMS_PER_PAGE = 200


@dataclass(frozen=True)
class SageSandboxConfig:
    rate_limit_per_minute: int | None = 200
    rate_limit_per_day: int | None = None
    concurrency: int | None = None
    retry_after_header: bool = True  # whether a 429 says when to come back
    idempotency_conflict: ConflictPolicy = "replay"
    rules: SandboxRules = field(default_factory=SandboxRules)
    oauth: OAuthConfig = field(default_factory=OAuthConfig)
    clients: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (client_id, secret, redirect URIs)
    fault_seed: int = 0
    clock: Clock = time.time
    time_scale: float = 1.0  # >1 runs the limits' windows faster (a minute lasts 60/time_scale s)


class SageSandbox:
    """Everything one Sage sandbox holds: businesses, tokens, limits, faults and first replies."""

    def __init__(self, config: SageSandboxConfig | None = None) -> None:
        self.config = config or SageSandboxConfig()
        self.state = SageState(rules=self.config.rules, clock=self.config.clock)
        self.oauth = OAuthServer(config=self.config.oauth, clock=self.config.clock)
        for client_id, secret, redirect_uris in self.config.clients:
            self.oauth.register_client(client_id, secret, redirect_uris)
        self.faults = Faults(seed=self.config.fault_seed)
        self.limiter = SlidingWindowLimiter(
            RateLimitConfig(
                per_minute=self.config.rate_limit_per_minute,
                per_day=self.config.rate_limit_per_day,
                concurrency=self.config.concurrency,
            ),
            clock=lambda: self.config.clock() * self.config.time_scale,
        )
        self.replies = IdempotencyStore(on_conflict=self.config.idempotency_conflict)
        self._locks: dict[str, asyncio.Lock] = {}

    def retry_after(self, seconds: float) -> str:
        """Whole seconds as Sage sends them; fractions when the limits run faster than real time."""
        real = seconds / self.config.time_scale
        return str(max(1, math.ceil(real))) if self.config.time_scale == 1 else f"{max(real, 0.001):.3f}"

    def lock(self, business_id: str) -> asyncio.Lock:
        lock = self._locks.get(business_id)
        if lock is None:
            lock = self._locks[business_id] = asyncio.Lock()
        return lock

    def seed(self, payload: dict[str, Any]) -> str:
        return self.state.seed(payload).id

    def reset(self) -> None:
        self.state.reset()
        self.limiter.reset()
        self.replies.reset()
        self._locks.clear()

    def business_summaries(self) -> list[dict[str, Any]]:
        return [
            {
                "id": b.id,
                "name": b.name,
                "tier": b.tier.value,
                "subscription_active": b.subscription_active,
                "counts": b.counts(),
            }
            for b in self.state.businesses.values()
        ]


# --- the request pipeline --------------------------------------------------------------------------


def _auth_failure(message: str) -> SageError:
    return SageError(401, [Diagnosis(message, "", "AuthorizationFailure")])


@dataclass(frozen=True)
class Call:
    """An authenticated request, resolved to its business."""

    request: Request
    token: AccessToken
    business: Business


Handler = Callable[[SageSandbox, Call], Awaitable[Response]]


def _resource_of(request: Request) -> str:
    return request.url.path.removeprefix(API).strip("/").split("/")[0]


async def _run(
    sandbox: SageSandbox, request: Request, handler: Handler, *, needs_business: bool = True
) -> Response:
    headers: dict[str, str] = {}
    try:
        token = sandbox.oauth.authenticate(request.headers.get("authorization", ""))
        if token is None:
            raise _auth_failure("The access token is missing, invalid or has expired")
        requested = request.headers.get("x-business", "").strip()
        business_id = requested or token.grant.business_ids[0]
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
            raise SageError(429, [Diagnosis("Too many requests: slow down", "", "RateLimitExceeded")])
        fault = await sandbox.faults.before_request(business.id)
        if fault is FaultKind.RATE_LIMITED:
            if faults.retry_after is not None:
                headers["Retry-After"] = str(faults.retry_after)
            raise SageError(429, [Diagnosis("Too many requests: slow down", "", "RateLimitExceeded")])
        if fault is FaultKind.SERVER_ERROR:
            raise SageError(500, [Diagnosis("An internal error occurred", "", "InternalServerError")])
        if fault is FaultKind.UNAVAILABLE:
            if faults.retry_after is not None:
                headers["Retry-After"] = str(faults.retry_after)
            raise SageError(
                503, [Diagnosis("The service is temporarily unavailable", "", "ServiceUnavailable")]
            )
        if needs_business and (request.method, _resource_of(request)) in TIER_DISABLED[business.tier]:
            raise SageError(
                403,
                [
                    Diagnosis(
                        f"This feature is not available on your subscription ({business.tier.value})",
                        "",
                        "FeatureNotAvailable",
                    )
                ],
            )
        with sandbox.limiter.in_flight(business.id):
            response = await handler(sandbox, Call(request, token, business))
    except SageError as error:
        return responses.error_response(error, headers=headers)
    response.headers.update(headers)
    return response


def endpoint(handler: Handler, *, needs_business: bool = True) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        sandbox: SageSandbox = request.app.state.sandbox
        return await _run(sandbox, request, handler, needs_business=needs_business)

    return run


# --- lists -----------------------------------------------------------------------------------------


def _parse_since(value: str, source: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise SageError(422, [Diagnosis("is not a valid date and time", source)]) from error
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


BASE_ATTRIBUTES = ("id", "displayed_as", "$path")


def _parse_date(value: str, source: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise SageError(422, [Diagnosis("is not a valid date (YYYY-MM-DD)", source)]) from error


def _page(
    call: Call,
    items: list[dict[str, Any]] | list[Any],
    render: Callable[[Any], dict[str, Any]],
    *,
    base: tuple[str, ...] = BASE_ATTRIBUTES,
) -> Response:
    params = call.request.query_params
    try:
        per_page = int(params.get("items_per_page", "20"))
        page = max(int(params.get("page", "1")), 1)
    except ValueError as error:
        raise SageError(422, [Diagnosis("must be an integer", "items_per_page")]) from error
    if not 1 <= per_page <= MAX_ITEMS_PER_PAGE:
        raise SageError(422, [Diagnosis(f"must be between 1 and {MAX_ITEMS_PER_PAGE}", "items_per_page")])
    total = len(items)
    last = max(math.ceil(total / per_page), 1)
    page = min(page, last)  # past the end: the last page again
    chunk = items[(page - 1) * per_page : page * per_page]
    attributes = params.get("attributes", "")
    wanted = None if attributes == "all" else {name.strip() for name in attributes.split(",") if name.strip()}
    rendered = []
    for item in chunk:
        full = render(item)
        if wanted is not None:
            full = {k: v for k, v in full.items() if k in base or k in wanted}
        rendered.append(full)
    path = call.request.url.path.removeprefix(API)

    def link_to(number: int) -> str:
        query = {k: v for k, v in params.items() if k != "page"}
        return f"{path}?{urlencode({**query, 'page': number})}"

    return JSONResponse(
        {
            "$total": total,
            "$page": page,
            "$next": link_to(page + 1) if page < last else None,
            "$back": link_to(page - 1) if page > 1 else None,
            "$itemsPerPage": per_page,
            "$items": rendered,
        }
    )


def _since_filter(call: Call, records: Iterable[Any]) -> list[Any]:
    since = call.request.query_params.get("updated_or_created_since")
    if not since:
        return list(records)
    bound = _parse_since(since, "updated_or_created_since")
    return [record for record in records if record.updated_at >= bound]  # inclusive, as Sage's is


def _deleted(call: Call, resource: str) -> Response | None:
    """With `deleted_since` (exclusive, as Sage's is), a list reports what was deleted after it."""
    since = call.request.query_params.get("deleted_since")
    if not since:
        return None
    bound = _parse_since(since, "deleted_since")
    gone = [
        {"id": key, "displayed_as": key, "$path": f"/{resource}/{key}", "deleted_at": responses.stamp(when)}
        for key, when in call.business.deletions.get(resource, {}).items()
        if when > bound
    ]
    return _page(call, gone, lambda item: item, base=(*BASE_ATTRIBUTES, "deleted_at"))


def _truthy(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1", "yes")


async def list_contacts(sandbox: SageSandbox, call: Call) -> Response:
    if (deleted := _deleted(call, "contacts")) is not None:
        return deleted
    params = call.request.query_params
    business = call.business
    records = _since_filter(call, business.contacts.values())
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
    show_balance = _truthy(params.get("show_balance"))
    return _page(
        call,
        records,
        lambda c: responses.contact(c, balance=business.contact_balance(c.id) if show_balance else None),
    )


async def list_ledger_accounts(sandbox: SageSandbox, call: Call) -> Response:
    params = call.request.query_params
    records = _since_filter(call, call.business.ledger_accounts.values())
    if params.get("ledger_account_type_id"):
        wanted = set(params["ledger_account_type_id"].split(","))
        records = [r for r in records if r.ledger_account_type_id in wanted]
    visible_in = params.get("visible_in")
    if visible_in == "sales":
        records = [r for r in records if r.visible_in_sales]
    elif visible_in == "expenses":
        records = [r for r in records if r.visible_in_expenses]
    return _page(call, records, responses.ledger_account)


async def list_bank_accounts(sandbox: SageSandbox, call: Call) -> Response:
    return _page(call, _since_filter(call, call.business.bank_accounts.values()), responses.bank_account)


async def list_tax_rates(sandbox: SageSandbox, call: Call) -> Response:
    return _page(call, list(call.business.tax_rates.values()), responses.tax_rate)


async def list_payment_methods(sandbox: SageSandbox, call: Call) -> Response:
    return _page(
        call, list(call.business.payment_methods.items()), lambda item: responses.payment_method(*item)
    )


def list_artefacts(kind: ArtefactKind) -> Handler:
    async def run(sandbox: SageSandbox, call: Call) -> Response:
        if (deleted := _deleted(call, kind.value)) is not None:
            return deleted
        params = call.request.query_params
        business = call.business
        records = [r for r in _since_filter(call, business.artefacts[kind].values()) if r.deleted_at is None]
        if params.get("contact_id"):
            records = [r for r in records if r.contact_id == params["contact_id"]]
        if params.get("status_id"):
            records = [r for r in records if r.status == params["status_id"]]
        if params.get("from_date"):
            start = _parse_date(params["from_date"], "from_date")
            records = [r for r in records if r.date >= start]
        if params.get("to_date"):
            end = _parse_date(params["to_date"], "to_date")
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
        return _page(call, records, lambda r: responses.artefact(r, business))

    return run


async def list_payments(sandbox: SageSandbox, call: Call) -> Response:
    if (deleted := _deleted(call, "contact_payments")) is not None:
        return deleted
    params = call.request.query_params
    records = [p for p in _since_filter(call, call.business.payments.values()) if p.deleted_at is None]
    for name in ("contact_id", "bank_account_id", "transaction_type_id"):
        if params.get(name):
            records = [p for p in records if getattr(p, name) == params[name]]
    return _page(call, records, lambda p: responses.contact_payment(p, call.business))


async def list_allocations(sandbox: SageSandbox, call: Call) -> Response:
    if (deleted := _deleted(call, "contact_allocations")) is not None:
        return deleted
    records = _since_filter(call, call.business.allocations.values())
    if call.request.query_params.get("contact_id"):
        records = [a for a in records if a.contact_id == call.request.query_params["contact_id"]]
    return _page(call, records, lambda a: responses.contact_allocation(a, call.business))


# --- single records --------------------------------------------------------------------------------


def _key(call: Call) -> str:
    return str(call.request.path_params["key"])


async def get_contact(sandbox: SageSandbox, call: Call) -> Response:
    contact = sandbox.state._contact(call.business, _key(call))
    return JSONResponse(responses.contact(contact, balance=call.business.contact_balance(contact.id)))


async def get_ledger_account(sandbox: SageSandbox, call: Call) -> Response:
    record = call.business.ledger_accounts.get(_key(call))
    if record is None:
        raise not_found("Ledger account")
    return JSONResponse(responses.ledger_account(record))


async def get_bank_account(sandbox: SageSandbox, call: Call) -> Response:
    record = call.business.bank_accounts.get(_key(call))
    if record is None:
        raise not_found("Bank account")
    return JSONResponse(responses.bank_account(record))


async def get_tax_rate(sandbox: SageSandbox, call: Call) -> Response:
    record = call.business.tax_rates.get(_key(call))
    if record is None:
        raise not_found("Tax rate")
    return JSONResponse(responses.tax_rate(record))


def get_artefact(kind: ArtefactKind) -> Handler:
    async def run(sandbox: SageSandbox, call: Call) -> Response:
        record = call.business.artefacts[kind].get(_key(call))
        if record is None or record.deleted_at is not None:
            raise not_found(kind.root)
        return JSONResponse(responses.artefact(record, call.business))

    return run


async def get_payment(sandbox: SageSandbox, call: Call) -> Response:
    return JSONResponse(
        responses.contact_payment(sandbox.state.payment(call.business, _key(call)), call.business)
    )


async def get_allocation(sandbox: SageSandbox, call: Call) -> Response:
    record = call.business.allocations.get(_key(call))
    if record is None:
        raise not_found("Contact allocation")
    return JSONResponse(responses.contact_allocation(record, call.business))


async def get_financial_settings(sandbox: SageSandbox, call: Call) -> Response:
    return JSONResponse(responses.financial_settings(call.business))


async def list_businesses(sandbox: SageSandbox, call: Call) -> Response:
    records = [
        sandbox.state.businesses[b] for b in call.token.grant.business_ids if b in sandbox.state.businesses
    ]
    return _page(call, records, responses.business)


async def get_business(sandbox: SageSandbox, call: Call) -> Response:
    key = _key(call)
    if key == "lead":
        key = call.token.grant.business_ids[0]
    if key not in call.token.grant.business_ids or key not in sandbox.state.businesses:
        raise not_found("Business")
    return JSONResponse(responses.business(sandbox.state.businesses[key]))


async def get_user(sandbox: SageSandbox, call: Call) -> Response:
    name = call.token.grant.user
    return JSONResponse(
        {"id": name, "displayed_as": name, "first_name": name, "last_name": "", "locale": "en-GB"}
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
    except bodies.BodyError as error:
        raise SageError(422, [Diagnosis(message, source) for source, message in error.problems]) from error


Creator = Callable[[SageSandbox, Business, Any], dict[str, Any]]


def create(root: str, creator: Creator) -> Handler:
    """POST: parse, replay a known idempotency_id, apply Sage's rules, store, answer 201."""

    async def run(sandbox: SageSandbox, call: Call) -> Response:
        payload = await _json_body(call.request)
        parsed = _parse(root, payload)
        key = getattr(parsed, "idempotency_id", None)
        request_hash = body_hash(payload)
        scope = (call.business.id, root, key or "")
        if key:
            known = sandbox.replies.lookup(scope, request_hash)
            if isinstance(known, KeyConflict):
                raise SageError(
                    422,
                    [
                        Diagnosis(
                            "has already been used for a different request", "idempotency_id", "Conflict"
                        )
                    ],
                )
            if known is not None:
                return JSONResponse(known.body, status_code=known.status, headers=dict(known.headers))
        async with sandbox.lock(call.business.id):
            body = creator(sandbox, call.business, parsed)
        if key:
            sandbox.replies.store(scope, StoredReply(201, body, request_hash=request_hash))
        headers = {DROP_REPLY_HEADER: "1"} if sandbox.faults.drop_after_store(call.business.id) else {}
        return JSONResponse(body, status_code=201, headers=headers)

    return run


def update(root: str, updater: Callable[[SageSandbox, Business, str, Any], dict[str, Any]]) -> Handler:
    async def run(sandbox: SageSandbox, call: Call) -> Response:
        parsed = _parse(root, await _json_body(call.request), update=True)
        async with sandbox.lock(call.business.id):
            body = updater(sandbox, call.business, _key(call), parsed)
        headers = {DROP_REPLY_HEADER: "1"} if sandbox.faults.drop_after_store(call.business.id) else {}
        return JSONResponse(body, headers=headers)

    return run


def remove(remover: Callable[[SageSandbox, Call, str], None]) -> Handler:
    async def run(sandbox: SageSandbox, call: Call) -> Response:
        async with sandbox.lock(call.business.id):
            remover(sandbox, call, _key(call))
        return Response(status_code=204)

    return run


def _create_artefact(kind: ArtefactKind) -> Creator:
    def run(sandbox: SageSandbox, business: Business, parsed: Any) -> dict[str, Any]:
        return responses.artefact(sandbox.state.create_artefact(business, kind, parsed), business)

    return run


def _update_artefact(kind: ArtefactKind) -> Callable[[SageSandbox, Business, str, Any], dict[str, Any]]:
    def run(sandbox: SageSandbox, business: Business, key: str, parsed: Any) -> dict[str, Any]:
        return responses.artefact(sandbox.state.update_artefact(business, kind, key, parsed), business)

    return run


def _void_artefact(kind: ArtefactKind) -> Callable[[SageSandbox, Call, str], None]:
    def run(sandbox: SageSandbox, call: Call, key: str) -> None:
        reason = call.request.query_params.get("void_reason", "")
        sandbox.state.void_artefact(call.business, kind, key, reason)

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
    return JSONResponse(sandbox.business_summaries())


def change_ledger_account(sandbox: SageSandbox, business_id: str, key: str, status: str) -> dict[str, Any]:
    """Hide (Sage's archive: `included_in_chart` false), restore or delete an unused ledger account."""
    business = sandbox.state.businesses[business_id]
    account = business.ledger_accounts.get(key) or next(
        (a for a in business.ledger_accounts.values() if str(a.nominal_code) == key), None
    )
    if account is None:
        raise AdminError(f"no ledger account {key!r} in {business.name}", status=404)
    if status == "deleted":
        used = any(
            line.ledger_account_id == account.id
            for records in business.artefacts.values()
            for artefact in records.values()
            for line in artefact.lines
        ) or any(bank.ledger_account_id == account.id for bank in business.bank_accounts.values())
        if used:
            raise AdminError(
                f"{account.nominal_code} {account.name} has transactions: hide it instead", status=409
            )
        del business.ledger_accounts[account.id]
    else:
        account.included_in_chart = status == "active"
        account.updated_at = sandbox.state.now()
    return {
        "id": account.id,
        "code": str(account.nominal_code),
        "name": account.name,
        "status": status,
    }


# --- wiring ----------------------------------------------------------------------------------------


def _routes() -> list[Route]:
    routes = [
        Route(f"{API}/businesses", endpoint(list_businesses, needs_business=False)),
        Route(f"{API}/businesses/{{key}}", endpoint(get_business, needs_business=False)),
        Route(f"{API}/user", endpoint(get_user, needs_business=False)),
        Route(f"{API}/financial_settings", endpoint(get_financial_settings)),
        Route(f"{API}/ledger_accounts", endpoint(list_ledger_accounts)),
        Route(f"{API}/ledger_accounts/{{key}}", endpoint(get_ledger_account)),
        Route(f"{API}/bank_accounts", endpoint(list_bank_accounts)),
        Route(f"{API}/bank_accounts/{{key}}", endpoint(get_bank_account)),
        Route(f"{API}/tax_rates", endpoint(list_tax_rates)),
        Route(f"{API}/tax_rates/{{key}}", endpoint(get_tax_rate)),
        Route(f"{API}/payment_methods", endpoint(list_payment_methods)),
        Route(f"{API}/contacts", endpoint(list_contacts), methods=["GET"]),
        Route(
            f"{API}/contacts",
            endpoint(create("contact", lambda s, b, p: responses.contact(s.state.create_contact(b, p)))),
            methods=["POST"],
        ),
        Route(f"{API}/contacts/{{key}}", endpoint(get_contact), methods=["GET"]),
        Route(
            f"{API}/contacts/{{key}}",
            endpoint(
                update("contact", lambda s, b, k, p: responses.contact(s.state.update_contact(b, k, p)))
            ),
            methods=["PUT"],
        ),
        Route(
            f"{API}/contacts/{{key}}",
            endpoint(remove(lambda s, c, k: s.state.delete_contact(c.business, k))),
            methods=["DELETE"],
        ),
        Route(f"{API}/contact_payments", endpoint(list_payments), methods=["GET"]),
        Route(
            f"{API}/contact_payments",
            endpoint(
                create(
                    "contact_payment",
                    lambda s, b, p: responses.contact_payment(s.state.create_payment(b, p), b),
                )
            ),
            methods=["POST"],
        ),
        Route(f"{API}/contact_payments/{{key}}", endpoint(get_payment), methods=["GET"]),
        Route(
            f"{API}/contact_payments/{{key}}",
            endpoint(remove(lambda s, c, k: s.state.delete_payment(c.business, k))),
            methods=["DELETE"],
        ),
        Route(f"{API}/contact_allocations", endpoint(list_allocations), methods=["GET"]),
        Route(
            f"{API}/contact_allocations",
            endpoint(
                create(
                    "contact_allocation",
                    lambda s, b, p: responses.contact_allocation(s.state.create_allocation(b, p), b),
                )
            ),
            methods=["POST"],
        ),
        Route(f"{API}/contact_allocations/{{key}}", endpoint(get_allocation), methods=["GET"]),
        Route(
            f"{API}/contact_allocations/{{key}}",
            endpoint(remove(lambda s, c, k: s.state.delete_allocation(c.business, k))),
            methods=["DELETE"],
        ),
    ]
    for kind in ArtefactKind:
        path = f"{API}/{kind.value}"
        routes += [
            Route(path, endpoint(list_artefacts(kind)), methods=["GET"]),
            Route(path, endpoint(create(kind.root, _create_artefact(kind))), methods=["POST"]),
            Route(f"{path}/{{key}}", endpoint(get_artefact(kind)), methods=["GET"]),
            Route(f"{path}/{{key}}", endpoint(update(kind.root, _update_artefact(kind))), methods=["PUT"]),
            Route(f"{path}/{{key}}", endpoint(remove(_void_artefact(kind))), methods=["DELETE"]),
        ]
    return routes


async def _not_found(request: Request, exc: Exception) -> Response:
    return responses.diagnoses_response(404, [Diagnosis("Resource not found", "", "RecordNotFound")])


async def _not_allowed(request: Request, exc: Exception) -> Response:
    return responses.diagnoses_response(405, [Diagnosis("Method not allowed", "", "MethodNotAllowed")])


def create_app(config: SageSandboxConfig | None = None) -> Starlette:
    """A fresh Sage sandbox app (no businesses yet: seed one through /_sandbox/seed)."""
    sandbox = SageSandbox(config)
    hooks = AdminHooks(
        businesses=sandbox.business_summaries,
        seed=sandbox.seed,
        reset=sandbox.reset,
        oauth=sandbox.oauth,
        faults=sandbox.faults,
        limiter=sandbox.limiter,
        time_scale=sandbox.config.time_scale,
        ledger_account=lambda business_id, key, status: change_ledger_account(
            sandbox, business_id, key, status
        ),
    )
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
        *admin_routes(hooks),
        Route("/_sandbox/businesses/{key}", change_business, methods=["POST"]),
        *_routes(),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(DropReplyMiddleware)],
        exception_handlers={404: _not_found, 405: _not_allowed},
    )
    app.state.sandbox = sandbox
    return app
