"""The Xero sandbox's HTTP face: Xero's identity endpoints, /connections and the Accounting API.

Every API call goes through the same gate as at Xero: a live bearer token, an `xero-tenant-id` the
token may reach (403 otherwise), the scope the operation needs, the app's and the tenant's rate limits
(429 with Retry-After and X-Rate-Limit-Problem; the X-*Limit-Remaining headers on every reply), injected
faults, the 3.5 MB body cap, and Idempotency-Key replay. The records and their rules live in models.py.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import os
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ledgerlink.sandbox.kit import (
    DROP_REPLY_HEADER,
    AdminError,
    AdminHooks,
    Clock,
    DropReplyMiddleware,
    FaultKind,
    Faults,
    IdempotencyStore,
    KeyConflict,
    OAuthConfig,
    OAuthError,
    OAuthServer,
    RateLimitConfig,
    SlidingWindowLimiter,
    StoredReply,
    admin_routes,
    body_hash,
    consent_routes,
)
from ledgerlink.sandbox.kit.oauth import AccessToken
from ledgerlink.sandbox.xero import bodies, query
from ledgerlink.sandbox.xero import responses as out
from ledgerlink.sandbox.xero.models import Connection, Contact, Invalid, Organisation, XeroState

API = "/api.xro/2.0"
MAX_BODY_BYTES = 3_500_000


@dataclass(frozen=True)
class XeroSandboxConfig:
    """Xero's published limits by default; tests and benchmarks scale or tighten them."""

    minute_limit: int | None = 60
    day_limit: int | None = 5000
    concurrency: int | None = 5
    app_minute_limit: int | None = 10_000
    time_scale: float = 1.0  # >1 runs the limits' windows faster (a minute lasts 60/time_scale s)
    access_lifetime: float = 1800.0
    refresh_lifetime: float = 60 * 86400.0  # unused for 60 days: gone (each rotation starts it again)
    refresh_grace: float = 1800.0
    max_body_bytes: int = MAX_BODY_BYTES
    idempotency_conflict: Literal["replay", "refuse"] = "replay"
    summarize_errors_default: bool = True  # Xero's server default is the summarised 400
    default_page_size: int = 100
    max_page_size: int = 1000
    fault_seed: int = 0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> XeroSandboxConfig:
        """Defaults, overridden by `LEDGERLINK_XERO_SANDBOX_<FIELD>` (e.g. `..._TIME_SCALE=60`, `..._DAY_LIMIT=1000`)."""
        source = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for item in fields(cls):
            raw = source.get(f"LEDGERLINK_XERO_SANDBOX_{item.name.upper()}")
            if raw is None:
                continue
            default = getattr(cls(), item.name)
            if raw.strip().lower() in ("", "none", "off") and item.name.endswith("limit"):
                values[item.name] = None
            elif isinstance(default, bool):
                values[item.name] = raw.strip().lower() in ("1", "true", "yes")
            elif isinstance(default, float):
                values[item.name] = float(raw)
            elif isinstance(default, int) or default is None:
                values[item.name] = int(raw)
            else:
                values[item.name] = raw.strip()
        return cls(**values)


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[["Call"], Awaitable[Reply]]


@dataclass
class Call:
    """One authorised API request, as the handlers see it."""

    request: Request
    organisation: Organisation
    params: dict[str, str]
    raw: bytes

    def flag(self, name: str, default: bool = False) -> bool:
        value = self.request.query_params.get(name)
        return default if value is None else value.strip().lower() == "true"


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


class XeroSandbox:
    """The whole sandbox: organisations, authorisation server, limits, faults and stored replies."""

    def __init__(self, config: XeroSandboxConfig | None = None, *, clock: Clock = time.time) -> None:
        self.config = config or XeroSandboxConfig()
        self.clock = clock
        self.state = XeroState(clock=lambda: dt.datetime.fromtimestamp(self.clock(), dt.UTC))
        self.oauth = OAuthServer(
            config=OAuthConfig(
                access_lifetime=self.config.access_lifetime,
                refresh_lifetime=self.config.refresh_lifetime,
                refresh_grace=self.config.refresh_grace,
            ),
            clock=clock,
        )
        self.faults = Faults(seed=self.config.fault_seed)
        self.idempotency = IdempotencyStore(on_conflict=self.config.idempotency_conflict)
        scaled: Clock = lambda: self.clock() * self.config.time_scale  # noqa: E731
        self.tenant_limits = SlidingWindowLimiter(
            RateLimitConfig(
                per_minute=self.config.minute_limit,
                per_day=self.config.day_limit,
                concurrency=self.config.concurrency,
            ),
            clock=scaled,
        )
        self.app_limits = SlidingWindowLimiter(
            RateLimitConfig(per_minute=self.config.app_minute_limit), clock=scaled
        )
        self.app = self._build()

    # --- admin -----------------------------------------------------------------------------------

    def seed(self, payload: dict[str, Any]) -> str:
        organisation = self.state.seed(
            str(payload.get("name") or "Demo Company (UK)"), organisation_id=payload.get("id") or None
        )
        settings = organisation.settings
        if payload.get("authorised_documents_per_month") is not None:
            settings.authorised_documents_per_month = int(payload["authorised_documents_per_month"])
        if payload.get("period_lock_date"):
            settings.period_lock_date = bodies.parse_date(str(payload["period_lock_date"]))
        if payload.get("put_with_existing_id") in ("refuse", "update"):
            settings.put_with_existing_id = payload["put_with_existing_id"]
        for raw in payload.get("contacts", []):
            contact = bodies.ContactBody.model_validate(raw if isinstance(raw, dict) else {"Name": str(raw)})
            organisation.save_contact(contact, create_only=True)
        return organisation.id

    def businesses(self) -> list[dict[str, Any]]:
        return [{"id": o.id, "name": o.name, "counts": o.counts()} for o in self.state.organisations.values()]

    def change_account(self, organisation_id: str, key: str, status: str) -> dict[str, Any]:
        """Archive, restore or delete an account, as a person does in Xero's chart of accounts.

        Xero deletes only accounts without transactions; one with transactions can only be archived.
        """
        organisation = self.organisation(organisation_id)
        account = organisation.account_by(account_id=key) or organisation.account_by(code=key)
        if account is None:
            raise AdminError(f"no account {key!r} in {organisation.name}", status=404)
        if status == "deleted":
            used = any(
                line.account_code == account.code
                for document in organisation.documents.values()
                for line in document.lines
            ) or any(payment.account_id == account.id for payment in organisation.payments.values())
            if used or account.system_account:
                raise AdminError(
                    f"{account.code} {account.name} has transactions: archive it instead", status=409
                )
            del organisation.accounts[account.id]
            organisation.account_by_code.pop(account.code, None)
        else:
            account.status = "ACTIVE" if status == "active" else "ARCHIVED"
            account.updated = organisation.clock()
        return {"id": account.id, "code": account.code, "name": account.name, "status": status}

    def reset(self) -> None:
        self.state.reset()
        self.idempotency.reset()
        self.tenant_limits.reset()
        self.app_limits.reset()

    def organisation(self, organisation_id: str) -> Organisation:
        return self.state.organisations[organisation_id]

    # --- identity --------------------------------------------------------------------------------

    async def token(self, request: Request) -> Response:
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
            reply = self.oauth.token(form)
        except OAuthError as error:
            return error.response()
        scopes = str(reply.get("scope", "")).split()
        body: dict[str, Any] = {
            "access_token": reply["access_token"],
            "expires_in": int(self.config.access_lifetime),
            "token_type": "Bearer",
            "scope": " ".join(scopes),
        }
        if "offline_access" in scopes:  # without it Xero issues no refresh token at all
            body["refresh_token"] = reply["refresh_token"]
        if "openid" in scopes:
            body["id_token"] = base64.urlsafe_b64encode(
                json.dumps({"sub": str(uuid.uuid4())}).encode()
            ).decode()
        return JSONResponse(body)

    async def revocation(self, request: Request) -> Response:
        form = {key: str(value) for key, value in (await request.form()).items()}
        token = form.get("token", "")
        if not token:
            return OAuthError("invalid_request", "token is required").response()
        grant = self.oauth.revoke(token)
        if grant is not None:
            for tenant in grant.business_ids:
                self.state.connections[(grant.client_id, grant.user)].pop(tenant, None)
        return Response(status_code=200)

    def _token(self, request: Request) -> AccessToken | None:
        return self.oauth.authenticate(request.headers.get("authorization", ""))

    def _connections_of(self, token: AccessToken) -> dict[str, Connection]:
        """The tenants this token reaches, created on first sight after each consent."""
        who = (token.grant.client_id, token.grant.user)
        connections = self.state.connections[who]
        now = self.state.clock()
        for tenant in token.grant.business_ids:
            gone = self.state.disconnected_at.get((*who, tenant))
            if tenant in connections or tenant not in self.state.organisations:
                continue
            if gone is not None and token.issued_at <= gone:
                continue
            connections[tenant] = Connection(
                str(uuid.uuid4()), tenant, str(uuid.uuid5(uuid.NAMESPACE_URL, repr(token.grant))), now
            )
        return connections

    async def connections(self, request: Request) -> Response:
        token = self._token(request)
        if token is None:
            return out.XeroJSON(
                out.plain_error(401, "Unauthorized", "AuthenticationUnsuccessful"), status_code=401
            )
        verdict = self.app_limits.check(token.grant.client_id)
        headers = {"X-AppMinLimit-Remaining": str(verdict.minute_remaining or 0)}
        if request.method == "DELETE":
            connection_id = request.path_params["connection_id"]
            connections = self._connections_of(token)
            tenant = next((t for t, c in connections.items() if c.id == connection_id), None)
            if tenant is None:
                return Response(status_code=404, headers=headers)
            del connections[tenant]
            self.state.disconnected_at[(token.grant.client_id, token.grant.user, tenant)] = self.clock()
            return Response(status_code=204, headers=headers)
        wanted_event = request.query_params.get("authEventId")
        items = [
            {
                "id": c.id,
                "authEventId": c.auth_event_id,
                "tenantId": c.tenant_id,
                "tenantType": "ORGANISATION",
                "tenantName": self.state.organisations[c.tenant_id].name,
                "createdDateUtc": out.iso(c.created),
                "updatedDateUtc": out.iso(c.created),
            }
            for c in self._connections_of(token).values()
            if c.tenant_id in self.state.organisations
            and (not wanted_event or c.auth_event_id == wanted_event)
        ]
        return out.XeroJSON(items, headers=headers)

    def _reconnect_on_consent(
        self, endpoint: Callable[[Request], Awaitable[Response]]
    ) -> Callable[[Request], Awaitable[Response]]:
        """A new consent brings back the organisations a user had disconnected."""

        async def run(request: Request) -> Response:
            response = await endpoint(request)
            if response.status_code == 302 and "code=" in response.headers.get("location", ""):
                form = await request.form()
                who = (str(form.get("client_id", "")), str(form.get("user", "")) or "sandbox user")
                for tenant in form.getlist("business"):
                    self.state.disconnected_at.pop((*who, str(tenant)), None)
                    self.state.connections[who].pop(str(tenant), None)
            return response

        return run

    # --- the API gate ----------------------------------------------------------------------------

    def _retry_after(self, seconds: float) -> str:
        real = seconds / self.config.time_scale
        return str(max(1, math.ceil(real))) if self.config.time_scale == 1 else f"{max(real, 0.001):.3f}"

    async def api(self, request: Request) -> Response:
        path = "/" + request.path_params["path"].strip("/")
        token = self._token(request)
        if token is None:
            return out.XeroJSON(
                out.plain_error(401, "Unauthorized", "AuthenticationUnsuccessful"), status_code=401
            )
        tenant = request.headers.get("xero-tenant-id", "").strip()
        if not tenant or tenant not in self._connections_of(token) or tenant not in self.state.organisations:
            return out.XeroJSON(
                out.plain_error(403, "Forbidden", "AuthenticationUnsuccessful"), status_code=403
            )
        app_verdict = self.app_limits.check(token.grant.client_id)
        limit_headers = {"X-AppMinLimit-Remaining": str(app_verdict.minute_remaining or 0)}
        if not app_verdict.allowed:
            limit_headers.update(
                {
                    "Retry-After": self._retry_after(app_verdict.retry_after),
                    "X-Rate-Limit-Problem": "appminute",
                }
            )
            return out.XeroJSON(
                out.plain_error(429, "Too Many Requests", "App minute limit"),
                status_code=429,
                headers=limit_headers,
            )
        verdict = self.tenant_limits.check(tenant)
        if verdict.minute_remaining is not None:
            limit_headers["X-MinLimit-Remaining"] = str(verdict.minute_remaining)
        if verdict.day_remaining is not None:
            limit_headers["X-DayLimit-Remaining"] = str(verdict.day_remaining)
        if not verdict.allowed:
            problem = {"minute": "minute", "day": "day", "concurrency": "concurrent"}[
                verdict.scope or "minute"
            ]
            limit_headers.update(
                {"Retry-After": self._retry_after(verdict.retry_after), "X-Rate-Limit-Problem": problem}
            )
            return out.XeroJSON(
                out.plain_error(429, "Too Many Requests", f"{problem} limit"),
                status_code=429,
                headers=limit_headers,
            )
        fault = await self.faults.before_request(tenant)
        settings = self.faults.settings_for(tenant)
        if fault is FaultKind.RATE_LIMITED:
            retry = (
                {"Retry-After": self._retry_after(settings.retry_after or 1.0)}
                if settings.retry_after is not None
                else {}
            )
            return out.XeroJSON(
                out.plain_error(429, "Too Many Requests", "minute limit"),
                status_code=429,
                headers={**limit_headers, **retry, "X-Rate-Limit-Problem": "minute"},
            )
        if fault is FaultKind.SERVER_ERROR:
            return out.XeroJSON(
                out.plain_error(500, "Internal Server Error", "An error occurred"),
                status_code=500,
                headers=limit_headers,
            )
        if fault is FaultKind.UNAVAILABLE:
            return out.XeroJSON(
                out.plain_error(503, "Service Unavailable", "Xero is unavailable"),
                status_code=503,
                headers=limit_headers,
            )
        if settings.subscription_lapsed:
            return out.XeroJSON(
                out.plain_error(403, "Forbidden", "The organisation's subscription has lapsed"),
                status_code=403,
                headers=limit_headers,
            )

        method = request.method
        resource = path.split("/")[1] if "/" in path else path
        resource = next((name for name in SCOPES if name.lower() == resource.lower()), resource)
        write = method in ("PUT", "POST", "DELETE")
        if not scope_allows(token.grant.scope, resource, write=write):
            return out.XeroJSON(
                out.plain_error(403, "Forbidden", "AuthorizationUnsuccessful: missing scope"),
                status_code=403,
                headers=limit_headers,
            )
        raw = await request.body()
        if len(raw) > self.config.max_body_bytes:
            return out.XeroJSON(
                out.plain_error(413, "Request Entity Too Large", "The request is larger than 3.5 MB"),
                status_code=413,
                headers=limit_headers,
            )

        key = request.headers.get("idempotency-key", "").strip()
        scope_key = (tenant, key)
        request_hash = body_hash([method, path, str(request.query_params), raw.decode(errors="replace")])
        if write and key:
            stored = self.idempotency.lookup(scope_key, request_hash)
            if isinstance(stored, KeyConflict):
                body = out.validation_exception(
                    [], message="This Idempotency-Key was already used for a different request."
                )
                return out.XeroJSON(body, status_code=400, headers=limit_headers)
            if stored is not None:
                return out.XeroJSON(
                    stored.body, status_code=stored.status, headers={**limit_headers, **stored.headers}
                )

        with self.tenant_limits.in_flight(tenant):
            reply = await self._dispatch(
                Call(request, self.state.organisations[tenant], dict(request.path_params), raw), method, path
            )
        if write and key and reply.status < 500:
            self.idempotency.store(scope_key, StoredReply(reply.status, reply.body, {}, request_hash))
        headers = {**limit_headers, **reply.headers}
        if write and reply.status < 400 and self.faults.drop_after_store(tenant):
            headers[DROP_REPLY_HEADER] = "1"
        if reply.body is None:
            return Response(status_code=reply.status, headers=headers)
        return out.XeroJSON(reply.body, status_code=reply.status, headers=headers)

    async def _dispatch(self, call: Call, method: str, path: str) -> Reply:
        for pattern, methods, handler in self._table:
            match = pattern.match(path)
            if match and method in methods:
                call.params.update(match.groupdict())
                try:
                    return await handler(call)
                except bodies.BodyInvalid as error:
                    return Reply(400, out.post_data_invalid(str(error)))
                except query.BadFilter as error:
                    return Reply(400, out.validation_exception([], message=str(error)))
                except KeyError:
                    return Reply(
                        404,
                        out.plain_error(404, "Not Found", "The resource you're looking for cannot be found"),
                    )
        if any(pattern.match(path) for pattern, _, _ in self._table):
            return Reply(405, out.plain_error(405, "Method Not Allowed", f"{method} is not allowed here"))
        return Reply(
            404, out.plain_error(404, "Not Found", "The resource you're looking for cannot be found")
        )

    # --- reading ---------------------------------------------------------------------------------

    def _list(
        self,
        call: Call,
        collection: str,
        items: list[Any],
        serialise: Callable[[Any], dict[str, Any]],
        *,
        paged: bool = True,
    ) -> Reply:
        """Filter, order and page; without `where` or `order` only the page asked for is serialised."""
        params = call.request.query_params
        where, order = params.get("where"), params.get("order")
        records: list[Any] = items
        serialised = False
        if where or order:
            records, serialised = [serialise(item) for item in items], True
        if where:
            predicate = query.where(where)
            records = [r for r in records if predicate(r)]
        if order:
            field_name, _, direction = order.strip().partition(" ")
            records.sort(key=lambda r: str(r.get(field_name, "")), reverse=direction.upper() == "DESC")
        extra: dict[str, Any] = {}
        if paged and params.get("page"):
            try:
                page = max(int(params["page"]), 1)
                size = min(
                    max(int(params.get("pageSize") or self.config.default_page_size), 1),
                    self.config.max_page_size,
                )
            except ValueError as error:
                raise bodies.BodyInvalid("page and pageSize must be whole numbers") from error
            records, pagination = query.page_of(records, page, size)
            extra["pagination"] = pagination
        if not serialised:
            records = [serialise(item) for item in records]
        return Reply(200, out.envelope(collection, records, **extra))

    def _since(self, call: Call) -> dt.datetime | None:
        return query.modified_since(call.request.headers.get("if-modified-since", ""))

    @staticmethod
    def _ids(call: Call, name: str) -> set[str] | None:
        raw = call.request.query_params.get(name)
        return {part.strip().strip('"') for part in raw.split(",") if part.strip()} if raw else None

    async def get_organisation(self, call: Call) -> Reply:
        return Reply(200, out.envelope("Organisations", [out.organisation_json(call.organisation)]))

    async def get_accounts(self, call: Call) -> Reply:
        organisation = call.organisation
        if call.params.get("id"):
            account = organisation.accounts[call.params["id"]]
            return Reply(200, out.envelope("Accounts", [out.account_json(account)]))
        since = self._since(call)
        records = [
            out.account_json(a) for a in organisation.accounts.values() if since is None or a.updated >= since
        ]
        return self._list(call, "Accounts", records, lambda r: r, paged=False)

    async def get_tax_rates(self, call: Call) -> Reply:
        records = [out.tax_rate_json(r) for r in call.organisation.tax_rates.values()]
        return self._list(call, "TaxRates", records, lambda r: r, paged=False)

    async def get_contacts(self, call: Call) -> Reply:
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
        ids = self._ids(call, "IDs")
        since = self._since(call)
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
        return self._list(
            call, "Contacts", records, lambda c: out.contact_json(organisation, c, summary=summary)
        )

    async def _get_documents(self, call: Call, *, credit: bool) -> Reply:
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
            return Reply(200, out.envelope(collection, [out.document_json(organisation, document)]))
        ids = self._ids(call, "IDs")
        numbers = self._ids(call, "InvoiceNumbers")
        contact_ids = self._ids(call, "ContactIDs")
        statuses = self._ids(call, "Statuses")
        since = self._since(call)
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
        return self._list(
            call, collection, records, lambda d: out.document_json(organisation, d, summary=summary)
        )

    async def get_invoices(self, call: Call) -> Reply:
        return await self._get_documents(call, credit=False)

    async def get_credit_notes(self, call: Call) -> Reply:
        return await self._get_documents(call, credit=True)

    async def get_payments(self, call: Call) -> Reply:
        organisation = call.organisation
        if call.params.get("id"):
            payment = organisation.payments[call.params["id"]]
            return Reply(200, out.envelope("Payments", [out.payment_json(organisation, payment)]))
        since = self._since(call)
        where = call.request.query_params.get("where", "")
        document_id = query.equals(where, "Invoice.InvoiceID") or query.equals(
            where, "CreditNote.CreditNoteID"
        )
        records = [
            p
            for p in organisation.payments.values()
            if (since is None or p.updated >= since) and (document_id is None or p.document_id == document_id)
        ]
        return self._list(call, "Payments", records, lambda p: out.payment_json(organisation, p))

    async def get_bank_transactions(self, call: Call) -> Reply:
        organisation = call.organisation
        if call.params.get("id"):
            wanted = call.params["id"]
            found = next(
                (o for o in organisation.overpayments.values() if o.bank_transaction_id == wanted), None
            )
            if found is None:
                raise KeyError(wanted)
            return Reply(
                200, out.envelope("BankTransactions", [out.bank_transaction_json(organisation, found)])
            )
        since = self._since(call)
        records = [o for o in organisation.overpayments.values() if since is None or o.updated >= since]
        return self._list(
            call, "BankTransactions", records, lambda o: out.bank_transaction_json(organisation, o)
        )

    async def get_overpayments(self, call: Call) -> Reply:
        organisation = call.organisation
        if call.params.get("id"):
            found = organisation.overpayments[call.params["id"]]
            return Reply(200, out.envelope("Overpayments", [out.overpayment_json(organisation, found)]))
        since = self._since(call)
        records = [o for o in organisation.overpayments.values() if since is None or o.updated >= since]
        return self._list(call, "Overpayments", records, lambda o: out.overpayment_json(organisation, o))

    async def save_bank_transactions(self, call: Call) -> Reply:
        organisation = call.organisation
        elements = self._parse(call, "BankTransactions")

        def apply(model: bodies.BankTransactionBody) -> dict[str, Any]:
            return out.bank_transaction_json(organisation, organisation.add_overpayment(model))

        return self._batch(call, "BankTransactions", elements, apply)

    async def get_batch_payments(self, call: Call) -> Reply:
        organisation = call.organisation
        records = [out.batch_payment_json(organisation, b) for b in organisation.batch_payments.values()]
        return self._list(call, "BatchPayments", records, lambda r: r, paged=False)

    # --- writing ---------------------------------------------------------------------------------

    def _batch(
        self,
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
            self.config.summarize_errors_default
            if summarize_raw is None
            else summarize_raw.lower() != "false"
        )
        if failed and summarize:
            return Reply(400, out.validation_exception(failed))
        return Reply(200, out.envelope(reply_collection or collection, results))

    def _parse(self, call: Call, collection: str) -> list[tuple[dict[str, Any], Any]]:
        return bodies.parse_collection(bodies.decode(call.raw), collection)

    async def save_contacts(self, call: Call) -> Reply:
        organisation = call.organisation
        create_only = call.request.method == "PUT"
        elements = self._parse(call, "Contacts")
        if call.params.get("id"):
            wanted = call.params["id"]
            if wanted not in organisation.contacts:  # Xero also takes the ContactNumber in the path
                wanted = organisation.contact_by_number.get(wanted, wanted)
            elements = [(sent, model.model_copy(update={"ContactID": wanted})) for sent, model in elements]

        def apply(model: bodies.ContactBody) -> dict[str, Any]:
            contact, _ = organisation.save_contact(model, create_only=create_only)
            return out.contact_json(organisation, contact)

        return self._batch(call, "Contacts", elements, apply)

    async def _save_documents(self, call: Call, *, credit: bool) -> Reply:
        organisation = call.organisation
        collection = "CreditNotes" if credit else "Invoices"
        create_only = call.request.method == "PUT"
        elements = self._parse(call, collection)
        if call.params.get("id"):
            id_key = "CreditNoteID" if credit else "InvoiceID"
            elements = [
                (sent, model.model_copy(update={id_key: call.params["id"]})) for sent, model in elements
            ]

        def apply(model: Any) -> dict[str, Any]:
            document, _ = organisation.save_document(model, create_only=create_only, credit=credit)
            return out.document_json(organisation, document)

        return self._batch(call, collection, elements, apply)

    async def save_invoices(self, call: Call) -> Reply:
        return await self._save_documents(call, credit=False)

    async def save_credit_notes(self, call: Call) -> Reply:
        return await self._save_documents(call, credit=True)

    async def save_payments(self, call: Call) -> Reply:
        organisation = call.organisation
        elements = self._parse(call, "Payments")

        def apply(model: bodies.PaymentBody) -> dict[str, Any]:
            return out.payment_json(organisation, organisation.add_payment(model))

        return self._batch(call, "Payments", elements, apply)

    async def change_payment(self, call: Call) -> Reply:
        organisation = call.organisation
        elements = self._parse(call, "Payments")
        payment_id = call.params["id"]
        if payment_id not in organisation.payments:
            raise KeyError(payment_id)

        def apply(model: bodies.PaymentBody) -> dict[str, Any]:
            if model.Status != "DELETED":
                raise Invalid("Only the Status of a payment can be changed, to DELETED.")
            return out.payment_json(organisation, organisation.delete_payment(payment_id))

        return self._batch(call, "Payments", elements, apply)

    async def save_batch_payments(self, call: Call) -> Reply:
        organisation = call.organisation
        elements = self._parse(call, "BatchPayments")

        def apply(model: bodies.BatchPaymentBody) -> dict[str, Any]:
            return out.batch_payment_json(organisation, organisation.add_batch_payment(model))

        return self._batch(call, "BatchPayments", elements, apply)

    async def allocate(self, call: Call) -> Reply:
        organisation = call.organisation
        credit_note_id = call.params["id"]
        credit = organisation.documents.get(credit_note_id)
        if credit is None or not credit.is_credit:
            raise KeyError(credit_note_id)
        elements = self._parse(call, "Allocations")

        def apply(model: bodies.AllocationBody) -> dict[str, Any]:
            return out.allocation_json(organisation, organisation.allocate_credit(credit_note_id, model))

        return self._batch(call, "Allocations", elements, apply)

    async def delete_allocation(self, call: Call) -> Reply:
        allocation = call.organisation.delete_allocation(call.params["id"], call.params["allocation"])
        return Reply(
            200,
            out.envelope(
                "Allocations", [{**out.allocation_json(call.organisation, allocation), "IsDeleted": True}]
            ),
        )

    # --- wiring ----------------------------------------------------------------------------------

    def _routes_table(self) -> list[tuple[re.Pattern[str], frozenset[str], Handler]]:
        def r(pattern: str) -> re.Pattern[str]:
            return re.compile(f"^{pattern}$", re.IGNORECASE)

        read, write = frozenset({"GET"}), frozenset({"PUT", "POST"})
        return [
            (r("/Organisation"), read, self.get_organisation),
            (r("/Accounts"), read, self.get_accounts),
            (r("/Accounts/(?P<id>[^/]+)"), read, self.get_accounts),
            (r("/TaxRates"), read, self.get_tax_rates),
            (r("/Contacts"), read, self.get_contacts),
            (r("/Contacts"), write, self.save_contacts),
            (r("/Contacts/(?P<id>[^/]+)"), read, self.get_contacts),
            (r("/Contacts/(?P<id>[^/]+)"), frozenset({"POST"}), self.save_contacts),
            (r("/Invoices"), read, self.get_invoices),
            (r("/Invoices"), write, self.save_invoices),
            (r("/Invoices/(?P<id>[^/]+)"), read, self.get_invoices),
            (r("/Invoices/(?P<id>[^/]+)"), frozenset({"POST"}), self.save_invoices),
            (r("/CreditNotes"), read, self.get_credit_notes),
            (r("/CreditNotes"), write, self.save_credit_notes),
            (r("/CreditNotes/(?P<id>[^/]+)/Allocations"), frozenset({"PUT"}), self.allocate),
            (
                r("/CreditNotes/(?P<id>[^/]+)/Allocations/(?P<allocation>[^/]+)"),
                frozenset({"DELETE"}),
                self.delete_allocation,
            ),
            (r("/CreditNotes/(?P<id>[^/]+)"), read, self.get_credit_notes),
            (r("/CreditNotes/(?P<id>[^/]+)"), frozenset({"POST"}), self.save_credit_notes),
            (r("/Payments"), read, self.get_payments),
            (r("/Payments"), write, self.save_payments),
            (r("/Payments/(?P<id>[^/]+)"), read, self.get_payments),
            (r("/Payments/(?P<id>[^/]+)"), frozenset({"POST"}), self.change_payment),
            (r("/BatchPayments"), read, self.get_batch_payments),
            (r("/BankTransactions"), read, self.get_bank_transactions),
            (r("/BankTransactions"), write, self.save_bank_transactions),
            (r("/BankTransactions/(?P<id>[^/]+)"), read, self.get_bank_transactions),
            (r("/Overpayments"), read, self.get_overpayments),
            (r("/Overpayments/(?P<id>[^/]+)"), read, self.get_overpayments),
            (r("/BatchPayments"), frozenset({"PUT"}), self.save_batch_payments),
        ]

    def _build(self) -> Starlette:
        self._table = self._routes_table()
        consent = consent_routes(
            self.oauth,
            path="/identity/connect/authorize",
            list_businesses=lambda: [(o.id, o.name) for o in self.state.organisations.values()],
            title="Xero sandbox",
        )
        consent = [
            replace_endpoint(route, self._reconnect_on_consent(route.endpoint))
            if "POST" in (route.methods or ())
            else route
            for route in consent
        ]
        hooks = AdminHooks(
            businesses=self.businesses,
            seed=self.seed,
            reset=self.reset,
            oauth=self.oauth,
            faults=self.faults,
            limiter=self.tenant_limits,
            time_scale=self.config.time_scale,
            ledger_account=self.change_account,
            extra_state=lambda: {
                "limits": dict(self.config.__dict__),
                "idempotency_keys": len(self.idempotency),
            },
        )
        routes = [
            *consent,
            Route("/connect/token", self.token, methods=["POST"]),
            Route("/connect/revocation", self.revocation, methods=["POST"]),
            Route("/connections", self.connections, methods=["GET"]),
            Route("/connections/{connection_id}", self.connections, methods=["DELETE"]),
            Route("/Connections", self.connections, methods=["GET"]),
            Route("/Connections/{connection_id}", self.connections, methods=["DELETE"]),
            Route(API + "/{path:path}", self.api, methods=["GET", "PUT", "POST", "DELETE"]),
            *admin_routes(hooks),
        ]
        app = Starlette(routes=routes, middleware=[Middleware(DropReplyMiddleware)])
        app.state.sandbox = self
        return app


def replace_endpoint(route: Route, endpoint: Callable[[Request], Awaitable[Response]]) -> Route:
    return Route(route.path, endpoint, methods=sorted(route.methods or ()), name=route.name)


def create_app(config: XeroSandboxConfig | None = None, *, clock: Clock = time.time) -> Starlette:
    """The Xero sandbox as an ASGI app; `app.state.sandbox` is the XeroSandbox behind it.

    Without a config, the environment's `LEDGERLINK_XERO_SANDBOX_*` settings apply.
    """
    return XeroSandbox(config or XeroSandboxConfig.from_env(), clock=clock).app


__all__ = ["XeroSandbox", "XeroSandboxConfig", "create_app"]
