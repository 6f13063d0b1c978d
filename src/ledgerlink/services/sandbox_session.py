"""Trying ledgerlink out on a sandbox: seed a business, and sign in through its consent page.

The sign-in goes through the same OAuth flow as with the real package (authorise page, consent, code,
exchange); only the person at the consent page is played by this module.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx

from ledgerlink.packages.base import Business
from ledgerlink.sandbox.kit.consent_client import approve
from ledgerlink.services.connect import ConnectFlow
from ledgerlink.services.runtime import Runtime
from ledgerlink.store.connections import Connection


def sandbox_client(runtime: Runtime, package: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=runtime.sandbox_base(package),
        transport=runtime.transport(package, sandbox=True),
        timeout=30.0,
    )


async def sandbox_businesses(runtime: Runtime, package: str) -> list[Business]:
    async with sandbox_client(runtime, package) as client:
        reply = await client.get("/_sandbox/state")
        reply.raise_for_status()
        return [Business(str(b["id"]), str(b["name"])) for b in reply.json()["businesses"]]


async def seed_business(
    runtime: Runtime, package: str, name: str, *, contacts: list[dict[str, Any]] | None = None
) -> str:
    """A sandbox business with a UK chart of accounts, reused if one of that name exists."""
    for business in await sandbox_businesses(runtime, package):
        if business.name == name:
            return business.id
    payload: dict[str, Any] = {"name": name}
    if contacts:
        payload["contacts"] = contacts
    async with sandbox_client(runtime, package) as client:
        reply = await client.post("/_sandbox/seed", json=payload)
        reply.raise_for_status()
        return str(reply.json()["id"])


async def connect_to_sandbox(
    runtime: Runtime, company_id: int, package: str, business_name: str
) -> Connection:
    """Connect through the sandbox's consent page, as a person would, choosing `business_name`."""
    flow = ConnectFlow(runtime, company_id, package, sandbox=True, redirect_uri=runtime.settings.redirect_uri)
    async with sandbox_client(runtime, package) as client:
        callback = await approve(client, flow.authorization_url(), business=business_name)
    query = parse_qs(urlparse(callback).query)
    await flow.finish(
        code=query.get("code", [""])[0], state=query.get("state", [""])[0], error=query.get("error", [""])[0]
    )
    return flow.choose(business_name)
