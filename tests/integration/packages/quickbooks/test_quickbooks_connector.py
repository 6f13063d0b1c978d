"""The QuickBooks connector against the QuickBooks sandbox: contacts under unique names, invoices that
sell through service items, credit, payments and supplier documents, balances read back, Faults in the
package's words, stale SyncTokens, and a batch repeated after its reply was lost."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest

from ledgerlink.errors import UncertainOutcome
from ledgerlink.packages.connection import Exchange
from ledgerlink.packages.drafts import (
    AllocationLine,
    ContactDraft,
    Created,
    CreditAllocationDraft,
    DocumentDraft,
    DocumentType,
    LineDraft,
    PaymentDraft,
    Refused,
)
from ledgerlink.packages.quickbooks import QuickBooksConnector
from ledgerlink.packages.quickbooks.connector import CREATE_ITEMS
from ledgerlink.sandbox.kit import FaultSettings
from ledgerlink.sandbox.quickbooks.app import QuickBooksSandbox
from tests.support.quickbooks_schema import SchemaCheckingTransport

DAY = dt.date(2026, 1, 15)


def contact(key: str, name: str, role: str = "customer") -> ContactDraft:
    return ContactDraft(key=key, source_id=key, role=role, name=name, email=f"{key}@example.com")  # type: ignore[arg-type]


async def sent(connector: QuickBooksConnector, draft: object) -> str:
    [outcome] = await connector.create([draft])  # type: ignore[list-item]
    assert isinstance(outcome, Created), outcome
    return outcome.package_id


async def chart(connector: QuickBooksConnector) -> dict[str, str]:
    return {a.code: a.id for a in await connector.ledger_accounts()}


async def standard_vat(connector: QuickBooksConnector) -> str:
    return next(rate.id for rate in await connector.tax_rates() if rate.name == "20.0% S")


def document(
    key: str, kind: DocumentType, party: str, account: str, vat_code: str, net: str, number: str
) -> DocumentDraft:
    amount = Decimal(net)
    vat = (amount * Decimal("0.2")).quantize(Decimal("0.01"))
    line = LineDraft(
        description="Boiler service",
        quantity=Decimal(1),
        unit_price=amount,
        net=amount,
        vat=vat,
        account_id=account,
        account_code="4010",
        tax_rate_id=vat_code,
    )
    return DocumentDraft(
        key=key,
        source_id=key,
        document_type=kind,
        contact_id=party,
        number=number,
        date=DAY,
        lines=(line,),
        net=amount,
        vat=vat,
        gross=amount + vat,
    )


@pytest.fixture
def items_allowed(connector: QuickBooksConnector) -> None:
    connector.context.consents = frozenset({CREATE_ITEMS.name})  # as the mapping step keeps it


async def test_a_supplier_named_like_a_customer_gets_a_visible_stable_name_and_is_found_again(
    connector: QuickBooksConnector,
) -> None:
    customer = await sent(connector, contact("c1", "Hartley & Sons"))
    supplier_draft = contact("s1", "Hartley & Sons", "supplier")
    supplier = await sent(connector, supplier_draft)

    names = {c.id: c.name async for c in connector.contacts()}

    assert names[customer] == "Hartley & Sons"
    assert names[supplier] == "Hartley & Sons (Supplier)"
    assert await connector.find(supplier_draft) == supplier


async def test_an_invoice_line_needs_a_service_item_and_one_is_made_only_with_consent(
    connector: QuickBooksConnector, sandbox: QuickBooksSandbox, realm: str
) -> None:
    customer = await sent(connector, contact("c1", "Ada Lovelace"))
    accounts = await chart(connector)
    invoice = document(
        "i1",
        DocumentType.SALES_INVOICE,
        customer,
        accounts["4010"],
        await standard_vat(connector),
        "100.00",
        "INV-1",
    )

    [refused] = await connector.create([invoice])
    connector.context.consents = frozenset({CREATE_ITEMS.name})  # given at the mapping step
    [created] = await connector.create([invoice])

    assert isinstance(refused, Refused)
    assert "service item" in str(refused.problems[0])
    assert CREATE_ITEMS.action in str(refused.problems[0])
    assert isinstance(created, Created)
    assert created.totals is not None
    assert (created.totals.net, created.totals.vat, created.totals.gross) == (
        Decimal("100.00"),
        Decimal("20.00"),
        Decimal("120.00"),
    )
    [item] = sandbox.state.companies[realm].table("Item").values()
    assert item["IncomeAccountRef"]["value"] == accounts["4010"]


async def test_the_setting_allows_items_on_every_connection_without_asking(
    connector: QuickBooksConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGERLINK_QUICKBOOKS_CREATE_ITEMS", "true")
    connector.config = type(connector.config)()
    customer = await sent(connector, contact("c1", "Ada Lovelace"))
    accounts = await chart(connector)
    vat = await standard_vat(connector)

    created = await sent(
        connector,
        document("i1", DocumentType.SALES_INVOICE, customer, accounts["4010"], vat, "100.00", "INV-1"),
    )

    assert created


@pytest.mark.usefixtures("items_allowed")
async def test_batches_going_at_once_ask_once_for_the_item_a_sales_account_needs(
    connector: QuickBooksConnector, sandbox: QuickBooksSandbox, realm: str
) -> None:
    customer = await sent(connector, contact("c1", "Ada Lovelace"))
    accounts = await chart(connector)
    vat = await standard_vat(connector)
    invoices = [
        document(f"i{n}", DocumentType.SALES_INVOICE, customer, accounts["4010"], vat, "10.00", f"INV-{n}")
        for n in range(4)
    ]

    sandbox.faults.set(FaultSettings(latency_ms=5), business_id=realm)  # replies take their time
    exchanges: list[Exchange] = []
    connector.context.observer = exchanges.append

    outcomes = await asyncio.gather(*(connector.create([invoice]) for invoice in invoices))

    assert all(isinstance(outcome, Created) for [outcome] in outcomes), outcomes
    assert len(sandbox.state.companies[realm].table("Item")) == 1
    assert [e.method for e in exchanges if e.path == "/item"] == ["POST"]  # asked for once, not four times


@pytest.mark.usefixtures("items_allowed")
async def test_an_invoice_a_credit_memo_a_payment_and_an_allocation_leave_the_customer_owing_nothing(
    connector: QuickBooksConnector,
) -> None:
    customer = await sent(connector, contact("c1", "Ada Lovelace"))
    accounts = await chart(connector)
    vat = await standard_vat(connector)
    bank = next(b.id for b in await connector.bank_accounts() if b.code == "1200")
    invoice = await sent(
        connector,
        document("i1", DocumentType.SALES_INVOICE, customer, accounts["4010"], vat, "100.00", "INV-1"),
    )
    memo = await sent(
        connector,
        document("m1", DocumentType.SALES_CREDIT_NOTE, customer, accounts["4010"], vat, "10.00", "CN-1"),
    )
    owed_before = await connector.outstanding_balance(customer)

    await sent(
        connector,
        CreditAllocationDraft(
            key="a1",
            source_id="a1",
            contact_id=customer,
            credit_note_id=memo,
            invoice_id=invoice,
            amount=Decimal("12.00"),
            date=DAY,
        ),
    )
    receipt = PaymentDraft(
        key="p1",
        source_id="p1",
        document_type=DocumentType.CUSTOMER_RECEIPT,
        contact_id=customer,
        bank_account_id=bank,
        bank_account_code="1200",
        date=DAY,
        amount=Decimal("108.00"),
        reference="BACS",
        allocations=(AllocationLine(invoice, DocumentType.SALES_INVOICE, Decimal("108.00")),),
    )
    paid = await sent(connector, receipt)

    assert owed_before == Decimal("108.00")
    assert await connector.outstanding_balance(customer) == Decimal(0)
    assert await connector.find(receipt) == paid


@pytest.mark.usefixtures("items_allowed")
async def test_a_bill_a_vendor_credit_and_a_bill_payment_leave_the_supplier_owed_nothing(
    connector: QuickBooksConnector,
) -> None:
    supplier = await sent(connector, contact("s1", "Pipes R Us", "supplier"))
    accounts = await chart(connector)
    vat = await standard_vat(connector)
    bank = next(b.id for b in await connector.bank_accounts() if b.code == "1200")
    bill = await sent(
        connector,
        document("b1", DocumentType.PURCHASE_INVOICE, supplier, accounts["5000"], vat, "50.00", "P-77"),
    )
    credit = await sent(
        connector,
        document("v1", DocumentType.PURCHASE_CREDIT_NOTE, supplier, accounts["5000"], vat, "5.00", "PC-1"),
    )
    await sent(
        connector,
        CreditAllocationDraft(
            key="a1",
            source_id="a1",
            contact_id=supplier,
            credit_note_id=credit,
            invoice_id=bill,
            amount=Decimal("6.00"),
            date=DAY,
            purchase=True,
        ),
    )
    payment = PaymentDraft(
        key="p1",
        source_id="p1",
        document_type=DocumentType.SUPPLIER_PAYMENT,
        contact_id=supplier,
        bank_account_id=bank,
        bank_account_code="1200",
        date=DAY,
        amount=Decimal("54.00"),
        allocations=(AllocationLine(bill, DocumentType.PURCHASE_INVOICE, Decimal("54.00")),),
    )

    await sent(connector, payment)

    assert await connector.outstanding_balance(supplier) == Decimal(0)


@pytest.mark.usefixtures("items_allowed")
async def test_a_duplicate_number_is_refused_in_the_packages_words_and_the_rest_of_the_batch_goes(
    connector: QuickBooksConnector,
) -> None:
    customer = await sent(connector, contact("c1", "Ada Lovelace"))
    accounts = await chart(connector)
    vat = await standard_vat(connector)
    await sent(
        connector,
        document("i1", DocumentType.SALES_INVOICE, customer, accounts["4010"], vat, "100.00", "INV-1"),
    )

    again, fresh = await connector.create(
        [
            document("i2", DocumentType.SALES_INVOICE, customer, accounts["4010"], vat, "100.00", "INV-1"),
            document("i3", DocumentType.SALES_INVOICE, customer, accounts["4010"], vat, "100.00", "INV-2"),
        ]
    )

    assert isinstance(again, Refused)
    assert "Duplicate Document Number Error (6140)" in str(again.problems[0])
    assert isinstance(fresh, Created)


async def test_an_update_is_sparse_and_a_stale_sync_token_is_read_again(
    connector: QuickBooksConnector, sandbox: QuickBooksSandbox, realm: str
) -> None:
    draft = contact("c1", "Ada Lovelace")
    customer = await sent(connector, draft)
    key = customer.split(":")[1]
    held = sandbox.state.companies[realm].table("Customer")[key]
    held["Notes"] = "kept"
    real_read = connector.client.read
    calls = 0

    async def stale_first(
        entity: str, record: str
    ) -> dict[str, object]:  # someone edits between read and write
        nonlocal calls
        calls += 1
        item = await real_read(entity, record)
        if calls == 1:
            sandbox.state.update(
                sandbox.state.companies[realm],
                "Customer",
                {"Id": key, "SyncToken": item["SyncToken"], "sparse": True, "Notes": "kept"},
            )
        return item

    connector.client.read = stale_first  # type: ignore[method-assign]
    outcome = await connector.update(
        customer,
        ContactDraft(
            key="c1v2", source_id="c1", role="customer", name="Ada Lovelace", email="new@example.com"
        ),
    )

    assert isinstance(outcome, Created)
    stored = sandbox.state.companies[realm].table("Customer")[key]
    assert (stored["PrimaryEmailAddr"]["Address"], stored["Notes"], stored["DisplayName"]) == (
        "new@example.com",
        "kept",
        "Ada Lovelace",
    )
    assert calls == 2


async def test_a_batch_whose_reply_was_lost_is_replayed_not_made_twice(
    connector: QuickBooksConnector, sandbox: QuickBooksSandbox, realm: str
) -> None:
    drafts = [contact(f"c{n}", f"Customer {n}") for n in range(5)]
    sandbox.faults.set(type(sandbox.faults.settings_for(None))(drop_after_store_rate=1.0))

    with pytest.raises(UncertainOutcome):
        await connector.create(drafts)
    sandbox.faults.reset()
    outcomes = await connector.create(drafts)

    assert all(isinstance(o, Created) for o in outcomes)
    assert sandbox.state.companies[realm].counts()["Customer"] == 5


async def test_every_call_carries_the_minor_version_and_every_write_a_request_id(
    connector: QuickBooksConnector, transport: SchemaCheckingTransport
) -> None:
    await sent(connector, contact("c1", "Ada Lovelace"))
    await connector.tax_rates()

    assert transport.calls
    assert transport.failures == []


@pytest.mark.usefixtures("items_allowed")
async def test_a_refund_pays_a_credit_memo_back_and_is_found_again(connector: QuickBooksConnector) -> None:
    customer = await sent(connector, contact("c1", "Ada Lovelace"))
    accounts = await chart(connector)
    vat = await standard_vat(connector)
    bank = next(b.id for b in await connector.bank_accounts() if b.code == "1200")
    memo = await sent(
        connector,
        document("m1", DocumentType.SALES_CREDIT_NOTE, customer, accounts["4010"], vat, "10.00", "CN-1"),
    )
    refund = PaymentDraft(
        key="r1",
        source_id="r1",
        document_type=DocumentType.CUSTOMER_REFUND,
        contact_id=customer,
        bank_account_id=bank,
        bank_account_code="1200",
        date=DAY,
        amount=Decimal("12.00"),
        allocations=(AllocationLine(memo, DocumentType.SALES_CREDIT_NOTE, Decimal("12.00")),),
    )
    owed_before = await connector.outstanding_balance(customer)

    made = await sent(connector, refund)

    assert owed_before == Decimal("-12.00")
    assert await connector.outstanding_balance(customer) == Decimal(0)
    assert await connector.find(refund) == made


@pytest.mark.usefixtures("items_allowed")
async def test_a_refund_looked_for_before_any_was_made_is_then_made_to_the_receivable_account(
    connector: QuickBooksConnector,
) -> None:
    """A send taken up again looks an uncertain refund up first: the look-up must not leave the
    connector booking the refunds it then makes to no account."""
    customer = await sent(connector, contact("c1", "Ada Lovelace"))
    accounts = await chart(connector)
    vat = await standard_vat(connector)
    bank = next(b.id for b in await connector.bank_accounts() if b.code == "1200")
    memo = await sent(
        connector,
        document("m1", DocumentType.SALES_CREDIT_NOTE, customer, accounts["4010"], vat, "10.00", "CN-1"),
    )
    refund = PaymentDraft(
        key="r1",
        source_id="r1",
        document_type=DocumentType.CUSTOMER_REFUND,
        contact_id=customer,
        bank_account_id=bank,
        bank_account_code="1200",
        date=DAY,
        amount=Decimal("12.00"),
        allocations=(AllocationLine(memo, DocumentType.SALES_CREDIT_NOTE, Decimal("12.00")),),
    )

    assert await connector.find(refund) is None
    made = await sent(connector, refund)

    assert await connector.outstanding_balance(customer) == Decimal(0)
    assert await connector.find(refund) == made
