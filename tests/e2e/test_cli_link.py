"""`ledgerlink link ...` as a bookkeeper uses it, against a Xero sandbox on a real local port."""

from __future__ import annotations

import asyncio
import csv
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledgerlink.cli import build_app
from ledgerlink.cli.common import ExitCode
from ledgerlink.domain.records import Address, Customer
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit.server import BackgroundServer
from ledgerlink.services.demo.sandbox_session import connect_to_sandbox, seed_business
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.settings import load_settings
from ledgerlink.store import Store

CUSTOMERS = [
    Customer(
        source_id="C1",
        title="Mr",
        first_name="John",
        last_name="Smith",
        address=Address(line1="4 Elm Road", town="Leeds", postcode="LS6 2AB"),
        email="john.smith@example.com",
    ),
    Customer(
        source_id="C2",
        title="Mrs",
        first_name="Ann",
        last_name="Jones",
        address=Address(line1="12 High Street", town="York", postcode="YO1 7HH"),
        phone="01904 123456",
    ),
    Customer(
        source_id="C3",
        first_name="Robert",
        last_name="Taylor",
        address=Address(line1="9 Mill Lane", town="Hull", postcode="HU1 1AA"),
        email="rob.taylor@example.org",
    ),
    Customer(
        source_id="C4",
        first_name="Dan",
        last_name="Brown",
        address=Address(line1="1 Quay Street", town="Bristol", postcode="BS1 4DJ"),
    ),
]


def _contact(
    name: str, line1: str, town: str, postcode: str, reference: str, **extra: str
) -> dict[str, object]:
    return {
        "Name": name,
        "AccountNumber": reference,
        "Addresses": [{"AddressType": "STREET", "AddressLine1": line1, "City": town, "PostalCode": postcode}],
        **extra,
    }


PACKAGE_CONTACTS = [
    _contact("J. Smith", "4 Elm Rd", "Leeds", "LS62AB", "PK-SMITH", EmailAddress="john.smith@example.com"),
    _contact("Ann Jones", "12 High St", "York", "yo17hh", "PK-JONES"),
    # moved house since: only the email is the same
    _contact(
        "Robert Taylor",
        "22 Park Avenue",
        "Hull",
        "HU5 3XY",
        "PK-TAYLOR",
        EmailAddress="rob.taylor@example.org",
    ),
    _contact("Zed Holdings Ltd", "5 Dock Street", "Hull", "HU1 3AA", "PK-ZED"),
]


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    """A company with four customers, connected to a sandbox organisation holding three of them."""
    monkeypatch.setenv("LEDGERLINK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("LEDGERLINK_DATABASE_URL", raising=False)
    monkeypatch.setenv("LEDGERLINK_COMPANY", "acme-heating")
    monkeypatch.setenv("COLUMNS", "200")
    with BackgroundServer(sandbox_app("xero", limits=False)) as server:
        monkeypatch.setenv("LEDGERLINK_XERO_SANDBOX_URL", server.url)
        settings = load_settings()
        store = Store.from_settings(settings)
        with store.unit_of_work() as uow:
            company = uow.companies.add("Acme Heating")
            ingest(uow, company.id, CUSTOMERS)
            uow.commit()
        connectors = ConnectorFactory.from_settings(store, settings)

        async def connect() -> None:
            await seed_business(connectors, "xero", "Acme Books", contacts=PACKAGE_CONTACTS)
            connection = await connect_to_sandbox(connectors, company.id, "xero", "Acme Books")
            save_settings(
                connectors,
                company.id,
                connection.id,
                onboarding_path="side-by-side",
                cut_off_date=date(2025, 1, 1),
            )

        asyncio.run(connect())
        store.close()
        yield CliRunner()


def run(cli: CliRunner, *args: str, ok: bool = True, code: int | None = None) -> str:
    """`ledgerlink link ARGS`, exiting 0 (`ok`), 1 (refused), or `code` when given."""
    result = cli.invoke(build_app(), ["link", *args])
    assert result.exit_code == (code if code is not None else 0 if ok else 1), result.output
    return result.output


def test_link_customers_links_the_sure_ones_and_done_waits_for_the_rest(
    cli: CliRunner, tmp_path: Path
) -> None:
    summary = json.loads(run(cli, "customers", "--json"))
    assert summary["bands"] == {"sure": 2, "likely": 1, "none": 1}
    assert {(pair["source_id"], pair["package_name"]) for pair in summary["linked_now"]} == {
        ("C1", "J. Smith"),
        ("C2", "Ann Jones"),
    }
    shown = run(cli, "customers")
    assert "were linked already" in shown

    refused = run(cli, "done", "--kind", "customer", ok=False)
    assert "C3" in refused
    review = json.loads(run(cli, "review", "--json"))
    assert [(item["source_id"], item["package"]["name"]) for item in review] == [("C3", "Robert Taylor")]
    assert any("moved" in reason for reason in review[0]["reasons"])
    assert "Robert Taylor" in run(cli, "review")

    run(cli, "accept", "C3")
    run(cli, "create-new", "C4")
    done = json.loads(run(cli, "done", "--kind", "customer", "--json"))
    assert done["step_done"] is True
    assert (done["linked"], done["create_new"]) == (3, 1)


def test_a_contact_linked_already_is_refused_naming_both_records(cli: CliRunner) -> None:
    run(cli, "customers")
    hits = json.loads(run(cli, "search", "PK-SMITH", "--json"))
    assert [(hit["name"], hit["linked_to"]) for hit in hits] == [("J. Smith", ["customer C1"])]

    refused = run(cli, "set", "C4", "PK-SMITH", code=ExitCode.NEEDS_ATTENTION)

    assert "C1" in refused
    assert "C4" in refused
    run(cli, "set", "C4", "Zed Holdings")
    statuses = {
        item["source_id"]: item["status"] for item in json.loads(run(cli, "review", "--all", "--json"))
    }
    assert statuses["C4"] == "linked"
    run(cli, "unlink", "C4")
    assert [d["decision"] for d in json.loads(run(cli, "history", "C4", "--json"))] == ["manual", "unlink"]
    again = json.loads(run(cli, "customers", "--json"))
    assert "C4" not in {pair["source_id"] for pair in again["linked_now"]}


def test_decisions_come_back_from_a_spreadsheet_once(cli: CliRunner, tmp_path: Path) -> None:
    run(cli, "customers", "--no-auto")
    sheet = tmp_path / "review.csv"
    exported = json.loads(run(cli, "export", str(sheet), "--json"))
    rows = list(csv.DictReader(sheet.open()))
    assert exported["rows"] == len(rows) == 4
    decisions = {"C1": "accept", "C2": "reject", "C3": "link:" + rows[2]["package_id"], "C4": "perhaps"}
    for row in rows:
        row["decision"] = decisions[row["source_id"]]
    with sheet.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    first = json.loads(run(cli, "import-decisions", str(sheet), "--json", code=ExitCode.NEEDS_ATTENTION))
    assert (first["applied"], first["unchanged"]) == (3, 0)
    assert [problem["line"] for problem in first["problems"]] == [5]
    second = json.loads(run(cli, "import-decisions", str(sheet), "--json", code=ExitCode.NEEDS_ATTENTION))
    assert (second["applied"], second["unchanged"]) == (0, 3)

    status = json.loads(run(cli, "status", "--json"))
    assert status[0]["linked"] == 2


def test_text_that_looks_like_markup_is_echoed_as_typed(cli: CliRunner) -> None:
    run(cli, "customers")

    searched = run(cli, "search", "[bold]nobody[/]")
    unknown = cli.invoke(build_app(), ["link", "history", "x-[/]"])

    assert "No package contact matches '[bold]nobody[/]'" in searched
    assert unknown.exit_code == 1
    assert "there is no customer or supplier 'x-[/]'" in unknown.output
