"""Sage Accounting (v3.1): OAuth2 with rotating refresh tokens, a business per connection, one record a call."""

from datetime import timedelta

from pydantic_settings import SettingsConfigDict

from ledgerlink.packages.connection import PackageConfig
from ledgerlink.packages.registry import PackageEntry
from ledgerlink.packages.sage.auth import SageAuth
from ledgerlink.packages.sage.connector import SageConnector
from ledgerlink.packages.sage.import_fields import IMPORT_FIELDS
from ledgerlink.packages.sage.links import DEEP_LINKS
from ledgerlink.packages.sage.opening import OPENING_ITEMS


class SageConfig(PackageConfig):
    """`LEDGERLINK_SAGE_*`: Sage's real addresses unless the environment says otherwise."""

    model_config = SettingsConfigDict(env_prefix=f"{SageAuth.settings_prefix}_")

    api_url: str = "https://api.accounting.sage.com/v3.1"
    auth_url: str = "https://www.sageone.com/oauth2/auth/central"
    token_url: str = "https://oauth.accounting.sage.com/token"
    sandbox_url: str = "http://127.0.0.1:8765"


PACKAGE = PackageEntry(
    name="sage",
    label="Sage Accounting",
    auth=SageAuth,
    connector=SageConnector,
    config=SageConfig,
    default_scopes=(SageAuth.default_scope,),
    import_fields=IMPORT_FIELDS,
    deep_links=DEEP_LINKS,
    refresh_token_life=timedelta(days=31),  # each refresh gives a new one, good for 31 days
    opening_items=OPENING_ITEMS,
)

__all__ = ["PACKAGE", "SageAuth", "SageConfig", "SageConnector"]
