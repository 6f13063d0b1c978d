"""The Xero sandbox over HTTP: Xero's Accounting API 2.0 at /api.xro/2.0, and the admin API.

Routes only: each handler reads the request, calls the rules in `models.py` and renders with
`responses.py`. Every API call goes through the same gate as at Xero: a live bearer token, an
`xero-tenant-id` the token may reach (403 otherwise), the app's and the tenant's rate limits (429 with
Retry-After and X-Rate-Limit-Problem; the X-*Limit-Remaining headers on every reply), injected faults,
the scope the operation needs, the 3.5 MB body cap, and Idempotency-Key replay. Xero's identity service
(sign-in, tokens, /connections) is in `identity.py`. Build one with `create_app()`;
`app.state.sandbox` is the `XeroSandbox` behind it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
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
    route,
)
from ledgerlink.sandbox.kit.person import person_route
from ledgerlink.sandbox.xero import bodies, query
from ledgerlink.sandbox.xero import responses as out
from ledgerlink.sandbox.xero.errors import BadFilter, BodyInvalid, Invalid, Refused
from ledgerlink.sandbox.xero.identity import identity_routes
from ledgerlink.sandbox.xero.models import Organisation
from ledgerlink.sandbox.xero.records import Contact
from ledgerlink.sandbox.xero.sandbox import XeroSandbox, XeroSandboxConfig
from ledgerlink.sandbox.xero.webhooks import WebhookSender, webhook_routes

API = "/api.xro/2.0"


@dataclass(frozen=True)
class Call:
    """An API request that passed the gate, resolved to its organisation."""

    sandbox: XeroSandbox
    request: Request
    token: AccessToken
    organisation: Organisation
    params: Mapping[str, str]  # the route's path parameters
    raw: bytes

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.request.query_params.get(name)
        return default if value is None else value.strip().lower() == "true"

    @property
    def unit_places(self) -> int:
        """Decimal places of unit amounts: Xero's 2, or 4 when the request asks `unitdp=4`."""
        return 4 if self.request.query_params.get("unitdp", "").strip() == "4" else 2


Handler = Callable[[Call], Awaitable[Reply]]

# which scopes open which resource (any one will do; ".read" only for reading)
SCOPES: dict[str, tuple[str, ...]] = {
    "Contacts": ("accounting.contacts",),
    "Accounts": ("accounting.settings",),
    "TaxRates": ("accounting.settings",),
    "Organisation": ("accounting.settings",),
    "Invoices": ("accounting.transactions", "accounting.invoices"),
    "CreditNotes": ("accounting.transactions", "accounting.invoices"),
    "Payments": ("accounting.transactions", "accounting.payments"),
    "BatchPayments": ("accounting.transactions", "accounting.payments"),
    # which granular scope covers overpayments is not documented: either a bank-transactions or a
    # payments grant opens them here
    "BankTransactions": ("accounting.transactions", "accounting.banktransactions", "accounting.payments"),
    "Overpayments": ("accounting.transactions", "accounting.banktransactions", "accounting.payments"),
}


def scope_allows(granted: str, resource: str, *, write: bool) -> bool:
    scopes = set(granted.split())
    if "full_access" in scopes:
        return True
    needed = SCOPES.get(resource, ())
    return any(s in scopes or (not write and f"{s}.read" in scopes) for s in needed)


# --- the gate --------------------------------------------------------------------------------------


def _admit(sandbox: XeroSandbox, request: Request) -> tuple[AccessToken, str, dict[str, str]]:
    """The token, the tenant and the limit headers of a request Xero lets through; else `Refused`."""
    token = sandbox.oauth.authenticate(request.headers.get("authorization", ""))
    if token is None:
        raise Refused(401, "Unauthorized", "AuthenticationUnsuccessful")
    tenant = request.headers.get("xero-tenant-id", "").strip()
    if not tenant or tenant not in sandbox.connections_of(token) or tenant not in sandbox.state.organisations:
        raise Refused(403, "Forbidden", "AuthenticationUnsuccessful")
    app_verdict = sandbox.app_limits.check(token.grant.client_id)
    headers = {"X-AppMinLimit-Remaining": str(app_verdict.minute_remaining or 0)}
    if not app_verdict.allowed:
        headers["Retry-After"] = sandbox.retry_after(app_verdict.retry_after)
        headers["X-Rate-Limit-Problem"] = "appminute"
        raise Refused(429, "Too Many Requests", "App minute limit", headers=headers)
    verdict = sandbox.limiter.check(tenant)
    if verdict.minute_remaining is not None:
        headers["X-MinLimit-Remaining"] = str(verdict.minute_remaining)
    if verdict.day_remaining is not None:
        headers["X-DayLimit-Remaining"] = str(verdict.day_remaining)
    if not verdict.allowed:
        problem = {"minute": "minute", "day": "day", "concurrency": "concurrent"}[verdict.scope or "minute"]
        refused = {
            **headers,
            "Retry-After": sandbox.retry_after(verdict.retry_after),
            "X-Rate-Limit-Problem": problem,
        }
        raise Refused(429, "Too Many Requests", f"{problem} limit", headers=refused)
    return token, tenant, headers


async def _inject_faults(sandbox: XeroSandbox, tenant: str, headers: dict[str, str]) -> None:
    fault = await sandbox.faults.before_request(tenant)
    settings = sandbox.faults.settings_for(tenant)
    if fault is FaultKind.RATE_LIMITED:
        retry = (
            {"Retry-After": sandbox.retry_after(settings.retry_after or 1.0)}
            if settings.retry_after is not None
            else {}
        )
        refused = {**headers, **retry, "X-Rate-Limit-Problem": "minute"}
        raise Refused(429, "Too Many Requests", "minute limit", headers=refused)
    if fault is FaultKind.SERVER_ERROR:
        raise Refused(500, "Internal Server Error", "An error occurred", headers=headers)
    if fault is FaultKind.UNAVAILABLE:
        raise Refused(503, "Service Unavailable", "Xero is unavailable", headers=headers)
    if settings.subscription_lapsed:
        raise Refused(403, "Forbidden", "The organisation's subscription has lapsed", headers=headers)


async def api(request: Request) -> Response:
    """Every request under /api.xro/2.0: pass the gate, replay or run the handler, render the reply."""
    sandbox: XeroSandbox = request.app.state.sandbox
    path = "/" + str(request.path_params["path"]).strip("/")
    method = request.method
    try:
        token, tenant, limit_headers = _admit(sandbox, request)
        await _inject_faults(sandbox, tenant, limit_headers)
        resource = path.split("/")[1] if "/" in path else path
        resource = next((name for name in SCOPES if name.lower() == resource.lower()), resource)
        write = method in ("PUT", "POST", "DELETE")
        if not scope_allows(token.grant.scope, resource, write=write):
            raise Refused(403, "Forbidden", "AuthorizationUnsuccessful: missing scope", headers=limit_headers)
        raw = await request.body()
        if len(raw) > sandbox.config.max_body_bytes:
            detail = "The request is larger than 3.5 MB"
            raise Refused(413, "Request Entity Too Large", detail, headers=limit_headers)
    except Refused as refused:
        return out.refused_response(refused)

    key = request.headers.get("idempotency-key", "").strip()
    scope_key = (tenant, key)
    request_hash = body_hash([method, path, str(request.query_params), raw.decode(errors="replace")])
    if write and key:
        stored = sandbox.replies.lookup(scope_key, request_hash)
        if isinstance(stored, KeyConflict):
            body = out.validation_exception(
                [], message="This Idempotency-Key was already used for a different request."
            )
            return out.XeroJSON(body, status_code=400, headers=limit_headers)
        if stored is not None:
            return out.XeroJSON(
                stored.body, status_code=stored.status, headers={**limit_headers, **stored.headers}
            )

    with sandbox.limiter.in_flight(tenant):
        organisation = sandbox.state.organisations[tenant]
        reply = await _run(sandbox, request, token, organisation, raw, method, path)
    if write and key and reply.status < 500:
        sandbox.replies.store(scope_key, StoredReply(reply.status, reply.body, {}, request_hash))
    if write and reply.status < 400:
        request.app.state.webhooks.after_write(tenant, method, reply.body)
    headers = {**limit_headers, **reply.headers}
    if write and reply.status < 400 and sandbox.faults.drop_after_store(tenant):
        headers[DROP_REPLY_HEADER] = "1"
    return out.render(Reply(reply.status, reply.body, headers))


async def _run(
    sandbox: XeroSandbox,
    request: Request,
    token: AccessToken,
    organisation: Organisation,
    raw: bytes,
    method: str,
    path: str,
) -> Reply:
    """Find the route and run its handler; a refusal becomes Xero's reply (kept for replay like any)."""
    try:
        match = ROUTES.resolve(method, path)
        return await match.handler(Call(sandbox, request, token, organisation, match.params, raw))
    except NoRoute as miss:
        if miss.status == 405:
            return Reply(405, out.plain_error(405, "Method Not Allowed", f"{method} is not allowed here"))
        return Reply(
            404, out.plain_error(404, "Not Found", "The resource you're looking for cannot be found")
        )
    except BodyInvalid as error:
        return Reply(400, out.post_data_invalid(str(error)))
    except BadFilter as error:
        return Reply(400, out.validation_exception([], message=str(error)))
    except KeyError:
        return Reply(
            404, out.plain_error(404, "Not Found", "The resource you're looking for cannot be found")
        )


# --- reading ---------------------------------------------------------------------------------


def _list(
    call: Call,
    collection: str,
    items: list[Any],
    serialise: Callable[[Any], dict[str, Any]],
    *,
    paged: bool = True,
) -> Reply:
    config = call.sandbox.config
    records, extra = query.listing(
        call.request.query_params,
        items,
        serialise,
        paged=paged,
        default_page_size=config.default_page_size,
        max_page_size=config.max_page_size,
    )
    return Reply(200, out.envelope(collection, records, **extra))


def _since(call: Call) -> dt.datetime | None:
    return query.modified_since(call.request.headers.get("if-modified-since", ""))


def _ids(call: Call, name: str) -> set[str] | None:
    raw = call.request.query_params.get(name)
    return {part.strip().strip('"') for part in raw.split(",") if part.strip()} if raw else None


async def get_organisation(call: Call) -> Reply:
    return Reply(200, out.envelope("Organisations", [out.organisation_json(call.organisation)]))


async def get_accounts(call: Call) -> Reply:
    organisation = call.organisation
    if call.params.get("id"):
        account = organisation.accounts[call.params["id"]]
        return Reply(200, out.envelope("Accounts", [out.account_json(account)]))
    since = _since(call)
    records = [
        out.account_json(a) for a in organisation.accounts.values() if since is None or a.updated >= since
    ]
    return _list(call, "Accounts", records, lambda r: r, paged=False)


async def create_accounts(call: Call) -> Reply:
    organisation = call.organisation
    return _batch(
        call,
        "Accounts",
        _parse(call, "Accounts"),
        lambda model: out.account_json(organisation.create_account(model)),
    )


async def get_tax_rates(call: Call) -> Reply:
    records = [out.tax_rate_json(r) for r in call.organisation.tax_rates.values()]
    return _list(call, "TaxRates", records, lambda r: r, paged=False)


async def get_contacts(call: Call) -> Reply:
    organisation = call.organisation
    wanted = call.params.get("id")
    summary = call.flag("summaryOnly")
    if wanted:
        contact = organisation.contacts.get(wanted)
        if contact is None:
            found = organisation.contact_by_number.get(wanted)
            contact = organisation.contacts[found] if found else None
        if contact is None:
            raise KeyError(wanted)
        return Reply(200, out.envelope("Contacts", [out.contact_json(organisation, contact)]))
    ids = _ids(call, "IDs")
    since = _since(call)
    archived = call.flag("includeArchived")
    term = (call.request.query_params.get("searchTerm") or "").casefold()
    source: Iterable[Contact] = (
        [organisation.contacts[i] for i in ids if i in organisation.contacts]
        if ids
        else organisation.contacts.values()
    )
    by_name = query.equals(call.request.query_params.get("where", ""), "Name")
    if by_name is not None:  # narrow before serialising; the full filter still runs after
        source = [c for c in source if c.name.casefold() == by_name.casefold()]
    records = []
    for contact in source:
        if contact.status == "ARCHIVED" and not archived and not ids:
            continue
        if since is not None and contact.updated < since:
            continue
        if term and not any(
            term in v.casefold()
            for v in (contact.name, contact.first_name, contact.last_name, contact.number, contact.email)
        ):
            continue
        records.append(contact)
    return _list(call, "Contacts", records, lambda c: out.contact_json(organisation, c, summary=summary))


async def _get_documents(call: Call, *, credit: bool) -> Reply:
    organisation = call.organisation
    collection = "CreditNotes" if credit else "Invoices"
    wanted = call.params.get("id")
    if wanted:
        document = organisation.documents.get(wanted)
        if document is None:
            matches = list(organisation.documents_numbered([wanted], credit=credit))
            document = matches[0] if matches else None
        if document is None or document.is_credit != credit:
            raise KeyError(wanted)
        one = out.document_json(organisation, document, unit_places=call.unit_places)
        return Reply(200, out.envelope(collection, [one]))
    ids = _ids(call, "IDs")
    numbers = _ids(call, "InvoiceNumbers")
    contact_ids = _ids(call, "ContactIDs")
    statuses = _ids(call, "Statuses")
    since = _since(call)
    summary = call.flag("summaryOnly")
    if ids:
        source = [organisation.documents[i] for i in ids if i in organisation.documents]
    elif numbers and not credit:
        source = list(organisation.documents_numbered(numbers, credit=False))
    elif contact_ids:
        source = [
            organisation.documents[d]
            for c in contact_ids
            for d in organisation.documents_by_contact.get(c, ())
        ]
    else:
        number = query.equals(
            call.request.query_params.get("where", ""), "CreditNoteNumber" if credit else "InvoiceNumber"
        )
        source = (
            list(organisation.documents_numbered([number], credit=credit))
            if number is not None
            else list(organisation.documents_of(credit=credit))
        )
    records = []
    for document in source:
        if document.is_credit != credit:
            continue
        if contact_ids and document.contact_id not in contact_ids:
            continue
        if numbers and not credit and document.number not in numbers:
            continue
        if statuses and document.status not in statuses:
            continue
        if since is not None and document.updated < since:
            continue
        records.append(document)
    # a list carries line items only page by page: without `page` Xero leaves them out
    lines = bool(call.request.query_params.get("page"))
    return _list(
        call,
        collection,
        records,
        lambda d: out.document_json(
            organisation, d, summary=summary, lines=lines, unit_places=call.unit_places
        ),
    )


async def get_invoices(call: Call) -> Reply:
    return await _get_documents(call, credit=False)


async def get_credit_notes(call: Call) -> Reply:
    return await _get_documents(call, credit=True)


async def get_payments(call: Call) -> Reply:
    organisation = call.organisation
    if call.params.get("id"):
        payment = organisation.payments[call.params["id"]]
        return Reply(200, out.envelope("Payments", [out.payment_json(organisation, payment)]))
    since = _since(call)
    where = call.request.query_params.get("where", "")
    document_id = query.equals(where, "Invoice.InvoiceID") or query.equals(where, "CreditNote.CreditNoteID")
    records = [
        p
        for p in organisation.payments.values()
        if (since is None or p.updated >= since) and (document_id is None or p.document_id == document_id)
    ]
    return _list(call, "Payments", records, lambda p: out.payment_json(organisation, p))


async def get_bank_transactions(call: Call) -> Reply:
    organisation = call.organisation
    if call.params.get("id"):
        wanted = call.params["id"]
        found = next((o for o in organisation.overpayments.values() if o.bank_transaction_id == wanted), None)
        if found is None:
            raise KeyError(wanted)
        return Reply(200, out.envelope("BankTransactions", [out.bank_transaction_json(organisation, found)]))
    since = _since(call)
    records = [o for o in organisation.overpayments.values() if since is None or o.updated >= since]
    return _list(call, "BankTransactions", records, lambda o: out.bank_transaction_json(organisation, o))


async def get_overpayments(call: Call) -> Reply:
    organisation = call.organisation
    if call.params.get("id"):
        found = organisation.overpayments[call.params["id"]]
        return Reply(200, out.envelope("Overpayments", [out.overpayment_json(organisation, found)]))
    since = _since(call)
    records = [o for o in organisation.overpayments.values() if since is None or o.updated >= since]
    return _list(call, "Overpayments", records, lambda o: out.overpayment_json(organisation, o))


async def save_bank_transactions(call: Call) -> Reply:
    organisation = call.organisation
    elements = _parse(call, "BankTransactions")

    def apply(model: bodies.BankTransactionBody) -> dict[str, Any]:
        return out.bank_transaction_json(organisation, organisation.add_overpayment(model))

    return _batch(call, "BankTransactions", elements, apply)


async def get_batch_payments(call: Call) -> Reply:
    organisation = call.organisation
    records = [out.batch_payment_json(organisation, b) for b in organisation.batch_payments.values()]
    return _list(call, "BatchPayments", records, lambda r: r, paged=False)


# --- writing ---------------------------------------------------------------------------------


def _batch(
    call: Call,
    collection: str,
    elements: list[tuple[dict[str, Any], Any]],
    apply: Callable[[Any], dict[str, Any]],
    *,
    reply_collection: str | None = None,
) -> Reply:
    """Apply each element on its own; answer per element or with the summarised 400 (still applied)."""
    results: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for sent, model in elements:
        try:
            result = apply(model)
            result["StatusAttributeString"] = "OK"
            results.append(result)
        except Invalid as error:
            element = out.failed_element(collection, sent, error.messages)
            results.append(element)
            failed.append(element)
    summarize_raw = call.request.query_params.get("summarizeErrors")
    summarize = (
        call.sandbox.config.summarize_errors_default
        if summarize_raw is None
        else summarize_raw.lower() != "false"
    )
    if failed and summarize:
        return Reply(400, out.validation_exception(failed))
    return Reply(200, out.envelope(reply_collection or collection, results))


def _parse(call: Call, collection: str) -> list[tuple[dict[str, Any], Any]]:
    return bodies.parse_collection(bodies.decode(call.raw), collection)


async def save_contacts(call: Call) -> Reply:
    organisation = call.organisation
    create_only = call.request.method == "PUT"
    elements = _parse(call, "Contacts")
    if call.params.get("id"):
        wanted = call.params["id"]
        if wanted not in organisation.contacts:  # Xero also takes the ContactNumber in the path
            wanted = organisation.contact_by_number.get(wanted, wanted)
        elements = [(sent, model.model_copy(update={"ContactID": wanted})) for sent, model in elements]

    def apply(model: bodies.ContactBody) -> dict[str, Any]:
        contact, _ = organisation.save_contact(model, create_only=create_only)
        return out.contact_json(organisation, contact)

    return _batch(call, "Contacts", elements, apply)


async def _save_documents(call: Call, *, credit: bool) -> Reply:
    organisation = call.organisation
    collection = "CreditNotes" if credit else "Invoices"
    create_only = call.request.method == "PUT"
    elements = _parse(call, collection)
    if call.params.get("id"):
        id_key = "CreditNoteID" if credit else "InvoiceID"
        elements = [(sent, model.model_copy(update={id_key: call.params["id"]})) for sent, model in elements]

    def apply(model: Any) -> dict[str, Any]:
        document, _ = organisation.save_document(
            model, create_only=create_only, credit=credit, unit_places=call.unit_places
        )
        return out.document_json(organisation, document, unit_places=call.unit_places)

    return _batch(call, collection, elements, apply)


async def save_invoices(call: Call) -> Reply:
    return await _save_documents(call, credit=False)


async def save_credit_notes(call: Call) -> Reply:
    return await _save_documents(call, credit=True)


async def save_payments(call: Call) -> Reply:
    organisation = call.organisation
    elements = _parse(call, "Payments")

    def apply(model: bodies.PaymentBody) -> dict[str, Any]:
        return out.payment_json(organisation, organisation.add_payment(model))

    return _batch(call, "Payments", elements, apply)


async def change_payment(call: Call) -> Reply:
    organisation = call.organisation
    elements = _parse(call, "Payments")
    payment_id = call.params["id"]
    if payment_id not in organisation.payments:
        raise KeyError(payment_id)

    def apply(model: bodies.PaymentBody) -> dict[str, Any]:
        if model.Status != "DELETED":
            raise Invalid("Only the Status of a payment can be changed, to DELETED.")
        return out.payment_json(organisation, organisation.delete_payment(payment_id))

    return _batch(call, "Payments", elements, apply)


async def save_batch_payments(call: Call) -> Reply:
    organisation = call.organisation
    elements = _parse(call, "BatchPayments")

    def apply(model: bodies.BatchPaymentBody) -> dict[str, Any]:
        return out.batch_payment_json(organisation, organisation.add_batch_payment(model))

    return _batch(call, "BatchPayments", elements, apply)


async def allocate(call: Call) -> Reply:
    organisation = call.organisation
    credit_note_id = call.params["id"]
    credit = organisation.documents.get(credit_note_id)
    if credit is None or not credit.is_credit:
        raise KeyError(credit_note_id)
    elements = _parse(call, "Allocations")

    def apply(model: bodies.AllocationBody) -> dict[str, Any]:
        return out.allocation_json(organisation, organisation.allocate_credit(credit_note_id, model))

    return _batch(call, "Allocations", elements, apply)


async def delete_allocation(call: Call) -> Reply:
    allocation = call.organisation.delete_allocation(call.params["id"], call.params["allocation"])
    return Reply(
        200,
        out.envelope(
            "Allocations", [{**out.allocation_json(call.organisation, allocation), "IsDeleted": True}]
        ),
    )


# --- wiring ----------------------------------------------------------------------------------------

ROUTES: ApiRouter[Handler] = ApiRouter(
    [
        route("GET", "/Organisation", get_organisation),
        route("GET", "/Accounts", get_accounts),
        route("PUT", "/Accounts", create_accounts),
        route("GET", "/Accounts/{id}", get_accounts),
        route("GET", "/TaxRates", get_tax_rates),
        route("GET", "/Contacts", get_contacts),
        route("PUT POST", "/Contacts", save_contacts),
        route("GET", "/Contacts/{id}", get_contacts),
        route("POST", "/Contacts/{id}", save_contacts),
        route("GET", "/Invoices", get_invoices),
        route("PUT POST", "/Invoices", save_invoices),
        route("GET", "/Invoices/{id}", get_invoices),
        route("POST", "/Invoices/{id}", save_invoices),
        route("GET", "/CreditNotes", get_credit_notes),
        route("PUT POST", "/CreditNotes", save_credit_notes),
        route("PUT", "/CreditNotes/{id}/Allocations", allocate),
        route("DELETE", "/CreditNotes/{id}/Allocations/{allocation}", delete_allocation),
        route("GET", "/CreditNotes/{id}", get_credit_notes),
        route("POST", "/CreditNotes/{id}", save_credit_notes),
        route("GET", "/Payments", get_payments),
        route("PUT POST", "/Payments", save_payments),
        route("GET", "/Payments/{id}", get_payments),
        route("POST", "/Payments/{id}", change_payment),
        route("GET", "/BatchPayments", get_batch_payments),
        route("GET", "/BankTransactions", get_bank_transactions),
        route("PUT POST", "/BankTransactions", save_bank_transactions),
        route("GET", "/BankTransactions/{id}", get_bank_transactions),
        route("GET", "/Overpayments", get_overpayments),
        route("GET", "/Overpayments/{id}", get_overpayments),
        route("PUT", "/BatchPayments", save_batch_payments),
    ],
    case_sensitive=False,  # Xero's paths are
)


def create_app(config: XeroSandboxConfig | None = None) -> Starlette:
    """A fresh Xero sandbox app (no organisations yet: seed one through /_sandbox/seed).

    Without a config, the environment's `LEDGERLINK_XERO_SANDBOX_*` settings apply.
    """
    sandbox = XeroSandbox(config or XeroSandboxConfig.from_env())
    webhooks = WebhookSender()
    routes = [
        *identity_routes(sandbox),
        Route(API + "/{path:path}", api, methods=["GET", "PUT", "POST", "DELETE"]),
        *admin_routes(sandbox),
        person_route(sandbox, api_prefix=API, business_header="xero-tenant-id"),
        *webhook_routes(webhooks),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(DropReplyMiddleware)])
    app.state.sandbox = sandbox
    app.state.webhooks = webhooks
    return app


__all__ = ["API", "ROUTES", "XeroSandbox", "XeroSandboxConfig", "api", "create_app"]
