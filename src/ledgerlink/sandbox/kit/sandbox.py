"""The parts every sandbox holds besides its package's records, assembled the same way for each.

A package's sandbox derives from `Sandbox`: the kit builds the authorization server, the fault dice,
the per-business request budget and the store of first replies from the config, and the package adds
its state (`models.py`) and answers the few questions the admin API asks of it. Nothing here speaks
HTTP; the package's `app.py` does, and the admin API (`admin.py`) is built from this class alone, so it
is the same in every sandbox.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from ledgerlink.sandbox.kit.config import SandboxConfig
from ledgerlink.sandbox.kit.faults import Faults
from ledgerlink.sandbox.kit.idempotency import IdempotencyStore
from ledgerlink.sandbox.kit.oauth import OAuthServer
from ledgerlink.sandbox.kit.ratelimit import SlidingWindowLimiter


class Sandbox(ABC):
    """One sandbox's whole state: its package's businesses and the kit's parts around them."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.clock = config.clock
        self.oauth = OAuthServer(config=config.oauth, clock=config.clock)
        for client_id, secret, redirect_uris in config.clients:
            self.oauth.register_client(client_id, secret, redirect_uris)
        self.faults = Faults(seed=config.fault_seed)
        self.limiter = SlidingWindowLimiter(config.rate_limits(), clock=config.scaled_time)
        self.replies = IdempotencyStore(on_conflict=config.idempotency_conflict)

    def retry_after(self, seconds: float) -> str:
        return self.config.retry_after(seconds)

    def reset(self) -> None:
        """Forget every business, record, token, fault, stored reply and counted request."""
        self.forget_records()
        self.limiter.reset()
        self.replies.reset()
        self.faults.reset()
        self.oauth.reset()

    def state_json(self) -> dict[str, Any]:
        """What `GET /_sandbox/state` says besides the businesses, tokens and faults."""
        return {"limits": self.config.limits_json(), "idempotency_keys": len(self.replies)}

    # --- what only the package knows ----------------------------------------------------------------

    @abstractmethod
    def businesses(self) -> list[dict[str, Any]]:
        """Each business with at least its "id", "name" and "counts" (resource -> number held)."""

    @abstractmethod
    def seed(self, payload: dict[str, Any]) -> str:
        """A new business from the admin payload, with its package's starting chart; returns its id."""

    @abstractmethod
    def forget_records(self) -> None:
        """Forget every business and what it holds."""

    @abstractmethod
    def change_ledger_account(self, business_id: str, key: str, status: str) -> dict[str, Any]:
        """Archive, restore ("active") or delete an account by id or code, as a person does in the
        package's own screens; answers `{"id", "code", "name", "status"}` or raises `AdminError`."""
