"""Fault injection: the misbehaviour a real package shows now and then, on demand and reproducibly.

Settings apply to one business or, under the key `None`, to every business without its own. A seeded
random generator decides each roll, so a test that sets a 10% error rate sees the same requests fail on
every run.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import asdict, dataclass, fields, replace
from enum import StrEnum
from typing import Any


class FaultKind(StrEnum):
    """What the sandbox does instead of (or as well as) answering normally."""

    NONE = "none"
    SERVER_ERROR = "server_error"  # 500 before anything is stored
    UNAVAILABLE = "unavailable"  # 503 before anything is stored
    RATE_LIMITED = "rate_limited"  # 429 before anything is stored


@dataclass(frozen=True)
class FaultSettings:
    error_rate: float = 0.0  # share of requests answered 500
    unavailable_rate: float = 0.0  # share answered 503
    drop_after_store_rate: float = 0.0  # share of writes stored, then the reply is lost
    latency_ms: int = 0  # added to every request
    rate_limit_rate: float = 0.0  # share answered 429
    rate_limit_burst: int = 0  # the next N requests answered 429
    retry_after: float | None = 1.0  # Retry-After sent with injected 429s and 503s; None: no header
    expire_tokens: bool = False  # every access token already issued for the business is refused
    subscription_lapsed: bool = False  # every request refused as a lapsed plan would be

    @classmethod
    def from_json(cls, payload: dict[str, Any]) -> FaultSettings:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(payload) - known - {"business_id"})
        if unknown:
            raise ValueError(
                f"unknown fault settings: {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        return cls(**{key: value for key, value in payload.items() if key in known})

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Faults:
    """The fault settings in force and the seeded dice that apply them."""

    def __init__(self, *, seed: int = 0) -> None:
        self.seed = seed
        self._random = random.Random(seed)
        self._settings: dict[str | None, FaultSettings] = {}

    def reset(self) -> None:
        self._settings.clear()
        self._random = random.Random(self.seed)

    def set(self, settings: FaultSettings, *, business_id: str | None = None) -> None:
        self._settings[business_id] = settings

    def settings_for(self, business_id: str | None) -> FaultSettings:
        if business_id is not None and business_id in self._settings:
            return self._settings[business_id]
        return self._settings.get(None, FaultSettings())

    def describe(self) -> dict[str, Any]:
        return {key or "*": value.to_json() for key, value in self._settings.items()}

    def _roll(self, rate: float) -> bool:
        return rate > 0 and self._random.random() < rate

    async def before_request(self, business_id: str | None) -> FaultKind:
        """Wait the configured latency, then decide whether this request fails before doing anything."""
        settings = self.settings_for(business_id)
        if settings.latency_ms:
            await asyncio.sleep(settings.latency_ms / 1000)
        if settings.rate_limit_burst > 0:
            self._settings[business_id if business_id in self._settings else None] = replace(
                settings, rate_limit_burst=settings.rate_limit_burst - 1
            )
            return FaultKind.RATE_LIMITED
        if self._roll(settings.rate_limit_rate):
            return FaultKind.RATE_LIMITED
        if self._roll(settings.error_rate):
            return FaultKind.SERVER_ERROR
        if self._roll(settings.unavailable_rate):
            return FaultKind.UNAVAILABLE
        return FaultKind.NONE

    def drop_after_store(self, business_id: str | None) -> bool:
        """Whether the reply to a write that has just been stored should be lost on the way back."""
        return self._roll(self.settings_for(business_id).drop_after_store_rate)
