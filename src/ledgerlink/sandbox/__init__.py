"""Local emulators of the accounting packages' HTTP APIs, one per package, held against their specs.

`SANDBOXES` maps a package name to a factory that builds its ASGI app; the command line and the tests
find sandboxes only through it.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp


def _sage(time_scale: float = 1.0) -> ASGIApp:
    from ledgerlink.sandbox.sage.app import SageSandboxConfig, create_app

    return create_app(SageSandboxConfig(time_scale=time_scale))


def _xero(time_scale: float = 1.0) -> ASGIApp:
    from ledgerlink.sandbox.xero.app import XeroSandboxConfig, create_app

    return create_app(XeroSandboxConfig(time_scale=time_scale))


SANDBOXES: dict[str, Callable[[float], ASGIApp]] = {
    "sage": _sage,
    "xero": _xero,
}
