"""The packages' sandboxes, by the package's short name; nothing outside sandbox/ names one.

Adding a package's sandbox means adding `sandbox/<name>/` with a `SANDBOX` entry and one line in
`SANDBOXES` below. In the product only `services/demo/` asks this registry; tests and benchmarks may
too. Two things a sandbox needs are not here, because they are its package's: where it listens on
this machine (the default of `LEDGERLINK_<PACKAGE>_SANDBOX_URL`, in the package's settings, since
every sandbox connection is reached through it) and the paths it serves (the package's own: a sandbox
serves each of its package's hosts' paths as the package does, all under its one address).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette

from ledgerlink.domain.records import RecordKind
from ledgerlink.errors import ConfigurationError
from ledgerlink.sandbox.kit import SandboxConfig


@dataclass(frozen=True)
class SandboxEntry:
    """What the demo, `ledgerlink sandbox` and the tests need to run one package's sandbox.

    `sandbox/build.py` makes the app from these, with the package's limits or none and a time scale.
    """

    name: str
    config: type[SandboxConfig]  # the package's published limits by default
    create_app: Callable[[Any], Starlette]  # a fresh app, with no businesses, for one config
    # What each kind of record becomes in a business's counts under GET /_sandbox/state.
    counts: Mapping[RecordKind, str]
    # Counts that hold one kind of object under more than one name, by the name `counts` gives it.
    aliases: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Whether the sandbox runs the package's own engine (its businesses are real servers it starts)
    # rather than an emulation ledgerlink wrote: it keeps no records of its own.
    real_engine: bool = False
    # Where the package's API is served and how a request names its business: by a header, or (with
    # no header) as the first part of the path under the API's address.
    api_prefix: str = ""
    business_header: str = ""

    def api_call(self, path: str, headers: Mapping[str, str]) -> tuple[str, str] | None:
        """The business a request to the package's API is for, and its path within the API (with the
        business taken out); None for a request to anything else (sign-in, the admin API)."""
        if not self.api_prefix or not path.startswith(self.api_prefix + "/"):
            return None
        rest = path[len(self.api_prefix) :]
        if self.business_header:
            return headers.get(self.business_header.lower(), ""), rest
        business, _, rest = rest.lstrip("/").partition("/")
        return business, "/" + rest


SANDBOXES: dict[str, str] = {
    "quickbooks": "ledgerlink.sandbox.quickbooks",
    "sage": "ledgerlink.sandbox.sage",
    "tryton": "ledgerlink.sandbox.tryton",
    "xero": "ledgerlink.sandbox.xero",
}


def sandbox_names() -> list[str]:
    return sorted(SANDBOXES)


def get_sandbox(name: str) -> SandboxEntry:
    module_name = SANDBOXES.get(name.lower())
    if module_name is None:
        raise ConfigurationError(f"no sandbox for {name!r}; choose one of: {', '.join(sandbox_names())}")
    entry = importlib.import_module(module_name).SANDBOX
    assert isinstance(entry, SandboxEntry)
    return entry
