"""Sage Accounting (v3.1): OAuth2 with rotating refresh tokens, a business per connection, one record a call."""

from ledgerlink.packages.registry import PackageEntry
from ledgerlink.packages.sage.auth import SageAuth
from ledgerlink.packages.sage.connector import SageConnector

PACKAGE = PackageEntry(
    name="sage",
    label="Sage Accounting",
    auth=SageAuth,
    connector=SageConnector,
    sandbox_paths={"api_url": "/v3.1", "auth_url": "/oauth2/auth/central", "token_url": "/token"},
    default_scopes=("full_access",),
)

__all__ = ["PACKAGE", "SageAuth", "SageConnector"]
