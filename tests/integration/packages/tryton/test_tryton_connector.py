"""The connector on a real `trytond`, record by record: what Tryton's own books say after each kind of
draft, the job system's VAT kept where Tryton would round a half penny the other way, and a record
whose reply was lost found again (and finished) by the key it carries."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from ledgerlink.errors import PackageUnavailable, UncertainOutcome
from ledgerlink.packages.connection import ConnectionContext, PackageSettings
from ledgerlink.packages.drafts import (
    AllocationLine,
    ContactDraft,
    Created,
    CreditAllocationDraft,
    DocumentDraft,
    DocumentType,
    LineDraft,
    OpeningOf,
    PaymentDraft,
    Refused,
)
from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.packages.tryton import mapping
from ledgerlink.packages.tryton import opening as tryton_opening
from ledgerlink.packages.tryton.connector import TrytonConnector
from ledgerlink.packages.tryton.server import TrytonHome, start_business

pytestmark = pytest.mark.slow


class Login:
    def __init__(self, secret: str) -> None:
        self.secret = secret

    async def access_token(self) -> str:
        return self.secret

    async def refresh(self, stale_access_token: str) -> str:
        return self.secret


@pytest.fixture
async def connector(home: TrytonHome) -> AsyncIterator[TrytonConnector]:
    server = await start_business(home, "Hollis Heating", database=f"records{datetime.now(UTC):%H%M%S%f}")
    context = ConnectionContext(
        business_id=server.database,
        tokens=Login(home.credentials()),
        settings=PackageSettings(api_url=server.url, auth_url="", token_url=""),
        pacer=UnlimitedPacer(),
    )
    found = TrytonConnector(context)
    yield found
    await found.aclose()
    server.stop()


async def one(connector: TrytonConnector, draft: object) -> Created:
    [outcome] = await connector.create([draft])  # type: ignore[list-item]
    assert isinstance(outcome, Created), outcome
    return outcome


async def service_invoice(
    connector: TrytonConnector, customer: str, key: str, number: str, day: date
) -> DocumentDraft:
    """A customer's invoice for one service at 50.00 and 20% VAT, on 4000 Sales Type A."""
    taxes = {tax.name: tax.id for tax in await connector.tax_rates()}
    accounts = {account.code: account.id for account in await connector.ledger_accounts()}
    line = LineDraft(
        "Service",
        Decimal(1),
        Decimal("50.00"),
        Decimal("50.00"),
        Decimal("10.00"),
        accounts["4000"],
        "4000",
        taxes["Standard 20% (sales)"],
    )
    return DocumentDraft(
        key,
        number,
        DocumentType.SALES_INVOICE,
        customer,
        number,
        day,
        (line,),
        Decimal("50.00"),
        Decimal("10.00"),
        Decimal("60.00"),
    )


async def test_invoices_credit_notes_payments_and_allocations_settle_in_tryton_s_books(
    connector: TrytonConnector,
) -> None:
    taxes = {tax.name: tax.id for tax in await connector.tax_rates()}
    accounts = {account.code: account.id for account in await connector.ledger_accounts()}
    bank = next(b for b in await connector.bank_accounts() if b.code == "1200")
    customer = await one(
        connector, ContactDraft("c", "C1", "customer", "Jane Smith", email="jane@example.com")
    )
    supplier = await one(connector, ContactDraft("s", "S1", "supplier", "Plumb Supplies Ltd"))
    standard, reduced = taxes["Standard 20% (sales)"], taxes["Reduced 5% (sales)"]
    lines = (
        LineDraft(
            "Boiler service",
            Decimal(1),
            Decimal("80.00"),
            Decimal("80.00"),
            Decimal("16.00"),
            accounts["4000"],
            "4000",
            standard,
        ),
        # 5% of 0.10 is half a penny: the job system rounds it up, Tryton to even
        LineDraft(
            "Washer",
            Decimal(1),
            Decimal("0.10"),
            Decimal("0.10"),
            Decimal("0.01"),
            accounts["4000"],
            "4000",
            reduced,
        ),
    )
    invoice = await one(
        connector,
        DocumentDraft(
            "i",
            "J1",
            DocumentType.SALES_INVOICE,
            customer.package_id,
            "INV-1",
            date(2026, 3, 2),
            lines,
            Decimal("80.10"),
            Decimal("16.01"),
            Decimal("96.11"),
        ),
    )
    credit = await one(
        connector,
        DocumentDraft(
            "n",
            "N1",
            DocumentType.SALES_CREDIT_NOTE,
            customer.package_id,
            "CN-1",
            date(2026, 3, 3),
            lines[:1],
            Decimal("80.00"),
            Decimal("16.00"),
            Decimal("96.00"),
        ),
    )
    await one(
        connector,
        CreditAllocationDraft(
            "a",
            "N1",
            customer.package_id,
            credit.package_id,
            invoice.package_id,
            Decimal("96.00"),
            date(2026, 3, 3),
        ),
    )
    receipt = PaymentDraft(
        "p",
        "P1",
        DocumentType.CUSTOMER_RECEIPT,
        customer.package_id,
        bank.id,
        bank.code,
        date(2026, 3, 4),
        Decimal("5.00"),
        "R1",
        (AllocationLine(invoice.package_id, DocumentType.SALES_INVOICE, Decimal("0.11")),),
    )
    await one(connector, receipt)
    purchase = taxes["Standard 20% (purchases)"]
    bill = await one(
        connector,
        DocumentDraft(
            "b",
            "B1",
            DocumentType.PURCHASE_INVOICE,
            supplier.package_id,
            "SUP-77",
            date(2026, 3, 5),
            (
                LineDraft(
                    "Copper pipe",
                    Decimal(2),
                    Decimal("10.00"),
                    Decimal("20.00"),
                    Decimal("4.00"),
                    accounts["5001"],
                    "5001",
                    purchase,
                ),
            ),
            Decimal("20.00"),
            Decimal("4.00"),
            Decimal("24.00"),
        ),
    )

    assert invoice.totals is not None
    assert invoice.totals.vat == Decimal("16.01")
    assert credit.totals is not None
    assert credit.totals.gross == Decimal("96.00")
    # the invoice is settled by the credit note and 0.11 of the receipt; 4.89 is the customer's credit
    assert await connector.outstanding_balances([customer.package_id, supplier.package_id]) == {
        customer.package_id: Decimal("-4.89"),
        supplier.package_id: Decimal("24.00"),
    }
    states = await connector.rpc.model(
        "account.invoice",
        "read",
        [int(invoice.package_id), int(credit.package_id), int(bill.package_id)],
        ["state"],
    )
    assert [row["state"] for row in states] == ["paid", "paid", "posted"]
    # a lost reply: the engine asks again, and finds the same records rather than making new ones
    assert await connector.find(receipt) is not None
    assert await connector.find(ContactDraft("c2", "C1", "customer", "Jane Smith")) == customer.package_id
    assert await connector.find(ContactDraft("c3", "C2", "customer", "Someone Else")) is None


async def test_an_invoice_left_in_draft_by_a_lost_reply_is_posted_when_found(
    connector: TrytonConnector,
) -> None:
    customer = await one(connector, ContactDraft("c", "C1", "customer", "Jane Smith"))
    draft = await service_invoice(connector, customer.package_id, "i", "INV-1", date(2026, 3, 2))
    # created, then the reply was lost before it was posted
    party = int(customer.package_id)
    values = mapping.invoice_create(
        draft,
        address=await connector._address(party),
        account=await connector._setup("receivable"),
        journal=await connector._setup("journal_revenue"),
        currency=await connector._setup("currency"),
        company=await connector._setup("company"),
    )
    made = await connector.rpc.model("account.invoice", "create", [values], write=True)

    assert await connector.find(draft) == str(made[0])
    [row] = await connector.rpc.model("account.invoice", "read", made, ["state", "total_amount"])
    assert (row["state"], row["total_amount"]) == ("posted", Decimal("60.00"))
    assert await connector.outstanding_balance(customer.package_id) == Decimal("60.00")


def opening_item(
    key: str, kind: DocumentType, contact: str, number: str, open_amount: str, of: str, account: str
) -> DocumentDraft:
    """A document dated before the cut-off of 1 April 2026, `open_amount` of its `of` still open then."""
    amount = Decimal(open_amount)
    return DocumentDraft(
        key,
        number,
        kind,
        contact,
        number,
        date(2026, 4, 1),
        (
            LineDraft(
                f"Opening balance: {number}", Decimal(1), amount, amount, Decimal(0), account, "9998", ""
            ),
        ),
        amount,
        Decimal(0),
        amount,
        opening=OpeningOf(date(2026, 2, 20), number, Decimal(of), date(2026, 4, 1)),
    )


async def test_opening_items_go_in_as_journal_entries_and_money_after_the_cut_off_settles_them(
    connector: TrytonConnector,
) -> None:
    accounts = {account.code: account for account in await connector.ledger_accounts()}
    bank = next(b for b in await connector.bank_accounts() if b.code == "1200")
    customer = await one(connector, ContactDraft("c", "C1", "customer", "Jane Smith"))
    supplier = await one(connector, ContactDraft("s", "S1", "supplier", "Plumb Supplies Ltd"))
    opening = accounts["9998"].id
    invoice = await one(
        connector,
        opening_item(
            "i", DocumentType.SALES_INVOICE, customer.package_id, "INV-0901", "200.00", "240.00", opening
        ),
    )
    credit = await one(
        connector,
        opening_item(
            "n", DocumentType.SALES_CREDIT_NOTE, customer.package_id, "CN-0044", "30.00", "30.00", opening
        ),
    )
    bill = await one(
        connector,
        opening_item(
            "b", DocumentType.PURCHASE_INVOICE, supplier.package_id, "SUP-512", "60.00", "60.00", opening
        ),
    )
    # what was open at the cut-off, on the parties' own accounts, and nothing through sales or VAT
    assert await connector.outstanding_balances([customer.package_id, supplier.package_id]) == {
        customer.package_id: Decimal("170.00"),
        supplier.package_id: Decimal("60.00"),
    }
    assert invoice.totals is not None
    assert (invoice.totals.vat, invoice.totals.gross) == (Decimal(0), Decimal("200.00"))
    [move] = await connector.rpc.model(
        "account.move", "read", [mapping.opening_move(invoice.package_id)], ["state", "date", "journal"]
    )
    [journal] = await connector.rpc.model("account.journal", "read", [move["journal"]], ["type"])
    assert (move["state"], move["date"], journal["type"]) == ("posted", date(2026, 4, 1), "situation")

    def receipt(key: str, amount: str, document: str, kind: DocumentType, contact: str) -> PaymentDraft:
        payment_kind = (
            DocumentType.SUPPLIER_PAYMENT
            if kind is DocumentType.PURCHASE_INVOICE
            else DocumentType.CUSTOMER_RECEIPT
        )
        allocations = (AllocationLine(document, kind, Decimal(amount)),)
        return PaymentDraft(
            key,
            key,
            payment_kind,
            contact,
            bank.id,
            bank.code,
            date(2026, 4, 9),
            Decimal(amount),
            key,
            allocations,
        )

    async def reconciled(document: str) -> bool:
        rows = await connector.rpc.search_read(
            "account.move.line",
            [("move", "=", mapping.opening_move(document)), ("party", "!=", None)],
            ["reconciliation"],
        )
        return bool(rows[0]["reconciliation"])

    part = receipt("p1", "150.00", invoice.package_id, DocumentType.SALES_INVOICE, customer.package_id)
    await one(connector, part)
    await one(
        connector,
        CreditAllocationDraft(
            "a",
            "N1",
            customer.package_id,
            credit.package_id,
            invoice.package_id,
            Decimal("30.00"),
            date(2026, 4, 9),
        ),
    )
    # part paid and part credited: both still open where something is left, as an invoice would be
    assert not await reconciled(invoice.package_id)
    assert await reconciled(credit.package_id)
    await one(
        connector, receipt("p2", "20.00", invoice.package_id, DocumentType.SALES_INVOICE, customer.package_id)
    )
    await one(
        connector, receipt("p3", "60.00", bill.package_id, DocumentType.PURCHASE_INVOICE, supplier.package_id)
    )

    assert await reconciled(invoice.package_id)
    assert await reconciled(bill.package_id)
    assert await connector.outstanding_balances([customer.package_id, supplier.package_id]) == {
        customer.package_id: Decimal("0.00"),
        supplier.package_id: Decimal("0.00"),
    }
    # a lost reply: the engine asks again, and finds each record rather than making a second
    assert (
        await connector.find(
            opening_item(
                "i", DocumentType.SALES_INVOICE, customer.package_id, "INV-0901", "200.00", "240.00", opening
            )
        )
        == invoice.package_id
    )
    assert await connector.find(part) is not None


async def test_an_opening_item_left_in_draft_by_a_lost_reply_is_posted_when_found(
    connector: TrytonConnector,
) -> None:
    opening = next(a.id for a in await connector.ledger_accounts() if a.code == "9998")
    customer = await one(connector, ContactDraft("c", "C1", "customer", "Jane Smith"))
    draft = opening_item(
        "i", DocumentType.SALES_INVOICE, customer.package_id, "INV-0901", "75.00", "90.00", opening
    )
    # created, then the reply was lost before it was posted
    lines = tryton_opening.move_lines(draft, party_account=await connector._setup("receivable"))
    move = await connector.money.move(draft.key, draft.date, "journal_situation", lines)

    assert await connector.find(draft) == mapping.opening_document_id(move)
    [row] = await connector.rpc.model("account.move", "read", [move], ["state"])
    assert row["state"] == "posted"
    assert await connector.outstanding_balance(customer.package_id) == Decimal("75.00")


async def test_a_customer_invoice_dated_before_one_already_sent_is_posted_under_the_job_system_s_number(
    connector: TrytonConnector,
) -> None:
    """Tryton numbers customer invoices from its own sequence, refusing one dated before an invoice it has
    numbered already: a job invoiced late, or one whose reply was lost and is sent again after later
    ones, would fail. The job system issued the invoice and numbered it, so Tryton keeps that number."""
    customer = await one(connector, ContactDraft("c", "C1", "customer", "Jane Smith"))
    later = await one(
        connector, await service_invoice(connector, customer.package_id, "i2", "INV-1002", date(2026, 3, 10))
    )
    earlier = await one(
        connector, await service_invoice(connector, customer.package_id, "i1", "INV-1001", date(2026, 3, 2))
    )

    assert (later.number, earlier.number) == ("INV-1002", "INV-1001")
    rows = await connector.rpc.model(
        "account.invoice", "read", [int(earlier.package_id), int(later.package_id)], ["number", "state"]
    )
    assert sorted((row["number"], row["state"]) for row in rows) == [
        ("INV-1001", "posted"),
        ("INV-1002", "posted"),
    ]
    assert await connector.outstanding_balance(customer.package_id) == Decimal("120.00")


async def test_a_customer_invoice_tryton_will_not_post_is_refused_and_nothing_stays_behind(
    connector: TrytonConnector,
) -> None:
    customer = await one(connector, ContactDraft("c", "C1", "customer", "Jane Smith"))
    # dated in a year Tryton has no fiscal year for: made as a draft, numbered, then refused at posting
    draft = await service_invoice(connector, customer.package_id, "far", "INV-9001", date(2040, 1, 15))
    [outcome] = await connector.create([draft])

    assert isinstance(outcome, Refused)
    left = await connector.rpc.search_read(
        "account.invoice", [("description", "=", mapping.tag(draft.key))], ["state"]
    )
    assert left == []


async def test_an_invoice_whose_later_call_met_an_outage_is_uncertain_and_finished_once_when_found(
    connector: TrytonConnector, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An invoice takes several calls; once the first has made it in Tryton, an outage on a later one
    must not read as "nothing applied", or the invoice would be sent again and made twice."""
    customer = await one(connector, ContactDraft("c", "C1", "customer", "Jane Smith"))
    draft = await service_invoice(connector, customer.package_id, "i", "INV-1", date(2026, 3, 2))

    async def outage(draft: DocumentDraft, invoice: int) -> None:
        raise PackageUnavailable("Tryton answered 500 to model.account.invoice.tax.search_read")

    with monkeypatch.context() as patched:
        patched.setattr(connector, "_set_taxes", outage)
        with pytest.raises(UncertainOutcome):
            await connector.create([draft])

    found = await connector.find(draft)
    made = await connector.rpc.search_read(
        "account.invoice", [("description", "=", mapping.tag(draft.key))], ["state", "number"]
    )
    assert [(str(row["id"]), row["state"], row["number"]) for row in made] == [(found, "posted", "INV-1")]
    assert await connector.outstanding_balance(customer.package_id) == Decimal("60.00")
