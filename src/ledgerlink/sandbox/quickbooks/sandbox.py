"""One QuickBooks sandbox: its config (QuickBooks' published limits), its companies beside the kit's
sign-in, limits, faults and replies, and the batch budget only QuickBooks has.

No HTTP here: `app.py` serves this over QuickBooks' routes, and the kit's admin API asks it what only
QuickBooks knows (how a company is seeded and counted, how an account is made inactive).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ledgerlink.sandbox.kit import (
    AdminError,
    OAuthConfig,
    RateLimitConfig,
    Sandbox,
    SandboxConfig,
    SlidingWindowLimiter,
    limit,
)
from ledgerlink.sandbox.quickbooks.errors import QuickBooksFault
from ledgerlink.sandbox.quickbooks.models import QuickBooksState


def _oauth() -> OAuthConfig:
    # access tokens live an hour; refresh tokens about 100 days, the one rotated away 24 hours more
    return OAuthConfig(access_lifetime=3600.0, refresh_lifetime=8726400.0, refresh_grace=86400.0)


@dataclass(frozen=True, kw_only=True)
class QuickBooksSandboxConfig(SandboxConfig):
    """QuickBooks' budget by default: 500 requests a minute and 10 at once per company, 40 batch calls a
    minute, at most 30 operations in one batch."""

    env_prefix: ClassVar[str] = "LEDGERLINK_QUICKBOOKS_SANDBOX_"

    minute_limit: int | None = limit(500)
    concurrency: int | None = limit(10)
    batch_minute_limit: int | None = limit(40)
    batch_size: int = 30
    minimum_minor_version: int = 75
    faults_inside_200: bool = False  # validation Faults answered with HTTP 200, as QuickBooks may
    oauth: OAuthConfig = field(default_factory=_oauth)


class QuickBooksSandbox(Sandbox):
    """Everything one QuickBooks sandbox holds: companies, tokens, limits, faults and first replies."""

    config: QuickBooksSandboxConfig

    def __init__(self, config: QuickBooksSandboxConfig | None = None) -> None:
        super().__init__(config or QuickBooksSandboxConfig())
        self.state = QuickBooksState(clock=self.config.clock)
        self.batch_limiter = SlidingWindowLimiter(
            RateLimitConfig(per_minute=self.config.batch_minute_limit), clock=self.config.scaled_time
        )
        self._locks: dict[str, asyncio.Lock] = {}

    def lock(self, realm: str) -> asyncio.Lock:
        """Writes to one company run one at a time, as each checks what the last one stored."""
        lock = self._locks.get(realm)
        if lock is None:
            lock = self._locks[realm] = asyncio.Lock()
        return lock

    def seed(self, payload: dict[str, Any]) -> str:
        try:
            return self.state.seed(payload).id
        except QuickBooksFault as error:
            raise AdminError(f"the seed was refused: {error}", status=error.status) from error
        except (TypeError, ValueError) as error:
            raise AdminError(f"the seed was refused: {error}") from error

    def forget_records(self) -> None:
        self.state.reset()
        self._locks.clear()
        self.batch_limiter.reset()

    def businesses(self) -> list[dict[str, Any]]:
        return [
            {
                "id": c.id,
                "name": c.name,
                "country": c.country,
                "subscription_active": c.subscription_active,
                "counts": c.counts(),
            }
            for c in self.state.companies.values()
        ]

    def change_ledger_account(self, business_id: str, key: str, status: str) -> dict[str, Any]:
        """Make an account inactive or active again; QuickBooks never deletes one that was used."""
        company = self.state.companies[business_id]
        accounts = company.table("Account")
        account = accounts.get(key) or next((a for a in accounts.values() if a.get("AcctNum") == key), None)
        if account is None:
            raise AdminError(f"no account {key!r} in {company.name}", status=404)
        if status == "deleted":
            raise AdminError("QuickBooks does not delete accounts: make it inactive instead", status=409)
        account["Active"] = status == "active"
        account["SyncToken"] = str(int(account["SyncToken"]) + 1)
        return {
            "id": account["Id"],
            "code": account.get("AcctNum", ""),
            "name": account["Name"],
            "status": status,
        }
