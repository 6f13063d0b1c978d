"""The packages' sandboxes as the product runs them: `ledgerlink sandbox`, the demo and the fleet.

services/demo/ is the only room of the product that imports sandbox/; the command line and the web
reach a sandbox's app and its consent page through here, and find each one through the
sandbox registry, never by name.
"""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from ledgerlink.sandbox import build
from ledgerlink.sandbox.kit import consent_client, in_process_transport
from ledgerlink.sandbox.kit import serve as serve_app
from ledgerlink.sandbox.registry import sandbox_names
from ledgerlink.services.demo.sandbox_session import SEED_TIMEOUT


def names() -> list[str]:
    """The packages that have a sandbox."""
    return sandbox_names()


def sandbox_app(
    package: str, *, time_scale: float = 1.0, limits: bool = True, access_lifetime: float | None = None
) -> Starlette:
    """A fresh sandbox with its package's limits, their windows `time_scale` times faster; `limits=False`
    for a sandbox without any. `access_lifetime` shortens the access tokens' life (seconds), so that
    refreshes happen mid-send."""
    return build.sandbox_app(package, time_scale=time_scale, limits=limits, access_lifetime=access_lifetime)


async def seed(app: Starlette, name: str) -> str:
    """Seed a business called `name` in a sandbox app not yet served; answers its id."""
    async with httpx.AsyncClient(
        transport=in_process_transport(app), base_url="http://sandbox", timeout=SEED_TIMEOUT
    ) as client:
        reply = await client.post("/_sandbox/seed", json={"name": name})
        reply.raise_for_status()
        return str(reply.json()["id"])


def serve(app: Starlette, *, host: str, port: int) -> None:
    """Serve a sandbox app until interrupted."""
    serve_app(app, host=host, port=port)


async def approve(client: httpx.AsyncClient, authorize_url: str, *, business: str = "") -> str:
    """Play the person at a sandbox's consent page: sign in, choose `business`, allow; answers the
    callback address the page redirects to."""
    return await consent_client.approve(client, authorize_url, business=business)
