"""The packages ledgerlink can talk to, by short name; the engine finds a package only through here.

A package is one plugin: `packages/<name>/` holds everything that is that package's (addresses and
settings, client, auth, mapping, limits, rounding, import field table) and declares it in one `PACKAGE`
entry. Adding a package means adding that folder, its sandbox, and one line in `PACKAGES` below.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import quote, urlsplit

from ledgerlink.domain.records import RecordKind
from ledgerlink.errors import ConfigurationError
from ledgerlink.packages.base import PackageAuth, PackageConnector
from ledgerlink.packages.changes import IncomingWebhooks
from ledgerlink.packages.connection import Limits, PackageConfig, PackageSettings
from ledgerlink.packages.drafts import OpeningItems
from ledgerlink.packages.holdings import ImportField


@dataclass(frozen=True)
class PackageEntry:
    """Everything the engine needs to know of one package, and nothing it needs to name it for."""

    name: str
    label: str  # how the package is called in what people read
    auth: type[PackageAuth]
    connector: type[PackageConnector]
    config: type[PackageConfig]  # its addresses and credentials, `LEDGERLINK_<NAME>_*`
    default_scopes: tuple[str, ...] = ()  # asked for unless `LEDGERLINK_<NAME>_SCOPES` says otherwise
    import_fields: tuple[ImportField, ...] = ()  # what an import reads of its contacts (none: no import)
    # How long a refresh token left unused stays good; None: it does not lapse.
    refresh_token_life: timedelta | None = None
    webhooks: IncomingWebhooks | None = None  # how its change notices are checked (None: it sends none)
    # Where a person sees a record in the package's own web app, by kind: "{id}" is the package's id.
    deep_links: Mapping[RecordKind, str] = field(default_factory=dict)
    # How many invoices the demo makes for this package unless told: None, the demo's own size. A
    # package that answers slowly (a real engine on this machine) keeps the demo to minutes.
    demo_invoices: int | None = None
    # How it takes the documents open at the cut-off on the new-package path (None: it cannot yet).
    opening_items: OpeningItems | None = None

    def deep_link(self, kind: RecordKind, package_id: str) -> str:
        """The address of the package's own page for this record ("" where the package has none)."""
        pattern = self.deep_links.get(kind)
        return pattern.format(id=quote(package_id, safe="")) if pattern and package_id else ""

    @property
    def limits(self) -> Limits:
        return self.connector.limits

    def sandbox_url(self) -> str:
        """Where this package's local sandbox answers (`LEDGERLINK_<NAME>_SANDBOX_URL`)."""
        return self.config().sandbox_url.rstrip("/")

    def settings(self, *, redirect_uri: str, sandbox_url: str | None = None) -> PackageSettings:
        """Where the package lives for a connection: its real addresses, the environment's, or a sandbox's.

        A sandbox serves each of the package's hosts' paths as the package does, all under its one
        address, so a sandbox address is the sandbox's host with the real address's path.
        """
        config = self.config()
        addresses = config.addresses()
        if sandbox_url is not None:
            base = sandbox_url.rstrip("/")
            addresses = {name: base + urlsplit(real).path for name, real in config.real_addresses().items()}
        return PackageSettings(
            api_url=addresses.pop("api_url"),
            auth_url=addresses.pop("auth_url"),
            token_url=addresses.pop("token_url"),
            client_id=config.client_id or "ledgerlink",
            client_secret=config.client_secret or ("sandbox-secret" if sandbox_url else ""),
            redirect_uri=redirect_uri,
            scopes=tuple(config.scopes.split()) or self.default_scopes,
            extra=addresses,
        )


PACKAGES: dict[str, str] = {
    "quickbooks": "ledgerlink.packages.quickbooks",
    "sage": "ledgerlink.packages.sage",
    "tryton": "ledgerlink.packages.tryton",
    "xero": "ledgerlink.packages.xero",
}
# The package the demo connects to unless told otherwise.
DEFAULT_PACKAGE = "sage"


def package_names() -> list[str]:
    return sorted(PACKAGES)


def get_package(name: str) -> PackageEntry:
    module_name = PACKAGES.get(name.lower())
    if module_name is None:
        raise ConfigurationError(f"unknown package {name!r}; choose one of: {', '.join(package_names())}")
    entry = importlib.import_module(module_name).PACKAGE
    assert isinstance(entry, PackageEntry)
    return entry


def all_packages() -> list[PackageEntry]:
    return [get_package(name) for name in package_names()]
