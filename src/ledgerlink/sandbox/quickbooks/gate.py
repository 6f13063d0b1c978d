"""The gate every API request passes before its handler: a live token for the realm in the URL, an
active subscription, a supported minor version, the request budget and any injected fault.

A handler gets a `Call` (the sandbox, the request, the company admitted and the route's parameters)
and answers a `Reply`, or raises a `QuickBooksFault` that `app.py` renders in one place.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from starlette.requests import Request

from ledgerlink.sandbox.kit import FaultKind, Reply
from ledgerlink.sandbox.quickbooks.errors import FaultError, QuickBooksFault, validation
from ledgerlink.sandbox.quickbooks.records import ENTITIES, Company
from ledgerlink.sandbox.quickbooks.sandbox import QuickBooksSandbox


@dataclass(frozen=True)
class Call:
    sandbox: QuickBooksSandbox
    request: Request
    company: Company
    params: Mapping[str, str]

    @property
    def now(self) -> str:
        return self.sandbox.state.now()


Handler = Callable[[Call], Awaitable[Reply]]


def fault(status: int, fault_type: str, code: str, message: str, detail: str = "") -> QuickBooksFault:
    return QuickBooksFault(status, fault_type, [FaultError(message, detail or message, code)])


def throttled() -> QuickBooksFault:
    return fault(
        429,
        "ThrottlingFault",
        "3001",
        "message=ThrottleExceeded; errorCode=003001; statusCode=429",
        "The request limit was reached.",
    )


async def admit(sandbox: QuickBooksSandbox, request: Request, realm: str) -> Company:
    token = sandbox.oauth.authenticate(request.headers.get("authorization", ""))
    if token is None:
        raise fault(
            401,
            "AuthenticationFault",
            "3200",
            "message=AuthenticationFailed; errorCode=003200; statusCode=401",
        )
    if realm not in token.grant.business_ids or realm not in sandbox.state.companies:
        raise fault(
            403,
            "AuthorizationFault",
            "120",
            "Authorization Failure",
            f"The token does not reach company {realm}",
        )
    company = sandbox.state.companies[realm]
    faults = sandbox.faults.settings_for(realm)
    if not company.subscription_active or faults.subscription_lapsed:
        raise fault(
            403,
            "ValidationFault",
            "6190",
            "Invalid Company Status",
            "The subscription period has ended or the company is not active",
        )
    minor = request.query_params.get("minorversion")
    if minor is not None and (not minor.isdigit() or int(minor) < sandbox.config.minimum_minor_version):
        raise validation(
            "2020",
            "Invalid minor version",
            f"minorversion {minor} is not supported: use {sandbox.config.minimum_minor_version} or later",
            "minorversion",
        )
    if not sandbox.limiter.check(realm).allowed:
        raise throttled()
    injected = await sandbox.faults.before_request(realm)
    if injected is FaultKind.RATE_LIMITED:
        raise throttled()
    if injected is FaultKind.SERVER_ERROR:
        raise fault(
            500, "SystemFault", "10000", "An application error has occurred while processing your request"
        )
    if injected is FaultKind.UNAVAILABLE:
        raise fault(503, "SystemFault", "10000", "Service Unavailable")
    return company


def entity_named(name: str) -> str:
    entity = ENTITIES.get(name.lower())
    if entity is None:
        raise fault(
            400, "ValidationFault", "4000", "Unsupported Operation", f"Operation {name} is not supported"
        )
    return entity
