"""A paid invoice changed after sending: the package keeps it as sent, so the bookkeeper credits it and
issues it again, and the books agree on both sides to the penny, on each sandbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import (
    Allocation,
    Customer,
    CustomerPayment,
    DocumentLine,
    Invoice,
    Record,
    RecordKind,
)
from ledgerlink.packages.base import PackageConnector
from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.sandbox.kit import in_process_transport
from ledgerlink.sandbox.sage.app import SageSandboxConfig
from ledgerlink.sandbox.sage.app import create_app as sage_app
from ledgerlink.sandbox.xero.app import XeroSandboxConfig
from ledgerlink.sandbox.xero.app import create_app as xero_app
from ledgerlink.services.connect import save_settings
from ledgerlink.services.dashboard import credit_and_reissue, leave_change
from ledgerlink.services.demo_data import reference_lists
from ledgerlink.services.nominals import Nominals
from ledgerlink.services.reconcile import reconcile
from ledgerlink.services.records import ingest
from ledgerlink.services.reissue import CannotReissue, Reissuer
from ledgerlink.services.runtime import Runtime
from ledgerlink.services.sandbox_session import connect_to_sandbox, sandbox_client, seed_business
from ledgerlink.services.secrets import SecretBox
from ledgerlink.services.sending import Sender, SendReport
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection, LinkRepository
from ledgerlink.store.outbox import Entry, OutboxRepository

APPS = {
    "sage": lambda: sage_app(SageSandboxConfig(rate_limit_per_minute=None)),
    "xero": lambda: xero_app(
        XeroSandboxConfig(minute_limit=None, day_limit=None, concurrency=None, app_minute_limit=None)
    ),
}


def invoice(net: str) -> Invoice:
    return Invoice(
        source_id="J-1",
        number="INV-1001",
        customer_id="C-1",
        date=date(2026, 10, 5),
        lines=(
            DocumentLine(
                description="Boiler service", unit_price=Decimal(net), vat_rate="S", nominal_code="4000"
            ),
        ),
    )


def payment(source_id: str, amount: str) -> CustomerPayment:
    return CustomerPayment(
        source_id=source_id,
        customer_id="C-1",
        date=date(2026, 10, 20),
        amount=Decimal(amount),
        method="card",
        allocations=(Allocation(document_id="J-1", amount=Decimal(amount)),),
    )


@dataclass
class Books:
    store: Store
    runtime: Runtime
    package: str
    company_id: int
    connection: Connection
    connector: PackageConnector

    def feed(self, *records: Record) -> None:
        with self.store.unit_of_work() as uow:
            assert not ingest(uow, self.company_id, list(records)).rejected
            uow.commit()

    async def send(self) -> SendReport:
        return await Sender(self.store, connection=self.connection, connector=self.connector).run()

    def entry(self) -> Entry:
        with self.store.unit_of_work() as uow:
            found = OutboxRepository(uow.session, self.connection.id, self.company_id).find(
                RecordKind.INVOICE, "J-1"
            )
        assert found is not None
        return found

    async def documents(self) -> dict[str, int]:
        """Sales invoices and credit notes the package holds, whatever it calls them."""
        async with sandbox_client(self.runtime, self.package) as client:
            counts = (await client.get("/_sandbox/state")).json()["businesses"][0]["counts"]
        if self.package == "sage":
            return {"invoices": counts["sales_invoices"], "credit notes": counts["sales_credit_notes"]}
        return {"invoices": counts["invoices"], "credit notes": counts["credit_notes"]}


@pytest.fixture(params=["sage", "xero"])
async def books(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Books]:
    package = str(request.param)
    store = Store.open(f"sqlite:///{tmp_path / 'ledgerlink.db'}")
    runtime = Runtime(
        store=store,
        settings=Settings(data_dir=tmp_path),
        box=SecretBox("reissue"),
        in_process={package: in_process_transport(APPS[package]())},
        pacer_factory=lambda connection, entry: UnlimitedPacer(),
    )
    nominals, rates, methods = reference_lists()
    with store.unit_of_work() as uow:
        company = uow.companies.add("Reissue Heating")
        reference = uow.reference(company.id)
        reference.put_nominal_accounts(nominals)
        reference.put_vat_rates(rates)
        reference.put_payment_methods(methods)
        uow.commit()
    await seed_business(runtime, package, "Reissue Books")
    connection = await connect_to_sandbox(runtime, company.id, package, "Reissue Books")
    connection = save_settings(runtime, company.id, connection.id, cut_off_date=date(2026, 1, 1))
    connector = runtime.connector(connection)
    mapping = Nominals(store, connection)
    await mapping.read_lists(connector)
    mapping.accept_suggestions()
    yield Books(store, runtime, package, company.id, connection, connector)
    await connector.aclose()
    store.close()


async def test_a_paid_invoice_changed_after_sending_is_credited_and_issued_again_and_the_books_agree(
    books: Books,
) -> None:
    books.feed(
        Customer(source_id="C-1", first_name="Ada", last_name="Lovelace"),
        invoice("100.00"),
        payment("P-1", "50.00"),
    )
    first = await books.send()
    books.feed(invoice("150.00"))  # the engineer went back: the job cost more than invoiced
    noticed = await books.send()
    note = books.entry().changed_after_sending
    with books.store.unit_of_work() as uow:
        old_id = LinkRepository(uow.session, books.connection.id).package_ids(RecordKind.INVOICE)["J-1"]

    credit_and_reissue(books.store, books.company_id, "J-1", kind=RecordKind.INVOICE)
    reissued = await books.send()
    books.feed(payment("P-2", "130.00"))  # the customer pays what is now due
    paid = await books.send()
    balances = await reconcile(books.store, books.connection, books.connector)
    with books.store.unit_of_work() as uow:
        new_id = LinkRepository(uow.session, books.connection.id).package_ids(RecordKind.INVOICE)["J-1"]

    assert first.counts[EntryState.SENT] == 3
    assert noticed.updated == 0
    assert "credit it and issue it again" in note.lower()
    assert reissued.updated == 1
    assert books.entry().changed_after_sending == ""
    assert "credited by INV-1001-CR and issued again as INV-1001-R" in books.entry().reason
    assert new_id != old_id
    assert paid.counts[EntryState.SENT] == 4
    assert balances.clean, balances.differences
    assert balances.jobs_total == Decimal("0.00")
    assert await books.documents() == {"invoices": 2, "credit notes": 1}


async def test_a_reissue_stopped_half_way_carries_on_where_it_stopped_and_credits_once(
    books: Books, monkeypatch: pytest.MonkeyPatch
) -> None:
    books.feed(
        Customer(source_id="C-1", first_name="Ada", last_name="Lovelace"),
        invoice("100.00"),
        payment("P-1", "50.00"),
    )
    await books.send()
    books.feed(invoice("150.00"))
    await books.send()
    credit_and_reissue(books.store, books.company_id, "J-1", kind=RecordKind.INVOICE)

    def not_yet(*args: object) -> None:
        raise CannotReissue("the new invoice's sales account is not mapped")

    with monkeypatch.context() as patch:
        patch.setattr(Reissuer, "_new_draft", not_yet)
        stopped = await books.send()
    halfway = books.entry()
    finished = await books.send()
    balances = await reconcile(books.store, books.connection, books.connector)

    assert stopped.updated == 0
    assert halfway.reason == "the new invoice's sales account is not mapped"
    assert halfway.changed_after_sending.startswith("reissue")
    assert finished.updated == 1
    assert balances.clean, balances.differences
    assert await books.documents() == {"invoices": 2, "credit notes": 1}


async def test_credit_and_reissue_is_refused_for_a_record_with_no_change_waiting(books: Books) -> None:
    books.feed(Customer(source_id="C-1", first_name="Ada", last_name="Lovelace"), invoice("100.00"))
    await books.send()

    with pytest.raises(Exception, match="no change waiting"):
        credit_and_reissue(books.store, books.company_id, "J-1", kind=RecordKind.INVOICE)
    with pytest.raises(Exception, match="no change waiting"):
        leave_change(books.store, books.company_id, "J-1", kind=RecordKind.INVOICE)
