"""Trying ledgerlink out on a sandbox: seed a business, and sign in through its consent page.

The sign-in goes through the same OAuth flow as with the real package (authorise page, consent, code,
exchange); only the person at the consent page is played by this module.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from ledgerlink.packages.holdings import Business
from ledgerlink.sandbox.kit.consent_client import approve
from ledgerlink.services.onboarding.connect import ConnectFlow
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.store.connections import Connection

# A sandbox that runs its package's real engine makes its first business from scratch (installing the
# engine, then building its books' template through the engine's own calls): minutes, not milliseconds.
SEED_TIMEOUT = 600.0


def sandbox_client(connectors: ConnectorFactory, package: str, *, timeout: float = 30.0) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=connectors.sandbox_base(package),
        transport=connectors.transport(package, sandbox=True),
        timeout=timeout,
    )


async def sandbox_businesses(connectors: ConnectorFactory, package: str) -> list[Business]:
    async with sandbox_client(connectors, package) as client:
        reply = await client.get("/_sandbox/state")
        reply.raise_for_status()
        return [Business(str(b["id"]), str(b["name"])) for b in reply.json()["businesses"]]


async def seed_business(
    connectors: ConnectorFactory,
    package: str,
    name: str,
    *,
    contacts: list[dict[str, Any]] | None = None,
    chart: list[dict[str, Any]] | None = None,
) -> str:
    """A sandbox business with the package's UK chart of accounts (or `chart`, in the package's own type
    words), reused if one of that name exists."""
    for business in await sandbox_businesses(connectors, package):
        if business.name == name:
            return business.id
    payload: dict[str, Any] = {"name": name}
    if contacts:
        payload["contacts"] = contacts
    if chart:
        payload["chart"] = chart
    async with sandbox_client(connectors, package, timeout=SEED_TIMEOUT) as client:
        reply = await client.post("/_sandbox/seed", json=payload)
        reply.raise_for_status()
        return str(reply.json()["id"])


async def connect_to_sandbox(
    connectors: ConnectorFactory, company_id: int, package: str, business_name: str
) -> Connection:
    """Connect through the sandbox's consent page, as a person would, choosing `business_name`."""
    flow = ConnectFlow(
        connectors, company_id, package, sandbox=True, redirect_uri=connectors.settings.redirect_uri
    )
    async with sandbox_client(connectors, package) as client:
        callback = await approve(client, flow.authorization_url(), business=business_name)
    query = parse_qs(urlparse(callback).query)
    await flow.finish(
        code=query.get("code", [""])[0],
        state=query.get("state", [""])[0],
        error=query.get("error", [""])[0],
        callback={name: values[0] for name, values in query.items()},
    )
    return flow.choose(business_name)
