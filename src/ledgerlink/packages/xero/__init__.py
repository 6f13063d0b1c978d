"""Xero: OAuth2 with rotating refresh tokens, one organisation per connection, batches of 50."""

from typing import ClassVar

from pydantic_settings import SettingsConfigDict

from ledgerlink.packages.connection import PackageConfig
from ledgerlink.packages.registry import PackageEntry
from ledgerlink.packages.xero.auth import XeroAuth
from ledgerlink.packages.xero.connector import XeroConnector
from ledgerlink.packages.xero.import_fields import IMPORT_FIELDS
from ledgerlink.packages.xero.links import DEEP_LINKS
from ledgerlink.packages.xero.opening import OPENING_ITEMS
from ledgerlink.packages.xero.webhooks import XeroWebhooks


class XeroConfig(PackageConfig):
    """`LEDGERLINK_XERO_*`: Xero's real addresses unless the environment says otherwise."""

    model_config = SettingsConfigDict(env_prefix=f"{XeroAuth.settings_prefix}_")

    api_url: str = "https://api.xero.com/api.xro/2.0"
    auth_url: str = "https://login.xero.com/identity/connect/authorize"
    token_url: str = "https://identity.xero.com/connect/token"
    connections_url: str = "https://api.xero.com/connections"  # the organisations a sign-in may reach
    sandbox_url: str = "http://127.0.0.1:8766"

    extra_addresses: ClassVar[tuple[str, ...]] = ("connections_url",)


PACKAGE = PackageEntry(
    name="xero",
    label="Xero",
    auth=XeroAuth,
    connector=XeroConnector,
    config=XeroConfig,
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
    import_fields=IMPORT_FIELDS,
    deep_links=DEEP_LINKS,
    refresh_token_life=XeroAuth.refresh_lifetime,  # unused that long it is gone; each refresh starts it again
    webhooks=XeroWebhooks(),
    opening_items=OPENING_ITEMS,
)

__all__ = ["PACKAGE", "XeroAuth", "XeroConfig", "XeroConnector"]
