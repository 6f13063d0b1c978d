"""What every sandbox can be told: its request budget, how fast its time runs, its sign-in and its faults.

Each package's config derives from `SandboxConfig`, changes the defaults to its package's published
figures and adds what only it has (a per-app minute limit, the rules of a subscription tier). A field
that is a limit is marked as one, so `without_limits()` can lift them all, whatever the package adds.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar, Self

from ledgerlink.sandbox.kit.clock import Clock
from ledgerlink.sandbox.kit.idempotency import ConflictPolicy
from ledgerlink.sandbox.kit.oauth import OAuthConfig
from ledgerlink.sandbox.kit.ratelimit import RateLimitConfig

LIMIT = {"limit": True}  # field metadata: this field is a request budget (None: no limit)


def limit(default: int | None) -> Any:
    """A request budget field; `without_limits()` sets every one of them to None."""
    return field(default=default, metadata=LIMIT)


@dataclass(frozen=True, kw_only=True)
class SandboxConfig:
    """The settings every sandbox has, with the same names in each."""

    env_prefix: ClassVar[str] = "LEDGERLINK_SANDBOX_"  # each package has its own

    minute_limit: int | None = limit(None)  # requests per business per minute
    day_limit: int | None = limit(None)  # requests per business per day
    concurrency: int | None = limit(None)  # requests in flight per business
    time_scale: float = 1.0  # >1 runs the limits' windows faster (a minute lasts 60/time_scale s)
    clock: Clock = time.time
    oauth: OAuthConfig = field(default_factory=OAuthConfig)
    clients: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (client_id, secret, redirect URIs)
    fault_seed: int = 0  # faults are drawn from a generator seeded with it, so a run is reproducible
    idempotency_conflict: ConflictPolicy = "replay"  # a reused key with another body: replay or refuse

    def rate_limits(self) -> RateLimitConfig:
        """The per-business budget, as the limiter counts it."""
        return RateLimitConfig(
            per_minute=self.minute_limit, per_day=self.day_limit, concurrency=self.concurrency
        )

    def without_limits(self) -> Self:
        """The same sandbox with no request budget at all: for tests whose subject is not the limits."""
        lifted: dict[str, Any] = {item.name: None for item in fields(self) if item.metadata.get("limit")}
        return replace(self, **lifted)

    def scaled_time(self) -> float:
        """The clock as the limits' windows see it: `time_scale` times faster than real time."""
        return self.clock() * self.time_scale

    def retry_after(self, seconds: float) -> str:
        """A Retry-After value in real seconds: whole ones at real time, with decimals when scaled."""
        real = seconds / self.time_scale
        return str(max(1, math.ceil(real))) if self.time_scale == 1 else f"{max(real, 0.001):.3f}"

    def limits_json(self) -> dict[str, int | None]:
        return {item.name: getattr(self, item.name) for item in fields(self) if item.metadata.get("limit")}

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Self:
        """Defaults, overridden by `<env_prefix><FIELD>` (e.g. `LEDGERLINK_<PACKAGE>_SANDBOX_TIME_SCALE=60`).

        Limits take `none` for no limit; `ACCESS_LIFETIME`, `REFRESH_LIFETIME` and `REFRESH_GRACE` set
        the sign-in's token lifetimes.
        """
        source = os.environ if environ is None else environ
        defaults = cls()
        values: dict[str, Any] = {}
        for item in fields(cls):
            raw = source.get(f"{cls.env_prefix}{item.name.upper()}")
            if raw is None or item.name in ("clock", "oauth", "clients"):
                continue
            default = getattr(defaults, item.name)
            if item.metadata.get("limit"):
                values[item.name] = None if raw.strip().lower() in ("", "none", "off") else int(raw)
            elif isinstance(default, bool):
                values[item.name] = raw.strip().lower() in ("1", "true", "yes")
            elif isinstance(default, float):
                values[item.name] = float(raw)
            elif isinstance(default, int):
                values[item.name] = int(raw)
            elif isinstance(default, str):
                values[item.name] = raw.strip()
        lifetimes: dict[str, Any] = {}
        for name in ("access_lifetime", "refresh_lifetime", "refresh_grace"):
            raw = source.get(f"{cls.env_prefix}{name.upper()}")
            if raw is not None:
                lifetimes[name] = float(raw)
        if lifetimes:
            values["oauth"] = replace(defaults.oauth, **lifetimes)
        return cls(**values)
