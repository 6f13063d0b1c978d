"""Settings from the environment, prefix `LEDGERLINK_`; made on demand, never at import time.

Only what is ledgerlink's own lives here. Each package's addresses and credentials are that package's
settings (`LEDGERLINK_<PACKAGE>_*`), declared in its plugin and read through the package registry.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting that is not one package's; each can be set as `LEDGERLINK_<NAME>`."""

    model_config = SettingsConfigDict(env_prefix="LEDGERLINK_", extra="ignore")

    data_dir: Path = Field(default=Path(".ledgerlink"), description="where the embedded database lives")
    database_url: str = Field(default="", description="SQLAlchemy URL; empty means SQLite in data_dir")
    secret_key: str = Field(default="", description="encrypts tokens at rest; empty means a key file")

    redirect_uri: str = "http://127.0.0.1:8700/connect/callback"
    public_url: str = Field(
        default="http://127.0.0.1:8700",
        description="where people reach the web app: links in emails start here",
    )
    smtp_host: str = Field(default="", description="the mail server emails go through; empty sends none")
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_starttls: bool = Field(
        default=True, description="upgrade the connection with STARTTLS before signing in"
    )
    smtp_from: str = Field(default="ledgerlink@localhost", description="the address emails come from")
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


def load_settings() -> Settings:
    return Settings()
