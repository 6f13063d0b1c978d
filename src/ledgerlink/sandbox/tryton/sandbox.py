"""One Tryton sandbox: real `trytond` servers, one per business, behind the kit's sign-in, limits and faults.

Unlike the other sandboxes this one holds no books of its own: each business is a real Tryton database
served by its own `trytond` (started, and bootstrapped for a UK company, by the Tryton plugin's
`server.py`). What the kit adds around it is what Tryton itself has no part of: a consent page where a
person picks the business, a code that is exchanged for the login the connector uses, the admin API,
and faults and limits applied at the door before a call reaches Tryton.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ledgerlink.packages.tryton.server import TrytonHome, TrytonProcess, database_name
from ledgerlink.sandbox.kit import AdminError, Sandbox, SandboxConfig, limit
from ledgerlink.sandbox.tryton import seed
from ledgerlink.sandbox.tryton.errors import TrytonSandboxError


def _machine_python() -> str:
    """The python of a virtual environment already holding trytond (`LEDGERLINK_TRYTON_SANDBOX_PYTHON`,
    else `LEDGERLINK_TRYTON_PYTHON` as the tests name it); none: installed into the home."""
    return os.environ.get(f"{TrytonSandboxConfig.env_prefix}PYTHON") or os.environ.get(
        "LEDGERLINK_TRYTON_PYTHON", ""
    )


def _default_home() -> str:
    """`LEDGERLINK_TRYTON_SANDBOX_HOME`, else a folder kept between runs so the template is made once."""
    return os.environ.get(f"{TrytonSandboxConfig.env_prefix}HOME") or str(
        Path.home() / ".cache" / "ledgerlink" / "tryton-sandbox"
    )


@dataclass(frozen=True, kw_only=True)
class TrytonSandboxConfig(SandboxConfig):
    """One call at a time per business: each is a SQLite database, which takes one writer at a time.

    Tryton publishes no request budget; the sandbox keeps the pace its connector keeps. `home` holds the
    template database (made once, about a minute) and the businesses' database files; `python` names an
    environment that already has trytond (otherwise one is installed into `home` on first use).
    """

    env_prefix: ClassVar[str] = "LEDGERLINK_TRYTON_SANDBOX_"

    concurrency: int | None = limit(1)
    home: str = field(default_factory=_default_home)
    python: str = field(default_factory=_machine_python)


@dataclass
class Business:
    """A business the sandbox started: its database and the `trytond` serving it."""

    id: str
    name: str
    server: TrytonProcess


class TrytonSandbox(Sandbox):
    """Everything one Tryton sandbox holds: its servers, and the kit's sign-in, limits and faults."""

    config: TrytonSandboxConfig

    def __init__(self, config: TrytonSandboxConfig | None = None) -> None:
        super().__init__(config or TrytonSandboxConfig())
        python = Path(self.config.python) if self.config.python else None
        self.home = TrytonHome(Path(self.config.home).expanduser(), python)
        self.businesses_by_id: dict[str, Business] = {}

    def credentials(self) -> str:
        """The login every business of this sandbox answers to (its admin user)."""
        return self.home.credentials()

    def prepare(self) -> None:
        """Tryton installed and the template made, ahead of the first seed."""
        seed.prepare(self.home)

    def server(self, business_id: str) -> TrytonProcess | None:
        business = self.businesses_by_id.get(business_id)
        return business.server if business is not None else None

    # --- what the admin API asks ------------------------------------------------------------------

    def seed(self, payload: dict[str, Any]) -> str:
        """A new business: a copy of the template database, its company renamed, served by its own
        `trytond`. The first seed on a machine makes the template first (about a minute)."""
        name = str(payload.get("name") or "Sandbox business").strip()
        unknown = sorted(set(payload) - {"name"})
        if unknown:
            raise AdminError(
                f"the seed was refused: a Tryton business is seeded with its name only, not {', '.join(unknown)}"
            )
        database = f"{database_name(name)[:40]}_{secrets.token_hex(3)}"
        try:
            server = seed.start(self.home, name, database)
        except TrytonSandboxError as error:
            raise AdminError(f"the seed failed: {error}", status=error.status) from error
        self.businesses_by_id[database] = Business(database, name, server)
        return database

    def forget_records(self) -> None:
        """Every server stopped and its database file deleted."""
        for business in self.businesses_by_id.values():
            seed.stop(business.server)
        self.businesses_by_id.clear()

    def businesses(self) -> list[dict[str, Any]]:
        return [
            {"id": b.id, "name": b.name, "url": b.server.url, "counts": seed.counts(b.server)}
            for b in self.businesses_by_id.values()
        ]

    def change_ledger_account(self, business_id: str, key: str, status: str) -> dict[str, Any]:
        """Close (Tryton's archive), reopen or delete an account by id or code, through Tryton itself."""
        server = self.server(business_id)
        if server is None:
            raise AdminError(f"no business {business_id!r}", status=404)
        try:
            return seed.change_account(server, key, status)
        except TrytonSandboxError as error:
            raise AdminError(str(error), status=error.status) from error
