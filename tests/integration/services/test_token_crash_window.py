"""A sender that dies between the token endpoint's answer and storing it.

The package has rotated the refresh token by then, and what is stored is the previous one. Where the
package keeps a rotated-away refresh token usable for a while (Xero: 30 minutes) the next refresh uses
that grace and the connection carries on; where it does not (Sage: the previous token dies at once),
the connection needs a person to reconnect, and says so. The death is made certain, not likely: the
refresh's answer arrives, and the process "dies" (an exception nothing catches) before returning it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledgerlink.errors import ReconnectNeeded
from ledgerlink.packages.base import PackageAuth
from ledgerlink.packages.connection import TokenSet
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit import BackgroundServer
from ledgerlink.services.demo.fleet import Books, connected_company
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.secrets import SecretBox
from ledgerlink.services.operations.tokens import StoredTokens, open_tokens
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from tests.conftest import scratch_database

SECRET = "crash window"


class Died(BaseException):
    """The process ending where it stands: nothing after this point runs (no except Exception catches it)."""


class DiesAfterTheAnswer:
    """The package's sign-in, whose answer to a refresh arrives just as the process is killed."""

    def __init__(self, auth: PackageAuth) -> None:
        self.auth = auth

    async def refresh(self, refresh_token: str) -> TokenSet:
        await self.auth.refresh(refresh_token)  # the package rotated the token and answered
        raise Died


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        opened = Store.open(f"sqlite:///{tmp_path / 'ledgerlink.db'}")
        yield opened
        opened.close()
        return
    with scratch_database("crash_window") as url:
        opened = Store.open(url)
        yield opened
        opened.close()


@pytest.mark.parametrize(("package", "carries_on"), [("xero", True), ("sage", False)])
async def test_a_sender_killed_after_the_token_endpoint_answers(
    package: str, carries_on: bool, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = BackgroundServer(sandbox_app(package)).start()
    monkeypatch.setenv(f"LEDGERLINK_{package.upper()}_SANDBOX_URL", server.url)
    try:
        settings = Settings(data_dir=tmp_path, secret_key=SECRET)
        connectors = ConnectorFactory(store=store, settings=settings, box=SecretBox(SECRET))
        connection, _ = await connected_company(
            connectors, package=package, name="Crash Window", books=Books(invoices=1, customers=1), seed=2
        )
        auth = connectors.auth(package, sandbox=True)

        def tokens(auth: PackageAuth) -> StoredTokens:
            return StoredTokens(
                store,
                company_id=connection.company_id,
                connection_id=connection.id,
                box=connectors.box,
                auth=auth,
            )

        def stored() -> TokenSet:
            with store.unit_of_work() as uow:
                sealed, _ = uow.connections(connection.company_id).sealed_tokens(connection.id)
            return open_tokens(connectors.box, sealed)

        before = stored()
        with pytest.raises(Died):
            await tokens(DiesAfterTheAnswer(auth)).renew()
        assert stored().refresh_token == before.refresh_token  # the new pair never reached the store

        restarted = tokens(auth)
        if carries_on:
            await restarted.renew()
            assert stored().refresh_token != before.refresh_token
            with store.unit_of_work() as uow:
                assert uow.connections(connection.company_id).get(connection.id).status == "active"
        else:
            with pytest.raises(ReconnectNeeded, match="invalid_grant"):
                await restarted.renew()
            with store.unit_of_work() as uow:
                assert uow.connections(connection.company_id).get(connection.id).status == "needs_reconnect"
    finally:
        server.stop()
