"""Tryton: a real double-entry engine, run on this machine in its own process and reached over JSON-RPC.

Tryton is GPL; ledgerlink never imports it. `server.py` installs and runs `trytond` in a virtual
environment of its own, `bootstrap.py` sets a new database up for a UK business through Tryton's own
model methods, `client.py` speaks its JSON-RPC, `connector.py` is the port, `auth.py` the login.
"""

from pydantic_settings import SettingsConfigDict

from ledgerlink.packages.connection import PackageConfig
from ledgerlink.packages.registry import PackageEntry
from ledgerlink.packages.tryton.auth import TrytonAuth
from ledgerlink.packages.tryton.connector import TrytonConnector
from ledgerlink.packages.tryton.opening import OPENING_ITEMS


class TrytonConfig(PackageConfig):
    """`LEDGERLINK_TRYTON_*`: where the Tryton server answers (`API_URL`); it has no sign-in addresses."""

    model_config = SettingsConfigDict(env_prefix=f"{TrytonAuth.settings_prefix}_")

    api_url: str = "http://127.0.0.1:8000"
    auth_url: str = ""
    token_url: str = ""
    sandbox_url: str = "http://127.0.0.1:8767"


PACKAGE = PackageEntry(
    name="tryton",
    label="Tryton",
    auth=TrytonAuth,
    connector=TrytonConnector,
    config=TrytonConfig,
    opening_items=OPENING_ITEMS,
    # A quarter of a second a call, several calls a record: the demo's 1,000 invoices (about 2,700
    # records) take about an hour on Tryton, 100 (about 300 records) a few minutes.
    demo_invoices=100,
)

__all__ = ["PACKAGE", "TrytonAuth", "TrytonConfig", "TrytonConnector"]
