"""Settings from the environment, prefix `LEDGERLINK_`; made on demand, never at import time."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

REAL_ADDRESSES: dict[str, dict[str, str]] = {
    "sage": {
        "api_url": "https://api.accounting.sage.com/v3.1",
        "auth_url": "https://www.sageone.com/oauth2/auth/central",
        "token_url": "https://oauth.accounting.sage.com/token",
    },
    "xero": {
        "api_url": "https://api.xero.com/api.xro/2.0",
        "auth_url": "https://login.xero.com/identity/connect/authorize",
        "token_url": "https://identity.xero.com/connect/token",
        "connections_url": "https://api.xero.com/connections",
    },
}


class Settings(BaseSettings):
    """One place for every setting; each can be set as `LEDGERLINK_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="LEDGERLINK_", extra="ignore")

    data_dir: Path = Field(default=Path(".ledgerlink"), description="where the embedded database lives")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty means SQLite in data_dir")
    secret_key: str = Field(default="", description="encrypts tokens at rest; empty means a key file")

    sage_api_url: str = REAL_ADDRESSES["sage"]["api_url"]
    sage_auth_url: str = REAL_ADDRESSES["sage"]["auth_url"]
    sage_token_url: str = REAL_ADDRESSES["sage"]["token_url"]
    sage_client_id: str = ""
    sage_client_secret: str = ""

    xero_api_url: str = REAL_ADDRESSES["xero"]["api_url"]
    xero_auth_url: str = REAL_ADDRESSES["xero"]["auth_url"]
    xero_token_url: str = REAL_ADDRESSES["xero"]["token_url"]
    xero_connections_url: str = REAL_ADDRESSES["xero"]["connections_url"]
    xero_client_id: str = ""
    xero_client_secret: str = ""
    xero_scopes: str = (
        "openid profile email offline_access accounting.contacts accounting.settings "
        "accounting.invoices accounting.payments"
    )

    redirect_uri: str = "http://127.0.0.1:8700/connect/callback"
    sandbox_time_scale: float = Field(
        default=1.0,
        gt=0,
        description="how much faster than real time a local sandbox's limits run (and the pacing towards it)",
    )

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'ledgerlink.db').resolve()}"

    def package_value(self, package: str, name: str) -> str:
        """`LEDGERLINK_<PACKAGE>_<NAME>`, e.g. package_value("sage", "api_url")."""
        value = getattr(self, f"{package}_{name}", "")
        return str(value)


def load_settings() -> Settings:
    return Settings()
