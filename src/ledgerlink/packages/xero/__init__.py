"""Xero: OAuth2 with rotating refresh tokens, one organisation per connection, batches of 50."""

from ledgerlink.packages.registry import PackageEntry
from ledgerlink.packages.xero.auth import XeroAuth
from ledgerlink.packages.xero.connector import XeroConnector

PACKAGE = PackageEntry(
    name="xero",
    label="Xero",
    auth=XeroAuth,
    connector=XeroConnector,
    sandbox_paths={
        "api_url": "/api.xro/2.0",
        "auth_url": "/identity/connect/authorize",
        "token_url": "/connect/token",
        "connections_url": "/connections",
    },
    default_scopes=(
        "openid",
        "profile",
        "email",
        "offline_access",
        "accounting.contacts",
        "accounting.settings",
        "accounting.invoices",
        "accounting.payments",
    ),
)

__all__ = ["PACKAGE", "XeroAuth", "XeroConnector"]
