"""What the registry tells the engine about a package: where it lives, who we are to it, what it asks."""

from __future__ import annotations

import os
from datetime import timedelta

import pytest

from ledgerlink.errors import ConfigurationError
from ledgerlink.packages.registry import DEFAULT_PACKAGE, all_packages, get_package, package_names
from ledgerlink.services.operations.scheduling import TOKEN_KEEP_ALIVE


@pytest.fixture(autouse=True)
def no_package_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts from the plugins' defaults, whatever the machine's environment says."""
    for name in list(os.environ):
        if any(name.startswith(f"LEDGERLINK_{package.upper()}_") for package in package_names()):
            monkeypatch.delenv(name)


def test_a_package_lives_at_its_real_addresses_unless_the_environment_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sage = get_package("sage")
    assert sage.settings(redirect_uri="http://here/cb").api_url == "https://api.accounting.sage.com/v3.1"
    monkeypatch.setenv("LEDGERLINK_SAGE_API_URL", "https://proxy.example/v3.1")
    monkeypatch.setenv("LEDGERLINK_SAGE_AUTH_URL", "https://proxy.example/auth")
    monkeypatch.setenv("LEDGERLINK_SAGE_TOKEN_URL", "https://proxy.example/token")
    monkeypatch.setenv("LEDGERLINK_SAGE_CLIENT_ID", "our-app")
    monkeypatch.setenv("LEDGERLINK_SAGE_CLIENT_SECRET", "shh")
    settings = sage.settings(redirect_uri="http://here/cb")
    assert (settings.api_url, settings.auth_url, settings.token_url) == (
        "https://proxy.example/v3.1",
        "https://proxy.example/auth",
        "https://proxy.example/token",
    )
    assert (settings.client_id, settings.client_secret, settings.redirect_uri) == (
        "our-app",
        "shh",
        "http://here/cb",
    )


def test_a_package_asks_for_its_own_scopes_once_unless_the_environment_names_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    xero = get_package("xero")
    assert xero.settings(redirect_uri="x").scopes == xero.default_scopes
    assert "offline_access" in xero.default_scopes
    monkeypatch.setenv("LEDGERLINK_XERO_SCOPES", "openid offline_access accounting.contacts")
    assert xero.settings(redirect_uri="x").scopes == ("openid", "offline_access", "accounting.contacts")
    monkeypatch.setenv("LEDGERLINK_XERO_CONNECTIONS_URL", "https://proxy.example/connections")
    assert xero.settings(redirect_uri="x").extra == {"connections_url": "https://proxy.example/connections"}


def test_a_sandbox_serves_every_address_of_its_package_under_its_own_host(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LEDGERLINK_XERO_API_URL", "https://proxy.example/elsewhere")  # a sandbox ignores it
    xero = get_package("xero").settings(redirect_uri="x", sandbox_url="http://127.0.0.1:9000/")
    assert (xero.api_url, xero.auth_url, xero.token_url, dict(xero.extra)) == (
        "http://127.0.0.1:9000/api.xro/2.0",
        "http://127.0.0.1:9000/identity/connect/authorize",
        "http://127.0.0.1:9000/connect/token",
        {"connections_url": "http://127.0.0.1:9000/connections"},
    )
    sage = get_package("sage").settings(redirect_uri="x", sandbox_url="http://sandbox.local")
    assert (sage.api_url, sage.auth_url, sage.token_url) == (
        "http://sandbox.local/v3.1",
        "http://sandbox.local/oauth2/auth/central",
        "http://sandbox.local/token",
    )
    assert (sage.client_id, sage.client_secret) == ("ledgerlink", "sandbox-secret")


def test_each_package_has_its_own_local_sandbox_port_unless_told_where_it_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert get_package("sage").sandbox_url() == "http://127.0.0.1:8765"
    assert get_package("xero").sandbox_url() == "http://127.0.0.1:8766"
    assert get_package("tryton").sandbox_url() == "http://127.0.0.1:8767"
    monkeypatch.setenv("LEDGERLINK_XERO_SANDBOX_URL", "http://sandboxes.internal:7000/")
    assert get_package("xero").sandbox_url() == "http://sandboxes.internal:7000"


def test_an_unknown_package_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ConfigurationError, match="quickbooks, sage, tryton, xero"):
        get_package("freeagent")
    assert DEFAULT_PACKAGE in package_names()


def test_idle_tokens_are_renewed_well_before_the_shortest_lived_refresh_token_lapses() -> None:
    lives = [entry.refresh_token_life for entry in all_packages() if entry.refresh_token_life is not None]
    assert lives, "every package today says how long its refresh tokens last"
    assert min(lives) - timedelta(days=5) > TOKEN_KEEP_ALIVE > min(lives) / 2
