"""`ledgerlink from-package` as a person uses it, against a Sage sandbox served on a real socket: a
payment the bookkeeper records in Sage comes back once, however often it is read, and is shown in the
changes feed and the webhook settings."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from ledgerlink.cli import build_app
from ledgerlink.cli.connection import open_connectors
from ledgerlink.domain.records import RecordKind
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit import BackgroundServer
from ledgerlink.services.demo.books import reference_lists
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.services.sending.controls import connection_of, send_now
from tests.support.command_line import free_port
from tests.support.package_side import BOOKS, CUT_OFF


@pytest.fixture
def sent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CliRunner, str]]:
    """A company connected to a Sage sandbox on a socket, the books sent; yields the runner and the URL."""
    with BackgroundServer(sandbox_app("sage", limits=False)) as server:
        httpx.post(f"{server.url}/_sandbox/seed", json={"name": "Hollis Books"}).raise_for_status()
        monkeypatch.setenv("LEDGERLINK_SAGE_SANDBOX_URL", server.url)
        monkeypatch.setenv("LEDGERLINK_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("LEDGERLINK_REDIRECT_URI", f"http://127.0.0.1:{free_port()}/connect/callback")
        monkeypatch.setenv("LEDGERLINK_COMPANY", "hollis-heating")
        monkeypatch.delenv("LEDGERLINK_DATABASE_URL", raising=False)
        monkeypatch.setenv("COLUMNS", "200")
        runner = CliRunner()
        run(runner, "init", "--company", "Hollis Heating")
        run(runner, "connect", "sage", "--sandbox", "--auto-approve", "--business", "Hollis Books", "--json")
        asyncio.run(send_books())
        yield runner, server.url


async def send_books() -> None:
    store, connectors = open_connectors()
    nominals, _, methods = reference_lists()
    with store.unit_of_work() as uow:
        company = uow.companies.get("hollis-heating")
        uow.reference(company.id).put_nominal_accounts(nominals)
        uow.reference(company.id).put_payment_methods(methods)
        assert not ingest(uow, company.id, list(BOOKS)).rejected
        uow.commit()
    connection = save_settings(
        connectors, company.id, connection_of(store, company.id).id, cut_off_date=CUT_OFF
    )
    mapping = Nominals(store, connection)
    connector = connectors.connector(connection)
    try:
        await mapping.read_lists(connector)
    finally:
        await connector.aclose()
    mapping.accept_suggestions(checked=True)
    assert not (await send_now(connectors, company.id)).failed
    store.close()


def run(cli: CliRunner, *args: str, code: int = 0) -> str:
    result = cli.invoke(build_app(), list(args))
    assert result.exit_code == code, result.output
    return result.output


def pay_in_sage(url: str, amount: float, *, bank: str = "") -> str:
    store, _ = open_connectors()
    with store.unit_of_work() as uow:
        company = uow.companies.get("hollis-heating")
        connection = connection_of(store, company.id)
        links = uow.links(connection.id)
        invoice = links.find(RecordKind.INVOICE, "J-1")
        customer = links.find(RecordKind.CUSTOMER, "C1")
        mapped = uow.mappings(connection.id).as_dict()[("payment_method", "bacs")]
    store.close()
    assert invoice is not None
    assert customer is not None
    body = {
        "contact_payment": {
            "transaction_type_id": "CUSTOMER_RECEIPT",
            "contact_id": customer.package_id,
            "bank_account_id": bank or mapped,
            "date": "2026-10-20",
            "total_amount": amount,
            "allocated_artefacts": [{"artefact_id": invoice.package_id, "amount": amount}],
        }
    }
    reply = httpx.post(
        f"{url}/_sandbox/as_person", json={"method": "POST", "path": "/contact_payments", "body": body}
    )
    assert reply.status_code == 201, reply.text
    return str(reply.json()["id"])


def test_a_payment_made_in_sage_is_read_once_and_listed(sent: tuple[CliRunner, str]) -> None:
    cli, url = sent
    settings = json.loads(run(cli, "from-package", "settings", "--json"))
    assert settings["kinds"] == ["payment"]
    assert settings["schedule"] == "on_demand"
    secret = json.loads(run(cli, "from-package", "webhook", "http://127.0.0.1:9/hooks", "--json"))["secret"]
    assert len(secret) >= 32
    payment_id = pay_in_sage(url, 70.0)

    first = json.loads(run(cli, "from-package", "read", "--json"))
    again = json.loads(run(cli, "from-package", "read", "--json"))

    assert first["applied"] == {"applied": 1, "ours": 1}  # the payment ledgerlink sent itself is known
    assert again["applied"] == {}
    listed = json.loads(run(cli, "from-package", "list", "--json"))["changes"]
    assert [(c["what"], c["source_id"]) for c in listed] == [("created", f"sage-{payment_id}")]
    log = json.loads(run(cli, "from-package", "deliveries", "--json"))
    assert [(d["event_id"], d["state"]) for d in log] == [
        (listed[0]["id"], "pending")
    ]  # nobody listens there
    assert log[0]["attempts"] == 1
    assert log[0]["last_error"]
    text = " ".join(run(cli, "from-package", "list").split())
    assert "created" in text
    assert "customer_payment" in text


def test_settings_refuse_a_kind_that_does_not_exist(sent: tuple[CliRunner, str]) -> None:
    cli, _ = sent
    answer = run(cli, "from-package", "settings", "--kinds", "payment,invoices", code=1)
    assert "kinds must be some of payment, credit_allocation, document" in " ".join(answer.split())
    changed = json.loads(run(cli, "from-package", "settings", "--kinds", "payment,document", "--json"))
    assert changed["kinds"] == ["document", "payment"]


def unmapped_bank_account(url: str) -> str:
    """A bank account in Sage that no payment method maps to: a payment into it waits for a person."""
    store, _ = open_connectors()
    with store.unit_of_work() as uow:
        company = uow.companies.get("hollis-heating")
        mapped = set(uow.mappings(connection_of(store, company.id).id).as_dict().values())
    store.close()
    reply = httpx.post(f"{url}/_sandbox/as_person", json={"method": "GET", "path": "/bank_accounts"})
    assert reply.status_code == 200, reply.text
    return next(str(item["id"]) for item in reply.json()["$items"] if item["id"] not in mapped)


def test_a_change_waiting_for_a_person_is_marked_dealt_with_and_back(sent: tuple[CliRunner, str]) -> None:
    cli, url = sent
    pay_in_sage(url, 30.0, bank=unmapped_bank_account(url))
    run(cli, "from-package", "read", "--json", code=3)
    [waiting] = json.loads(run(cli, "from-package", "list", "--needs-person", "--json"))["changes"]

    marked = json.loads(
        run(cli, "from-package", "dealt-with", str(waiting["id"]), "--by", "Sam", "--note", "moved", "--json")
    )

    assert (marked["dealt_with"]["by"], marked["dealt_with"]["note"]) == ("Sam", "moved")
    assert json.loads(run(cli, "from-package", "list", "--needs-person", "--json"))["changes"] == []
    [kept] = json.loads(run(cli, "from-package", "list", "--json"))["changes"]
    assert kept["dealt_with"]["by"] == "Sam"  # out of the waiting list, still in the history
    assert "Sam" in " ".join(run(cli, "from-package", "list").split())
    run(cli, "from-package", "read", "--json")  # nothing waits: no attention needed

    run(cli, "from-package", "dealt-with", str(waiting["id"]), "--undo")
    assert len(json.loads(run(cli, "from-package", "list", "--needs-person", "--json"))["changes"]) == 1
    missing = run(cli, "from-package", "dealt-with", "999999", "--by", "Sam", code=1)
    assert "no change 999999 waiting for a person" in " ".join(missing.split())
