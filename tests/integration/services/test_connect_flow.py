"""Get started, connecting: the package's answer must belong to this sign-in, and the business is one granted."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from ledgerlink.errors import ConfigurationError
from ledgerlink.sandbox.kit.consent_client import approve
from ledgerlink.services.demo.sandbox_session import sandbox_client, seed_business
from ledgerlink.services.onboarding.connect import ConnectFlow, ConnectRefused
from ledgerlink.store import Store
from ledgerlink.store.connections import ConnectionRepository
from tests.support.sandbox_books import PACKAGES, Books, books_for


async def _signed_in(books: Books, business: str = "") -> tuple[ConnectFlow, dict[str, str]]:
    """A person approves at the consent page; answers the flow and what came back to the callback."""
    flow = ConnectFlow(
        books.connectors,
        books.company_id,
        books.package,
        sandbox=True,
        redirect_uri=books.connectors.settings.redirect_uri,
    )
    async with sandbox_client(books.connectors, books.package) as client:
        callback = await approve(client, flow.authorization_url(), business=business)
    return flow, {name: values[0] for name, values in parse_qs(urlparse(callback).query).items()}


def _connections(books: Books) -> int:
    with books.store.unit_of_work() as uow:
        return 0 if ConnectionRepository(uow.session, books.company_id).current() is None else 1


@pytest.mark.parametrize("package", PACKAGES)
async def test_an_answer_carrying_another_state_is_refused_and_its_code_never_exchanged(
    package: str, sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for(package, sqlite_store, tmp_path)
    await seed_business(books.connectors, package, "Acme Books")
    flow, answer = await _signed_in(books)

    with pytest.raises(ConnectRefused, match="state differs"):
        await flow.finish(code=answer["code"], state="forged-" + answer["state"])
    state = await books.admin("GET", "/_sandbox/state")

    assert answer["state"] == flow.state
    assert (state["oauth"]["codes_issued"], state["oauth"]["codes_exchanged"]) == (1, 0)
    assert flow.tokens is None
    assert _connections(books) == 0


@pytest.mark.parametrize("package", PACKAGES)
async def test_a_person_who_declines_at_the_consent_page_is_told_so(
    package: str, sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for(package, sqlite_store, tmp_path)
    await seed_business(books.connectors, package, "Acme Books")
    flow, answer = await _signed_in(books)

    with pytest.raises(ConnectRefused, match="did not grant access: access_denied"):
        await flow.finish(code="", state=answer["state"], error="access_denied")

    assert _connections(books) == 0


async def test_the_business_chosen_must_be_one_granted_and_is_stored_with_sealed_tokens(
    sqlite_store: Store, tmp_path: Path
) -> None:
    books = books_for("sage", sqlite_store, tmp_path)
    await seed_business(books.connectors, "sage", "Acme Books")
    await seed_business(books.connectors, "sage", "Acme Rentals")
    flow, answer = await _signed_in(books, business="Acme Rentals")
    granted = await flow.finish(code=answer["code"], state=answer["state"])

    with pytest.raises(
        ConfigurationError, match="no business 'Acme Books' among those granted: Acme Rentals"
    ):
        flow.choose("Acme Books")
    connection = flow.choose("acme rentals")

    assert [business.name for business in granted] == ["Acme Rentals"]
    assert connection.business_name == "Acme Rentals"
    assert flow.tokens is not None
    with books.store.unit_of_work() as uow:
        sealed, _ = ConnectionRepository(uow.session, books.company_id).sealed_tokens(connection.id)
    assert flow.tokens.access_token not in sealed
    assert books.connectors.box.open(sealed).count(flow.tokens.access_token) == 1
