"""One Xero sandbox: its config, and its organisations beside the kit's sign-in, limits, faults and replies.

No HTTP here: `app.py` serves this over Xero's Accounting API, `identity.py` over Xero's identity
service, and the kit's admin API asks it what only Xero knows (how an organisation is seeded and
counted, how an account is archived).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ledgerlink.sandbox.kit import AccessToken, AdminError, OAuthConfig, Sandbox, SandboxConfig, limit
from ledgerlink.sandbox.kit.ratelimit import RateLimitConfig, SlidingWindowLimiter
from ledgerlink.sandbox.xero import bodies
from ledgerlink.sandbox.xero.models import Organisation, XeroState
from ledgerlink.sandbox.xero.records import Connection
from ledgerlink.sandbox.xero.seed import UK_ACCOUNTS, chart_from

MAX_BODY_BYTES = 3_500_000


def _xero_sign_in() -> OAuthConfig:
    # access tokens live 30 minutes; a refresh token unused for 60 days is gone (each rotation starts
    # it again), and a rotated-away one keeps working for 30 minutes
    return OAuthConfig(access_lifetime=1800.0, refresh_lifetime=60 * 86400.0, refresh_grace=1800.0)


@dataclass(frozen=True, kw_only=True)
class XeroSandboxConfig(SandboxConfig):
    """Xero's published limits by default; tests and benchmarks scale or lift them."""

    env_prefix: ClassVar[str] = "LEDGERLINK_XERO_SANDBOX_"

    minute_limit: int | None = limit(60)
    day_limit: int | None = limit(5000)
    concurrency: int | None = limit(5)
    app_minute_limit: int | None = limit(10_000)  # per app (client id), over every organisation
    oauth: OAuthConfig = field(default_factory=_xero_sign_in)
    max_body_bytes: int = MAX_BODY_BYTES
    summarize_errors_default: bool = True  # Xero's server default is the summarised 400
    default_page_size: int = 100
    max_page_size: int = 1000


class XeroSandbox(Sandbox):
    """The whole sandbox: organisations, who connected to which, and the kit's parts."""

    config: XeroSandboxConfig

    def __init__(self, config: XeroSandboxConfig | None = None) -> None:
        super().__init__(config or XeroSandboxConfig())
        self.state = XeroState(clock=lambda: dt.datetime.fromtimestamp(self.clock(), dt.UTC))
        self.app_limits = SlidingWindowLimiter(
            RateLimitConfig(per_minute=self.config.app_minute_limit), clock=self.config.scaled_time
        )

    def organisation(self, organisation_id: str) -> Organisation:
        return self.state.organisations[organisation_id]

    def connections_of(self, token: AccessToken) -> dict[str, Connection]:
        """The tenants this token reaches, created on first sight after each consent."""
        who = (token.grant.client_id, token.grant.user)
        connections = self.state.connections[who]
        now = self.state.clock()
        for tenant in token.grant.business_ids:
            gone = self.state.disconnected_at.get((*who, tenant))
            if tenant in connections or tenant not in self.state.organisations:
                continue
            if gone is not None and token.issued_at <= gone:
                continue
            connections[tenant] = Connection(
                str(uuid.uuid4()), tenant, str(uuid.uuid5(uuid.NAMESPACE_URL, repr(token.grant))), now
            )
        return connections

    # --- what the admin API asks ------------------------------------------------------------------

    def seed(self, payload: dict[str, Any]) -> str:
        organisation = self.state.seed(
            str(payload.get("name") or "Demo Company (UK)"),
            organisation_id=payload.get("id") or None,
            chart=chart_from(payload["chart"]) if payload.get("chart") else UK_ACCOUNTS,
        )
        settings = organisation.settings
        if payload.get("authorised_documents_per_month") is not None:
            settings.authorised_documents_per_month = int(payload["authorised_documents_per_month"])
        if payload.get("period_lock_date"):
            settings.period_lock_date = bodies.parse_date(str(payload["period_lock_date"]))
        if payload.get("put_with_existing_id") in ("refuse", "update"):
            settings.put_with_existing_id = payload["put_with_existing_id"]
        for raw in payload.get("contacts", []):
            contact = bodies.ContactBody.model_validate(raw if isinstance(raw, dict) else {"Name": str(raw)})
            organisation.save_contact(contact, create_only=True)
        return organisation.id

    def businesses(self) -> list[dict[str, Any]]:
        return [{"id": o.id, "name": o.name, "counts": o.counts()} for o in self.state.organisations.values()]

    def forget_records(self) -> None:
        self.state.reset()
        self.app_limits.reset()

    def change_ledger_account(self, business_id: str, key: str, status: str) -> dict[str, Any]:
        """Archive, restore or delete an account, as a person does in Xero's chart of accounts.

        Xero deletes only accounts without transactions; one with transactions can only be archived.
        """
        organisation = self.organisation(business_id)
        account = organisation.account_by(account_id=key) or organisation.account_by(code=key)
        if account is None:
            raise AdminError(f"no account {key!r} in {organisation.name}", status=404)
        if status == "deleted":
            used = any(
                line.account_code == account.code
                for document in organisation.documents.values()
                for line in document.lines
            ) or any(payment.account_id == account.id for payment in organisation.payments.values())
            if used or account.system_account:
                raise AdminError(
                    f"{account.code} {account.name} has transactions: archive it instead", status=409
                )
            del organisation.accounts[account.id]
            organisation.account_by_code.pop(account.code, None)
        else:
            account.status = "ACTIVE" if status == "active" else "ARCHIVED"
            account.updated = organisation.clock()
        return {"id": account.id, "code": account.code, "name": account.name, "status": status}
