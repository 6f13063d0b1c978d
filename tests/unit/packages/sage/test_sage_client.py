"""Sage's replies read into the port's errors, and the business header checked on every reply."""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx
import pytest

from ledgerlink.errors import AuthExpired, FeatureUnavailable, NotFound, ReconnectNeeded
from ledgerlink.packages.connection import ConnectionContext, PackageSettings
from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.packages.sage.client import BusinessMismatch, SageClient, SageReader

BUSINESS = "b" * 32


class _Tokens:
    def __init__(self) -> None:
        self.refreshed = 0

    async def access_token(self) -> str:
        return "token"

    async def refresh(self, stale_access_token: str) -> str:
        self.refreshed += 1
        return "token-2"


def _diagnosis(code: str, message: str, source: str = "") -> list[dict[str, str]]:
    return [{"$severity": "error", "$dataCode": code, "$message": message, "$source": source}]


def _client(handler: Callable[[httpx.Request], httpx.Response], tokens: _Tokens | None = None) -> SageClient:
    context = ConnectionContext(
        business_id=BUSINESS,
        tokens=tokens or _Tokens(),
        settings=PackageSettings(api_url="https://sage.test/v3.1", auth_url="", token_url=""),
        pacer=UnlimitedPacer(),
        transport=httpx.MockTransport(handler),
    )
    return SageClient(context)


def test_problems_keep_sages_message_and_field():
    response = httpx.Response(422, json=_diagnosis("ValidationError", "must be present", "due_date"))
    [problem] = SageReader().problems(response)
    assert (problem.message, problem.field) == ("must be present", "due_date")


async def test_every_request_names_the_business_and_a_reply_for_another_is_refused():
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"$items": []}, headers={"X-Business": "other"})

    client = _client(handler)
    with pytest.raises(BusinessMismatch):
        await client.get("/contacts")
    await client.aclose()
    assert sent[0].headers["X-Business"] == BUSINESS
    assert sent[0].headers["Authorization"] == "Bearer token"


async def test_a_lapsed_subscription_needs_a_person_and_a_missing_tier_is_a_feature_the_plan_lacks():
    replies = iter(
        [
            httpx.Response(
                401, json=_diagnosis("AuthorizationFailure", "The business has no active subscription")
            ),
            httpx.Response(403, json=_diagnosis("FeatureNotAvailable", "This feature is not available")),
        ]
    )
    client = _client(lambda request: next(replies))
    with pytest.raises(ReconnectNeeded, match="subscription"):
        await client.get("/contacts")
    with pytest.raises(FeatureUnavailable):
        await client.post("/contact_allocations", {"contact_allocation": {}})
    await client.aclose()


async def test_an_expired_token_is_refreshed_once_then_reported():
    tokens = _Tokens()
    expired = _diagnosis("AuthorizationFailure", "The access token is missing, invalid or has expired")
    client = _client(lambda request: httpx.Response(401, json=expired), tokens)
    with pytest.raises(AuthExpired):
        await client.get("/contacts")
    await client.aclose()
    assert tokens.refreshed == 1


async def test_a_missing_record_is_not_found():
    client = _client(lambda request: httpx.Response(404, json=_diagnosis("RecordNotFound", "not found")))
    with pytest.raises(NotFound):
        await client.get("/contacts/x")
    await client.aclose()


async def test_paging_follows_next_until_it_is_null_and_sends_the_whole_query_once():
    pages = {
        "1": {
            "$items": [{"id": "a"}, {"id": "b"}],
            "$next": "/contacts?page=2&items_per_page=200&attributes=all",
        },
        "2": {"$items": [{"id": "c"}], "$next": None},
    }
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        page = request.url.params.get("page", "1")
        return httpx.Response(200, content=json.dumps(pages[page]), headers={"X-Business": BUSINESS})

    client = _client(handler)
    items = [item["id"] async for item in client.items("/contacts", {"search": "ada"})]
    await client.aclose()
    assert items == ["a", "b", "c"]
    assert "items_per_page=200" in seen[0]
    assert "attributes=all" in seen[0]
    assert seen[1] == "https://sage.test/v3.1/contacts?page=2&items_per_page=200&attributes=all"
