"""`LEDGERLINK_QUICKBOOKS_*`: Intuit's real addresses unless the environment says otherwise, the batch
size, and whether ledgerlink may create the service items invoice lines need on every connection
without asking each one's user."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from ledgerlink.packages.connection import PackageConfig

MINOR_VERSION = "75"  # minor versions before 75 are no longer served: pinned here, sent on every call


class QuickBooksConfig(PackageConfig):
    model_config = SettingsConfigDict(env_prefix="LEDGERLINK_QUICKBOOKS_")

    api_url: str = "https://quickbooks.api.intuit.com/v3/company"
    auth_url: str = "https://appcenter.intuit.com/connect/oauth2"
    token_url: str = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
    sandbox_url: str = "http://127.0.0.1:8768"
    # The entity reference allows 30 operations a batch; newer guidance says 10.
    batch_size: int = Field(default=30, ge=1, le=30)
    # Each sales account needs a service item to sell through. A connection's user allows ledgerlink to
    # create a missing one at the mapping step; with this on, it is allowed for every connection.
    create_items: bool = Field(
        default=False, description="create a missing service item for a sales account on every connection"
    )
