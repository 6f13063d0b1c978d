"""One Sage sandbox: its config, and its businesses beside the kit's sign-in, limits, faults and replies.

No HTTP here: `app.py` serves this over Sage's routes, and the kit's admin API asks it what only Sage
knows (how a business is seeded and counted, how an account is retired).
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ledgerlink.sandbox.kit import AdminError, Sandbox, SandboxConfig, limit
from ledgerlink.sandbox.sage.errors import SageError
from ledgerlink.sandbox.sage.models import SageState, SandboxRules


@dataclass(frozen=True, kw_only=True)
class SageSandboxConfig(SandboxConfig):
    """Sage's budget by default: 200 requests a minute per business, no day or concurrency limit."""

    env_prefix: ClassVar[str] = "LEDGERLINK_SAGE_SANDBOX_"

    minute_limit: int | None = limit(200)
    retry_after_header: bool = True  # whether a 429 says when to come back
    # Neither of Sage's published specs has `idempotency_id`: with this set, a repeated create makes a
    # second record, as it would if Sage ignored the field, and only look-ups keep a send exactly once.
    ignore_idempotency_id: bool = False
    rules: SandboxRules = field(default_factory=SandboxRules)


class SageSandbox(Sandbox):
    """Everything one Sage sandbox holds: businesses, tokens, limits, faults and first replies."""

    config: SageSandboxConfig

    def __init__(self, config: SageSandboxConfig | None = None) -> None:
        super().__init__(config or SageSandboxConfig())
        self.state = SageState(rules=self.config.rules, clock=self.config.clock)
        self._locks: dict[str, asyncio.Lock] = {}

    def lock(self, business_id: str) -> asyncio.Lock:
        """Writes to one business run one at a time, as each checks what the last one stored."""
        lock = self._locks.get(business_id)
        if lock is None:
            lock = self._locks[business_id] = asyncio.Lock()
        return lock

    # --- what the admin API asks ------------------------------------------------------------------

    def seed(self, payload: dict[str, Any]) -> str:
        """A new business, or a 4xx naming what in the seed Sage would refuse (nothing is kept then)."""
        try:
            return self.state.seed(payload).id
        except SageError as error:
            raise AdminError(f"the seed was refused: {error}", status=error.status) from error
        except (TypeError, ValueError) as error:  # an unknown tier, a date that is not one
            raise AdminError(f"the seed was refused: {error}") from error

    def forget_records(self) -> None:
        self.state.reset()
        self._locks.clear()

    def businesses(self) -> list[dict[str, Any]]:
        return [
            {
                "id": b.id,
                "name": b.name,
                "tier": b.tier.value,
                "subscription_active": b.subscription_active,
                "counts": b.counts(),
            }
            for b in self.state.businesses.values()
        ]

    def change_ledger_account(self, business_id: str, key: str, status: str) -> dict[str, Any]:
        """Hide (Sage's archive: `included_in_chart` false), restore or delete an unused ledger account."""
        business = self.state.businesses[business_id]
        account = business.ledger_accounts.get(key) or next(
            (a for a in business.ledger_accounts.values() if str(a.nominal_code) == key), None
        )
        if account is None:
            raise AdminError(f"no ledger account {key!r} in {business.name}", status=404)
        if status == "deleted":
            used = any(
                line.ledger_account_id == account.id
                for records in business.artefacts.values()
                for artefact in records.values()
                for line in artefact.lines
            ) or any(bank.ledger_account_id == account.id for bank in business.bank_accounts.values())
            if used:
                raise AdminError(
                    f"{account.nominal_code} {account.name} has transactions: hide it instead", status=409
                )
            del business.ledger_accounts[account.id]
        else:
            account.included_in_chart = status == "active"
            account.updated_at = self.state.now()
        return {"id": account.id, "code": str(account.nominal_code), "name": account.name, "status": status}
