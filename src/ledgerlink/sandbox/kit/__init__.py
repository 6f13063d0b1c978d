"""What every sandbox shares: its config and state base, faults, rate limits, idempotency, OAuth2,
routing, the admin API and transports.

Nothing here knows any one package; a sandbox composes these parts and answers in its package's words.
"""

from ledgerlink.sandbox.kit.admin import AdminError, admin_routes
from ledgerlink.sandbox.kit.clock import Clock, ManualClock
from ledgerlink.sandbox.kit.config import SandboxConfig, limit
from ledgerlink.sandbox.kit.faults import FaultKind, Faults, FaultSettings
from ledgerlink.sandbox.kit.idempotency import IdempotencyStore, KeyConflict, StoredReply, body_hash
from ledgerlink.sandbox.kit.oauth import (
    AccessToken,
    Grant,
    OAuthConfig,
    OAuthError,
    OAuthServer,
    consent_routes,
    token_route,
)
from ledgerlink.sandbox.kit.ratelimit import RateLimitConfig, SlidingWindowLimiter, Verdict
from ledgerlink.sandbox.kit.routing import ApiRouter, NoRoute, Reply, route
from ledgerlink.sandbox.kit.sandbox import Sandbox
from ledgerlink.sandbox.kit.server import BackgroundServer, serve
from ledgerlink.sandbox.kit.transport import (
    DROP_REPLY_HEADER,
    DropReplyMiddleware,
    ReplyDropped,
    in_process_transport,
)

__all__ = [
    "DROP_REPLY_HEADER",
    "AccessToken",
    "AdminError",
    "ApiRouter",
    "BackgroundServer",
    "Clock",
    "DropReplyMiddleware",
    "FaultKind",
    "FaultSettings",
    "Faults",
    "Grant",
    "IdempotencyStore",
    "KeyConflict",
    "ManualClock",
    "NoRoute",
    "OAuthConfig",
    "OAuthError",
    "OAuthServer",
    "RateLimitConfig",
    "Reply",
    "ReplyDropped",
    "Sandbox",
    "SandboxConfig",
    "SlidingWindowLimiter",
    "StoredReply",
    "Verdict",
    "admin_routes",
    "body_hash",
    "consent_routes",
    "in_process_transport",
    "limit",
    "route",
    "serve",
    "token_route",
]
