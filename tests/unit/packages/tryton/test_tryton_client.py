"""Tryton's JSON-RPC as the connector meets it: tagged decimals and dates, sessions that lapse, and
replies that say what happened (an error reply: nothing applied; no reply to a write: unknown)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import httpx
import pytest

from ledgerlink.errors import PackageUnavailable, Rejected, UncertainOutcome
from ledgerlink.packages.tryton.client import TrytonRpc, decode, encode


async def secret() -> str:
    return "admin:pw"


def rpc_on(handler: httpx.MockTransport) -> TrytonRpc:
    return TrytonRpc("http://tryton.test", "books", secret, transport=handler)


def test_decimals_and_dates_travel_as_tryton_tags_them() -> None:
    sent = encode({"amount": Decimal("12.30"), "day": date(2026, 3, 1), "lines": [Decimal("0.01")]})

    assert sent == {
        "amount": {"__class__": "Decimal", "decimal": "12.30"},
        "day": {"__class__": "date", "year": 2026, "month": 3, "day": 1},
        "lines": [{"__class__": "Decimal", "decimal": "0.01"}],
    }
    assert decode(sent) == {"amount": Decimal("12.30"), "day": date(2026, 3, 1), "lines": [Decimal("0.01")]}


async def test_a_lapsed_session_logs_in_again_once_and_the_call_goes_through() -> None:
    logins: list[str] = []
    sessions = iter(["first", "second"])

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["method"] == "common.db.login":
            session = next(sessions)
            logins.append(session)
            return httpx.Response(200, json={"id": body["id"], "result": [1, session]})
        if body["method"] == "model.res.user.get_preferences":
            return httpx.Response(200, json={"id": body["id"], "result": {"company": 1}})
        if "first" in request.headers["Authorization"] or len(logins) < 2:
            return httpx.Response(401)
        return httpx.Response(200, json={"id": body["id"], "result": [7]})

    rpc = rpc_on(httpx.MockTransport(answer))
    await rpc.login()

    assert await rpc.model("party.party", "search", []) == [7]
    assert logins == ["first", "second"]
    await rpc.aclose()


async def test_a_user_error_refuses_the_record_in_tryton_s_words() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["method"] == "common.db.login":
            return httpx.Response(200, json={"id": 1, "result": [1, "s"]})
        if body["method"] == "model.res.user.get_preferences":
            return httpx.Response(200, json={"id": 1, "result": {}})
        error = ["UserError", ["The invoice date must be after the last posted one.", ""]]
        return httpx.Response(200, json={"id": body["id"], "error": error})

    rpc = rpc_on(httpx.MockTransport(answer))
    with pytest.raises(Rejected, match="invoice date must be after"):
        await rpc.model("account.invoice", "post", [1], write=True)
    await rpc.aclose()


@pytest.mark.parametrize(("write", "expected"), [(True, UncertainOutcome), (False, PackageUnavailable)])
async def test_a_reply_that_never_came_leaves_a_write_unknown_and_a_read_merely_unanswered(
    write: bool, expected: type[Exception], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ledgerlink.packages.tryton.client.READ_BACKOFF", 0.0)

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["method"] == "common.db.login":
            return httpx.Response(200, json={"id": 1, "result": [1, "s"]})
        if body["method"] == "model.res.user.get_preferences":
            return httpx.Response(200, json={"id": 1, "result": {}})
        raise httpx.ReadTimeout("gone", request=request)

    rpc = rpc_on(httpx.MockTransport(answer))
    with pytest.raises(expected):
        await rpc.model("account.invoice", "create", [{}], write=write)
    await rpc.aclose()


async def test_a_read_met_by_an_outage_is_asked_again_and_a_write_never_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("ledgerlink.packages.tryton.client.READ_BACKOFF", 0.0)
    calls: list[str] = []
    outages = {"model.party.party.search": 2, "model.account.invoice.post": 1}

    def answer(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if body["method"] == "common.db.login":
            return httpx.Response(200, json={"id": 1, "result": [1, "s"]})
        if body["method"] == "model.res.user.get_preferences":
            return httpx.Response(200, json={"id": 1, "result": {}})
        calls.append(body["method"])
        if outages.get(body["method"], 0) > 0:
            outages[body["method"]] -= 1
            return httpx.Response(500)
        return httpx.Response(200, json={"id": body["id"], "result": [7]})

    rpc = rpc_on(httpx.MockTransport(answer))
    assert await rpc.model("party.party", "search", []) == [7]
    with pytest.raises(UncertainOutcome):
        await rpc.model("account.invoice", "post", [7], write=True)

    assert calls == ["model.party.party.search"] * 3 + ["model.account.invoice.post"]
    await rpc.aclose()
