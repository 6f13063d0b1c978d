"""A sandbox app by its package's name, with the package's own limits or none at all.

The demo's fleet, the tests and the benchmarks all build sandboxes here, each found through the
sandbox registry, so "a sandbox without limits" or "limits running 60 times faster" means the same
thing everywhere:

    sandbox_app(package, limits=False)                 # nothing refused for pace: the test is not about it
    sandbox_app(package, time_scale=60)                # the package's limits, a minute lasting a second
    sandbox_app(package, limits=False, fault_seed=7)   # any config field of the package, by name
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from starlette.applications import Starlette

from ledgerlink.sandbox.kit import SandboxConfig
from ledgerlink.sandbox.registry import get_sandbox


def sandbox_config(
    package: str,
    *,
    limits: bool = True,
    time_scale: float = 1.0,
    access_lifetime: float | None = None,
    **settings: Any,
) -> SandboxConfig:
    """The package's config: its published limits (or none), `time_scale`, and any field by name.

    `access_lifetime` shortens the access tokens' life (seconds) within the package's own sign-in
    settings, so that refreshes happen mid-send.
    """
    config = get_sandbox(package).config(time_scale=time_scale, **settings)
    if not limits:
        config = config.without_limits()
    if access_lifetime is not None:
        config = replace(config, oauth=replace(config.oauth, access_lifetime=access_lifetime))
    return config


def sandbox_app(
    package: str,
    *,
    limits: bool = True,
    time_scale: float = 1.0,
    access_lifetime: float | None = None,
    **settings: Any,
) -> Starlette:
    """A fresh sandbox app for `package`; `app.state.sandbox` is the sandbox behind it."""
    config = sandbox_config(
        package, limits=limits, time_scale=time_scale, access_lifetime=access_lifetime, **settings
    )
    return get_sandbox(package).create_app(config)
