"""Signing in to Tryton: its login directly, or through a sign-in page standing in front of it."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from ledgerlink.errors import FeatureUnavailable, ReconnectNeeded
from ledgerlink.packages.connection import PackageSettings
from ledgerlink.packages.holdings import Business
from ledgerlink.packages.tryton.auth import TrytonAuth

DIRECT = PackageSettings(api_url="http://tryton.test:8000", auth_url="", token_url="")
FRONTED = PackageSettings(
    api_url="http://sandbox.test", auth_url="http://sandbox.test", token_url="http://sandbox.test"
)


def server(handler: dict[str, httpx.Response]) -> httpx.MockTransport:
    """A server answering each path it knows, and 404 to any other."""
    return httpx.MockTransport(lambda request: handler.get(request.url.path, httpx.Response(404)))


def test_without_a_sign_in_page_there_is_no_address_to_send_a_person_to() -> None:
    assert not TrytonAuth(DIRECT).signs_in_on_its_page()
    with pytest.raises(FeatureUnavailable, match="connect with a Tryton login and password instead"):
        TrytonAuth(DIRECT).authorization_url(state="s")


async def test_connected_directly_the_login_is_the_code_and_the_databases_are_the_businesses() -> None:
    listed = httpx.Response(200, json={"id": 0, "result": ["hollis", "acme"]})
    auth = TrytonAuth(DIRECT, transport=server({"/rpc/": listed}))

    tokens = await auth.exchange_code("admin:secret:with:colons")
    found = await auth.businesses(tokens.access_token)

    assert tokens.access_token == "admin:secret:with:colons"
    assert found == [Business("hollis", "hollis"), Business("acme", "acme")]
    with pytest.raises(ReconnectNeeded):
        await auth.exchange_code("admin")


async def test_through_a_sign_in_page_the_code_is_exchanged_once_for_the_login_and_the_business_chosen() -> (
    None
):
    sent: list[dict[str, list[str]]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path != "/token":
            return httpx.Response(404)
        sent.append(parse_qs(request.content.decode()))
        body = {"access_token": "admin:pw", "businesses": [{"id": "hollis_1a2b", "name": "Hollis Heating"}]}
        return httpx.Response(200, content=json.dumps(body), headers={"content-type": "application/json"})

    auth = TrytonAuth(FRONTED, transport=httpx.MockTransport(answer))
    address = urlsplit(auth.authorization_url(state="xyz", redirect_uri="http://here/cb"))

    tokens = await auth.exchange_code("one-time-code", redirect_uri="http://here/cb")

    assert (address.path, parse_qs(address.query)["state"]) == ("/authorize", ["xyz"])
    assert tokens.access_token == "admin:pw"
    assert sent[0]["code"] == ["one-time-code"]
    assert await auth.businesses(tokens.access_token) == [Business("hollis_1a2b", "Hollis Heating")]


async def test_a_code_the_sign_in_page_refuses_asks_for_a_new_sign_in() -> None:
    refused = httpx.Response(400, json={"error": "invalid_grant"})
    auth = TrytonAuth(FRONTED, transport=server({"/token": refused}))

    with pytest.raises(ReconnectNeeded, match="invalid_grant"):
        await auth.exchange_code("used-code")
