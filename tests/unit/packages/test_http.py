"""The shared HTTP rules every connector relies on, against a scripted package."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import httpx
import pytest

from ledgerlink.errors import (
    AuthExpired,
    PackageUnavailable,
    Problem,
    RateLimited,
    RateLimitScope,
    Rejected,
    UncertainOutcome,
)
from ledgerlink.packages.connection import ConnectionContext, Exchange, LimitReport, Limits, PackageSettings
from ledgerlink.packages.http import PackageHttp, network_transport, request_body, retry_after_seconds
from ledgerlink.packages.pacing import LocalPacer, UnlimitedPacer


class Reader:
    def problems(self, response: httpx.Response) -> tuple[Problem, ...]:
        body = response.json()
        return tuple(Problem(item["message"], item.get("field", "")) for item in body)

    def rate_limit(self, response: httpx.Response) -> tuple[float | None, RateLimitScope]:
        scope: RateLimitScope = "day" if response.headers.get("X-Problem") == "day" else "minute"
        return retry_after_seconds(response), scope

    def limit_report(self, response: httpx.Response) -> LimitReport | None:
        left = response.headers.get("X-Left")
        return LimitReport(minute_remaining=int(left)) if left else None

    def request_id(self, response: httpx.Response) -> str:
        return response.headers.get("X-Request-Id", "")

    def special_error(self, response: httpx.Response) -> None:
        return None


class Tokens:
    def __init__(self) -> None:
        self.current = "token-1"
        self.refreshes = 0

    async def access_token(self) -> str:
        return self.current

    async def refresh(self, stale_access_token: str) -> str:
        self.refreshes += 1
        self.current = f"token-{self.refreshes + 1}"
        return self.current


def make_http(
    handler: Callable[[httpx.Request], httpx.Response],
) -> tuple[PackageHttp, Tokens, list[float], list[Exchange]]:
    tokens = Tokens()
    slept: list[float] = []
    seen: list[Exchange] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    context = ConnectionContext(
        business_id="b1",
        tokens=tokens,
        settings=PackageSettings(api_url="https://package.test", auth_url="", token_url=""),
        pacer=UnlimitedPacer(),
        transport=httpx.MockTransport(handler),
        sleep=sleep,
        observer=seen.append,
    )
    return PackageHttp(context, base_url="https://package.test", reader=Reader()), tokens, slept, seen


async def test_a_refused_token_is_refreshed_once_and_the_request_retried() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers["Authorization"] == "Bearer token-1":
            return httpx.Response(401)
        return httpx.Response(200, json={"ok": True})

    http, tokens, _, _ = make_http(handler)
    response = await http.request("GET", "/things")
    assert response.json() == {"ok": True}
    assert tokens.refreshes == 1


async def test_a_token_refused_twice_is_auth_expired_not_a_loop() -> None:
    http, tokens, _, _ = make_http(lambda request: httpx.Response(401))
    with pytest.raises(AuthExpired):
        await http.request("GET", "/things")
    assert tokens.refreshes == 1


async def test_a_minute_limit_is_waited_out_for_as_long_as_the_package_asked() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            return httpx.Response(429, headers={"Retry-After": "7"})
        return httpx.Response(201, json={"id": "x"})

    http, _, slept, _ = make_http(handler)
    response = await http.request("POST", "/things", json={"a": 1})
    assert response.status_code == 201
    assert slept == [7.0]
    assert len(calls) == 2


async def test_a_limit_naming_no_wait_is_waited_out_for_the_packages_advised_minute_on_its_clock() -> None:
    """A package that says nothing on its 429 is given the pause it advises; a sandbox running its clock
    sixty times faster than real time is given a sixtieth of it."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, json={"id": "x"}) if slept else httpx.Response(429)

    http, _, slept, _ = make_http(handler)
    http.unsaid_wait = 60.0
    http.context.pacer = LocalPacer(Limits(requests_per_minute=6000, concurrency=1), time_scale=60.0)
    assert (await http.request("POST", "/things", json={"a": 1})).status_code == 201
    assert slept == [1.0]


async def test_a_read_the_package_failed_is_tried_again_after_pauses_on_its_clock() -> None:
    """Pauses doubling from a second; a sandbox running its clock ten times faster than real time
    recovers as much faster, so its pauses are a tenth as long."""

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"ok": True}) if len(slept) == 2 else httpx.Response(503)

    http, _, slept, _ = make_http(handler)
    assert (await http.request("GET", "/things")).status_code == 200
    assert slept == [1.0, 2.0]

    slept.clear()
    http.context.pacer = LocalPacer(Limits(requests_per_minute=6000, concurrency=1), time_scale=10.0)
    assert (await http.request("GET", "/things")).status_code == 200
    assert slept == pytest.approx([0.1, 0.2])


async def test_a_daily_limit_stops_at_once_with_when_to_come_back() -> None:
    http, _, slept, _ = make_http(
        lambda r: httpx.Response(429, headers={"Retry-After": "3600", "X-Problem": "day"})
    )
    with pytest.raises(RateLimited) as caught:
        await http.request("GET", "/things")
    assert caught.value.scope == "day"
    assert caught.value.retry_after == 3600
    assert slept == []


async def test_a_write_whose_reply_was_lost_is_uncertain_never_retried_blindly() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        raise httpx.ReadError("connection reset")

    http, _, _, seen = make_http(handler)
    with pytest.raises(UncertainOutcome):
        await http.request("POST", "/invoices", json={"n": 1})
    assert len(calls) == 1
    assert seen[0].status is None


async def test_a_write_answered_with_a_server_error_is_uncertain() -> None:
    http, _, _, _ = make_http(lambda r: httpx.Response(500))
    with pytest.raises(UncertainOutcome):
        await http.request("PUT", "/invoices", json={})


async def test_a_read_that_failed_for_a_passing_reason_is_retried() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) < 3:
            return httpx.Response(503)
        return httpx.Response(200, json=[])

    http, _, slept, _ = make_http(handler)
    assert (await http.request("GET", "/contacts")).status_code == 200
    assert len(slept) == 2


async def test_a_write_that_never_left_applied_nothing() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    http, _, _, _ = make_http(handler)
    with pytest.raises(PackageUnavailable):
        await http.request("POST", "/contacts", json={})


async def test_a_data_problem_carries_the_packages_own_message_and_field() -> None:
    body = [{"message": "must be present", "field": "due_date"}]
    http, _, _, seen = make_http(lambda r: httpx.Response(422, json=body, headers={"X-Request-Id": "r-9"}))
    with pytest.raises(Rejected) as caught:
        await http.request("POST", "/purchase_invoices", json={})
    assert caught.value.problems == (Problem("must be present", "due_date"),)
    assert seen[-1].status == 422
    assert seen[-1].request_id == "r-9"


async def test_a_request_goes_to_the_address_under_the_base_with_its_query_body_and_headers() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"id": "c1"})

    tokens = Tokens()
    context = ConnectionContext(
        business_id="b1",
        tokens=tokens,
        settings=PackageSettings(api_url="https://package.test/v3.1", auth_url="", token_url=""),
        pacer=UnlimitedPacer(),
        transport=httpx.MockTransport(handler),
        timeout=12.0,
    )
    http = PackageHttp(
        context, base_url="https://package.test/v3.1", reader=Reader(), headers={"X-Business": "b1"}
    )
    await http.request("POST", "/contacts", params={"attributes": "all"}, json={"name": "Ann"})
    await http.request("GET", "https://other.test/connections")
    sent, elsewhere = seen
    assert str(sent.url) == "https://package.test/v3.1/contacts?attributes=all"
    assert sent.content == b'{"name":"Ann"}'
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["Authorization"] == "Bearer token-1"
    assert sent.headers["Accept"] == "application/json"
    assert sent.headers["X-Business"] == "b1"
    assert sent.headers["User-Agent"].startswith("ledgerlink/")
    assert sent.extensions["timeout"]["read"] == 12.0
    assert str(elsewhere.url) == "https://other.test/connections"
    await http.aclose()


async def test_each_request_carries_its_own_query_whatever_the_calls_before_it_carried() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(200, json={})

    http, *_ = make_http(handler)
    await http.request("GET", "/Contacts", params={"page": 1, "pageSize": 100})
    await http.request("GET", "/Contacts", params={"page": 2, "pageSize": 100})
    await http.request("GET", "/Contacts")
    await http.request("GET", "/Contacts", params={"page": 1, "pageSize": 100})
    await http.request("GET", "/Contacts", params={"IDs": ["a 1", "b&2"]})
    await http.request("GET", "/Contacts", params={"where": 'Name=="Ann & Co"'})
    assert seen == [
        "https://package.test/Contacts?page=1&pageSize=100",
        "https://package.test/Contacts?page=2&pageSize=100",
        "https://package.test/Contacts",
        "https://package.test/Contacts?page=1&pageSize=100",
        "https://package.test/Contacts?IDs=a+1&IDs=b%262",
        "https://package.test/Contacts?where=Name%3D%3D%22Ann+%26+Co%22",
    ]
    await http.aclose()


def test_the_network_goes_through_the_proxy_the_environment_names_unless_the_host_is_exempt(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.office.test:3128")
    monkeypatch.setenv("NO_PROXY", "internal.test")
    chosen: list[object] = []
    monkeypatch.setattr(httpx, "AsyncHTTPTransport", lambda proxy=None: chosen.append(proxy))
    network_transport(httpx.URL("https://api.package.test/v3.1/"))
    network_transport(httpx.URL("https://books.internal.test/"))
    assert chosen == ["http://proxy.office.test:3128", None]


def test_amounts_held_as_decimals_go_as_json_numbers_with_exactly_their_digits() -> None:
    body = {
        "Invoices": [{"LineItems": [{"UnitAmount": Decimal("1234567.89"), "TaxAmount": Decimal("0.10")}]}]
    }
    assert request_body(body) == b'{"Invoices":[{"LineItems":[{"UnitAmount":1234567.89,"TaxAmount":0.1}]}]}'
    with pytest.raises(TypeError):
        request_body({"when": object()})
