"""The packages ledgerlink can talk to, by short name; the engine finds a package only through here.

Adding a package means adding `packages/<name>/` with a `PACKAGE` entry, its sandbox, and one line in
`PACKAGES` below.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from ledgerlink.errors import ConfigurationError
from ledgerlink.packages.base import PackageAuth, PackageConnector, PackageSettings
from ledgerlink.settings import Settings


@dataclass(frozen=True)
class PackageEntry:
    """What ledgerlink needs to know to connect to one package."""

    name: str
    label: str
    auth: type[PackageAuth]
    connector: type[PackageConnector]
    # The package's own paths under its hosts, which its sandbox serves under one address.
    sandbox_paths: Mapping[str, str] = field(default_factory=dict)
    default_scopes: tuple[str, ...] = ()

    def settings(self, settings: Settings, *, sandbox_url: str | None = None) -> PackageSettings:
        """Where the package lives: its real addresses, `LEDGERLINK_<PACKAGE>_*`, or a sandbox's."""
        values = {
            name: settings.package_value(self.name, name)
            for name in ("api_url", "auth_url", "token_url", "connections_url")
            if hasattr(settings, f"{self.name}_{name}")
        }
        if sandbox_url is not None:
            base = sandbox_url.rstrip("/")
            values.update({name: base + path for name, path in self.sandbox_paths.items()})
        scopes_text = settings.package_value(self.name, "scopes")
        scopes = tuple(scopes_text.split()) if scopes_text else self.default_scopes
        return PackageSettings(
            api_url=values["api_url"],
            auth_url=values["auth_url"],
            token_url=values["token_url"],
            client_id=settings.package_value(self.name, "client_id") or "ledgerlink",
            client_secret=settings.package_value(self.name, "client_secret")
            or ("sandbox-secret" if sandbox_url else ""),
            redirect_uri=settings.redirect_uri,
            scopes=scopes,
            extra={
                name: value
                for name, value in values.items()
                if name not in ("api_url", "auth_url", "token_url")
            },
        )


PACKAGES: dict[str, str] = {
    "sage": "ledgerlink.packages.sage",
    "xero": "ledgerlink.packages.xero",
}


def package_names() -> list[str]:
    return sorted(PACKAGES)


def get_package(name: str) -> PackageEntry:
    module_name = PACKAGES.get(name.lower())
    if module_name is None:
        raise ConfigurationError(f"unknown package {name!r}; choose one of: {', '.join(package_names())}")
    entry = importlib.import_module(module_name).PACKAGE
    assert isinstance(entry, PackageEntry)
    return entry
