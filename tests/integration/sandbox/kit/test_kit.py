"""The shared sandbox parts behave the same for every package."""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from ledgerlink.sandbox.kit import (
    DROP_REPLY_HEADER,
    BackgroundServer,
    DropReplyMiddleware,
    Faults,
    FaultSettings,
    IdempotencyStore,
    KeyConflict,
    ManualClock,
    OAuthConfig,
    OAuthError,
    OAuthServer,
    RateLimitConfig,
    SlidingWindowLimiter,
    StoredReply,
    body_hash,
    in_process_transport,
)
from ledgerlink.sandbox.kit.oauth import Grant

STORED: list[str] = []


async def _create(request: Request) -> JSONResponse:
    STORED.append("record")
    headers = {DROP_REPLY_HEADER: "1"} if request.query_params.get("drop") else {}
    return JSONResponse({"id": "x" * 400}, status_code=201, headers=headers)


def _app() -> Starlette:
    return Starlette(
        routes=[Route("/things", _create, methods=["POST"])], middleware=[Middleware(DropReplyMiddleware)]
    )


async def test_a_dropped_reply_reaches_an_in_process_client_as_a_read_error_after_the_record_is_stored():
    STORED.clear()
    async with httpx.AsyncClient(transport=in_process_transport(_app()), base_url="http://sandbox") as client:
        assert (await client.post("/things")).status_code == 201
        with pytest.raises(httpx.ReadError):
            await client.post("/things", params={"drop": "1"})
    assert len(STORED) == 2


async def test_a_dropped_reply_reaches_a_client_over_real_http_as_a_transport_error():
    STORED.clear()
    with BackgroundServer(_app()) as server:
        async with httpx.AsyncClient(base_url=server.url) as client:
            ok = await client.post("/things")
            assert ok.status_code == 201
            assert ok.json()["id"]
            with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
                await client.post("/things", params={"drop": "1"})
    assert len(STORED) == 2


def _grant() -> Grant:
    return Grant(client_id="app", user="u", business_ids=("b1",))


def test_a_code_works_once_and_only_within_its_lifetime():
    clock = ManualClock(1000.0)
    server = OAuthServer(clock=clock)
    form = {"client_id": "app", "client_secret": "s", "grant_type": "authorization_code"}
    code = server.issue_code(_grant(), "http://cb")
    assert server.token({**form, "code": code, "redirect_uri": "http://cb"})["access_token"]
    with pytest.raises(OAuthError, match="invalid_grant"):
        server.token({**form, "code": code, "redirect_uri": "http://cb"})
    late = server.issue_code(_grant(), "http://cb")
    clock.advance(61)
    with pytest.raises(OAuthError, match="invalid_grant"):
        server.token({**form, "code": late, "redirect_uri": "http://cb"})
    mismatched = server.issue_code(_grant(), "http://cb")
    with pytest.raises(OAuthError, match="invalid_grant"):
        server.token({**form, "code": mismatched, "redirect_uri": "http://CB"})


def test_a_rotated_refresh_token_dies_at_once_or_after_the_grace_window():
    clock = ManualClock(1000.0)
    form = {"client_id": "app", "client_secret": "s", "grant_type": "refresh_token"}
    strict = OAuthServer(clock=clock)
    first = str(strict.issue_tokens(_grant())["refresh_token"])
    strict.register_client("app", "s")
    second = strict.token({**form, "refresh_token": first})
    assert second["refresh_token"] != first
    with pytest.raises(OAuthError, match="invalid_grant"):
        strict.token({**form, "refresh_token": first})
    assert strict.counters.refreshes == 1

    lenient = OAuthServer(config=OAuthConfig(refresh_grace=30), clock=clock)
    lenient.register_client("app", "s")
    old = str(lenient.issue_tokens(_grant())["refresh_token"])
    lenient.token({**form, "refresh_token": old})
    lenient.token({**form, "refresh_token": old})  # still inside the grace window
    clock.advance(31)
    with pytest.raises(OAuthError, match="invalid_grant"):
        lenient.token({**form, "refresh_token": old})


def test_access_tokens_expire_with_the_clock_and_on_demand():
    clock = ManualClock(1000.0)
    server = OAuthServer(clock=clock)
    token = str(server.issue_tokens(_grant())["access_token"])
    assert server.authenticate(f"Bearer {token}") is not None
    server.expire_tokens("b1")
    assert server.authenticate(f"Bearer {token}") is None
    clock.advance(1)
    fresh = str(server.issue_tokens(_grant())["access_token"])
    assert server.authenticate(f"Bearer {fresh}") is not None
    clock.advance(301)
    assert server.authenticate(f"Bearer {fresh}") is None


def test_the_minute_window_refuses_the_request_over_budget_and_says_when_to_return():
    clock = ManualClock(0.0)
    limiter = SlidingWindowLimiter(RateLimitConfig(per_minute=3), clock=clock)
    assert [limiter.check("b").minute_remaining for _ in range(3)] == [2, 1, 0]
    refused = limiter.check("b")
    assert not refused.allowed
    assert refused.scope == "minute"
    assert refused.retry_after == pytest.approx(60.0)
    assert limiter.check("other").allowed
    clock.advance(60.01)
    assert limiter.check("b").allowed


def test_the_concurrency_counter_refuses_a_request_beyond_the_slots():
    limiter = SlidingWindowLimiter(RateLimitConfig(per_minute=None, concurrency=1))
    with limiter.in_flight("b"):
        assert limiter.check("b").scope == "concurrency"
    assert limiter.check("b").allowed


def test_the_same_key_replays_and_a_different_body_is_refused_when_so_configured():
    store = IdempotencyStore(on_conflict="refuse")
    first = StoredReply(201, {"id": "1"}, request_hash=body_hash({"a": 1, "b": 2}))
    store.store(("b", "k"), first)
    assert store.lookup(("b", "k"), body_hash({"b": 2, "a": 1})) == first
    assert isinstance(store.lookup(("b", "k"), body_hash({"a": 2})), KeyConflict)
    store.on_conflict = "replay"
    assert store.lookup(("b", "k"), body_hash({"a": 2})) == first


async def test_faults_are_reproducible_from_the_seed_and_bursts_run_out():
    async def rolls(seed: int) -> list[str]:
        faults = Faults(seed=seed)
        faults.set(FaultSettings(error_rate=0.5))
        return [(await faults.before_request("b")).value for _ in range(20)]

    assert await rolls(7) == await rolls(7)
    assert "server_error" in await rolls(7)
    faults = Faults()
    faults.set(FaultSettings(rate_limit_burst=2), business_id="b")
    kinds = [await faults.before_request("b") for _ in range(3)]
    assert [kind.value for kind in kinds] == ["rate_limited", "rate_limited", "none"]
    assert (await faults.before_request("other")).value == "none"
