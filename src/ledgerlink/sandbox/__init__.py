"""Local emulators of the accounting packages' HTTP APIs, one per package, held against their specs.

`SANDBOXES` maps a package name to a factory that builds its ASGI app; the command line and the tests
find sandboxes only through it.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp


def _sage() -> ASGIApp:
    from ledgerlink.sandbox.sage.app import create_app

    return create_app()


def _xero() -> ASGIApp:
    from ledgerlink.sandbox.xero.app import create_app

    return create_app()


SANDBOXES: dict[str, Callable[[], ASGIApp]] = {
    "sage": _sage,
    "xero": _xero,
}
