"""Outgoing webhooks: each event from the package posted to the URL the company set, signed, retried.

The body is the event as the changes feed shows it. `Ledgerlink-Signature: t=<unix time>,v1=<hex>`
carries HMAC-SHA256, keyed with the company's own secret, of `<t>.<body>`: a receiver recomputes it,
and refuses a time too far from its clock, so a body replayed later is refused too (`verify` does
both). A delivery is retried with growing waits (30 seconds, doubling, at most 6 hours apart) until
the receiver answers 2xx; every post is kept in the delivery log. A receiver whose answer was lost is
posted the same event again: `Ledgerlink-Event-Id` names it, so it keeps each event once.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx

from ledgerlink.errors import ConfigurationError
from ledgerlink.services.operations.secrets import SecretBox
from ledgerlink.store import Store
from ledgerlink.store.package_events import PackageEvent

SIGNATURE_HEADER = "Ledgerlink-Signature"
EVENT_HEADER = "Ledgerlink-Event-Id"
TOLERANCE_SECONDS = 300
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=6)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: str, header: str, body: bytes, *, now: float | None = None) -> bool:
    """Whether `header` signs `body` with `secret`, at a time within five minutes of `now`."""
    parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        stamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - stamp) > TOLERANCE_SECONDS:
        return False
    return hmac.compare_digest(sign(secret, stamp, body), f"t={stamp},v1={parts.get('v1', '')}")


def wait_after(attempts: int) -> timedelta:
    """How long after its `attempts`-th failed post a delivery is tried again."""
    doublings = min(max(attempts - 1, 0), 20)
    return min(FIRST_WAIT * (1 << doublings), LONGEST_WAIT)


def event_json(event: PackageEvent) -> dict[str, Any]:
    """An event as the changes feed and the webhooks show it."""
    return {
        "id": event.id,
        "connection_id": event.connection_id,
        "record_kind": event.record_kind,
        "source_id": event.source_id,
        "what": event.what,
        "at": event.at.isoformat(),
        "package_id": event.detail.get("package_id", ""),
        "state": event.detail.get("state", ""),
        "reason": event.detail.get("reason", ""),
        "record": event.detail.get("record"),
        "change": event.detail.get("change"),
    }


def set_endpoint(store: Store, box: SecretBox, company_id: int, url: str, *, new_secret: bool = False) -> str:
    """Post the company's events from now on to `url`; answers the signing secret (made on first use)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigurationError(f"the webhook URL must be an http or https address, not {url!r}")
    with store.unit_of_work() as uow:
        events = uow.package_events(company_id)
        held = events.endpoint()
        if held is None or new_secret:
            secret = secrets.token_urlsafe(32)
            events.set_endpoint(url, box.seal(secret))
        else:
            secret = box.open(held.sealed_secret)
            events.set_endpoint(url, None)
        uow.commit()
    return secret


@dataclass(frozen=True)
class DeliveryReport:
    delivered: int
    failed: int


async def deliver_due(
    store: Store,
    box: SecretBox,
    company_id: int,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    timeout: float = 10.0,
) -> DeliveryReport:
    """Post every delivery that is due, once each; each outcome is kept as soon as it is known."""
    with store.unit_of_work() as uow:
        events = uow.package_events(company_id)
        events.enqueue()
        endpoint = events.endpoint()
        due = events.due(clock())
        uow.commit()
    if endpoint is None or not due:
        return DeliveryReport(0, 0)
    secret = box.open(endpoint.sealed_secret)
    delivered = failed = 0
    async with httpx.AsyncClient(transport=transport, timeout=timeout) as client:
        for delivery in due:
            body = json.dumps(event_json(delivery.event), sort_keys=True).encode()
            headers = {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(secret, int(clock().timestamp()), body),
                EVENT_HEADER: str(delivery.event.id),
            }
            status: int | None = None
            error = ""
            try:
                reply = await client.post(delivery.url, content=body, headers=headers)
                status = reply.status_code
                if not reply.is_success:
                    error = reply.text[:500]
            except httpx.HTTPError as problem:
                error = f"{type(problem).__name__}: {problem}"[:500]
            ok = status is not None and 200 <= status < 300
            with store.unit_of_work() as uow:
                uow.package_events(company_id).record_attempt(
                    delivery.id,
                    status=status,
                    error=error,
                    delivered=ok,
                    next_attempt_at=clock() + wait_after(delivery.attempts + 1),
                )
                uow.commit()
            delivered += ok
            failed += not ok
    return DeliveryReport(delivered, failed)
