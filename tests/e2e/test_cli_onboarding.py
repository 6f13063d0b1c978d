"""Each onboarding path on the command line: a step taken out of order exits non-zero naming the step missing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit import BackgroundServer
from tests.support.command_line import Answer, free_port, invoke, map_everything

PACKAGE_CONTACTS = [{"Name": "Acme Lettings Ltd", "ContactNumber": "ACME01"}]


@pytest.fixture
def unconnected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A company made on the command line beside a Xero sandbox organisation, "Acme Books"."""
    with BackgroundServer(sandbox_app("xero", limits=False)) as server:
        httpx.post(
            f"{server.url}/_sandbox/seed", json={"name": "Acme Books", "contacts": PACKAGE_CONTACTS}
        ).raise_for_status()
        monkeypatch.setenv("LEDGERLINK_XERO_SANDBOX_URL", server.url)
        monkeypatch.setenv("LEDGERLINK_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("LEDGERLINK_REDIRECT_URI", f"http://127.0.0.1:{free_port()}/connect/callback")
        monkeypatch.setenv("LEDGERLINK_COMPANY", "acme-heating")
        monkeypatch.delenv("LEDGERLINK_DATABASE_URL", raising=False)
        runner = CliRunner()
        ok(runner, "init", "--company", "Acme Heating")
        yield runner


@pytest.fixture
def cli(unconnected: CliRunner) -> CliRunner:
    """A company with a few months of books, connected to the Xero sandbox organisation; nothing else set."""
    ok(unconnected, "demo-data", "--company", "acme-heating", "--seed", "3", "--invoices", "12")
    ok(unconnected, "connect", "xero", "--sandbox", "--auto-approve", "--business", "Acme Books", "--json")
    return unconnected


def ok(runner: CliRunner, *args: str) -> Answer:
    answer = invoke(runner, *args)
    assert answer.code == 0, answer.text
    return answer


def refused(runner: CliRunner, *args: str) -> Answer:
    answer = invoke(runner, *args)
    assert answer.code == 1, answer.text
    assert "Traceback" not in answer.text
    return answer


def test_new_package_mapping_before_the_cut_off_date_and_sending_before_mapping_are_refused(
    cli: CliRunner,
) -> None:
    early_mapping = refused(cli, "nominals", "suggest", "--accept")
    ok(cli, "settings", "--cut-off-date", "2020-01-01")
    early_send = refused(cli, "send")
    ok(cli, "nominals", "suggest", "--accept")

    assert (
        "nominal accounts: map accounts, VAT rates and payment methods cannot start yet" in early_mapping.text
    )
    assert "get started: connect, choose the business, cut-off date, send mode (no cut-off date is set)" in (
        early_mapping.text
    )
    assert "send data cannot start yet: first nominal accounts" in early_send.text
    assert "sales accounts unmapped" in early_send.text


def test_side_by_side_sending_before_linking_customers_is_refused(cli: CliRunner) -> None:
    ok(cli, "settings", "--path", "side-by-side", "--cut-off-date", "2020-01-01")
    map_everything(cli)

    early_send = refused(cli, "send")

    assert "send data cannot start yet: first link existing customers" in early_send.text
    assert "link existing suppliers" in early_send.text
    assert "nominal accounts" not in early_send.text


def test_package_first_mapping_and_sending_before_the_import_are_refused(cli: CliRunner) -> None:
    ok(cli, "settings", "--path", "package-first", "--cut-off-date", "2020-01-01")

    early_mapping = refused(cli, "nominals", "suggest", "--accept")
    early_send = refused(cli, "send")
    ok(cli, "import", "customers", "--json")
    ok(cli, "nominals", "suggest", "--accept")

    missing = "import customers and suppliers from the package (no import has been committed yet)"
    assert f"cannot start yet: first {missing}" in early_mapping.text
    assert f"send data cannot start yet: first {missing}" in early_send.text


def test_nominals_create_makes_the_account_in_xero_and_a_second_time_shows_xeros_refusal(
    cli: CliRunner,
) -> None:
    ok(cli, "settings", "--cut-off-date", "2020-01-01")

    made = json.loads(ok(cli, "nominals", "create", "7300", "--json").stdout)
    again = refused(cli, "nominals", "create", "7300")
    listed = {line["code"]: line for line in json.loads(ok(cli, "nominals", "list", "--json").stdout)}

    assert made["mapped_label"] == "7300 Tools and equipment"
    assert listed["7300"]["mapped_to"] == made["mapped_to"]
    assert "Please enter a unique Code." in again.text


def test_connecting_to_a_business_the_sandbox_does_not_offer_names_those_it_does(
    unconnected: CliRunner,
) -> None:
    wrong = refused(unconnected, "connect", "xero", "--sandbox", "--auto-approve", "--business", "Acme Boks")
    connected = ok(unconnected, "connect", "xero", "--sandbox", "--auto-approve", "--business", "Acme Books")

    assert "does not offer 'Acme Boks': it offers 'Acme Books'" in wrong.text
    assert "Acme Books" in connected.text
