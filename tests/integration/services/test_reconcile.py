"""Reconcile compares what each party owes on both sides, side by side where the package keeps
receivable and payable apart, and counts what was never sent as a difference, saying why."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerlink.domain.records import Customer, DocumentLine, Invoice, RecordKind, Supplier, SupplierInvoice
from ledgerlink.services.sending.reconcile import reconcile
from tests.support.sent_books import SentBooks, sent_books


def invoice(source_id: str, customer_id: str, net: str) -> Invoice:
    return Invoice(
        source_id=source_id,
        number=f"INV-{source_id}",
        customer_id=customer_id,
        date=date(2026, 10, 5),
        lines=(
            DocumentLine(
                description="Kitchen fitting", unit_price=Decimal(net), vat_rate="S", nominal_code="4000"
            ),
        ),
    )


def bill(source_id: str, supplier_id: str, net: str) -> SupplierInvoice:
    return SupplierInvoice(
        source_id=source_id,
        number=f"BILL-{source_id}",
        supplier_id=supplier_id,
        date=date(2026, 10, 6),
        lines=(
            DocumentLine(
                description="Oak worktop", unit_price=Decimal(net), vat_rate="S", nominal_code="5000"
            ),
        ),
    )


async def both_sided_contact(books: SentBooks, name: str) -> str:
    """A contact the package holds as a customer and a supplier at once, made as a person would."""
    if books.package == "sage":
        body = {"contact": {"name": name, "contact_type_ids": ["CUSTOMER", "VENDOR"], "reference": "WRIGHT"}}
        return str((await books.call("POST", "/contacts", body))["id"])
    reply = await books.call("PUT", "/Contacts", {"Contacts": [{"Name": name, "AccountNumber": "WRIGHT"}]})
    return str(reply["Contacts"][0]["ContactID"])


@pytest.fixture(params=["sage", "xero"])
async def books(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[SentBooks]:
    package = str(request.param)
    other_firm = (
        {"name": "Harbour Pipes", "type": "customer", "reference": "PLUMB01"}
        if package == "sage"
        else {"Name": "Harbour Pipes", "AccountNumber": "PLUMB01"}
    )
    async with sent_books(package, tmp_path, contacts=[other_firm]) as made:
        yield made


async def test_a_contact_that_is_customer_and_supplier_is_compared_side_by_side(books: SentBooks) -> None:
    contact = await both_sided_contact(books, "Wright Joinery Ltd")
    books.feed(
        Customer(source_id="R2", customer_type="commercial", company_name="Wright Joinery Ltd"),
        Supplier(source_id="V2", name="Wright Joinery Ltd"),
        invoice("R2-1", "R2", "200.00"),
        bill("V2-1", "V2", "80.00"),
    )
    books.link(RecordKind.CUSTOMER, "R2", contact)
    books.link(RecordKind.SUPPLIER, "V2", contact)
    sent = await books.send()

    report = await reconcile(books.store, books.connection, books.connector)

    assert not sent.failed, sent.failed
    assert report.clean, report.differences
    assert report.checked == 2
    assert report.jobs_total == Decimal("336.00")  # 240.00 owed by it, 96.00 owed to it


async def test_a_change_made_in_the_package_on_one_side_is_reported_on_that_side(books: SentBooks) -> None:
    contact = await both_sided_contact(books, "Wright Joinery Ltd")
    books.feed(
        Customer(source_id="R2", customer_type="commercial", company_name="Wright Joinery Ltd"),
        Supplier(source_id="V2", name="Wright Joinery Ltd"),
        invoice("R2-1", "R2", "200.00"),
    )
    books.link(RecordKind.CUSTOMER, "R2", contact)
    books.link(RecordKind.SUPPLIER, "V2", contact)
    await books.send()
    if books.package == "sage":  # a bill entered in the package by hand, never in the job system
        body = {
            "purchase_invoice": {
                "contact_id": contact,
                "date": "2026-10-07",
                "due_date": "2026-10-07",
                "vendor_reference": "HAND-1",
                "invoice_lines": [
                    {
                        "description": "Glue",
                        "quantity": 1,
                        "unit_price": 10,
                        "ledger_account_id": await sage_account(books, 5000),
                        "tax_rate_id": "GB_STANDARD",
                        "tax_amount": 2,
                    }
                ],
            }
        }
        await books.call("POST", "/purchase_invoices", body)
    else:
        line = {
            "Description": "Glue",
            "Quantity": 1,
            "UnitAmount": 10,
            "AccountCode": "310",
            "TaxType": "INPUT2",
        }
        document = {
            "Type": "ACCPAY",
            "Contact": {"ContactID": contact},
            "Date": "2026-10-07",
            "DueDate": "2026-10-07",
            "Status": "AUTHORISED",
            "LineItems": [line],
        }
        await books.call("PUT", "/Invoices", {"Invoices": [document]})

    report = await reconcile(books.store, books.connection, books.connector)

    [difference] = report.differences
    assert difference.kind is RecordKind.SUPPLIER
    assert difference.jobs_balance == Decimal("0.00")
    assert difference.package_balance == Decimal("12.00")
    assert "as a supplier" in difference.name


async def sage_account(books: SentBooks, code: int) -> str:
    accounts = await books.get("/ledger_accounts", {"attributes": "all", "items_per_page": "200"})
    return next(str(a["id"]) for a in accounts["$items"] if a.get("nominal_code") == code)


async def test_a_supplier_the_package_refused_leaves_its_bill_counted_as_a_difference_with_why(
    books: SentBooks,
) -> None:
    books.feed(
        Customer(source_id="C1", first_name="Ada", last_name="Lovelace"),
        invoice("C1-1", "C1", "100.00"),
        Supplier(
            source_id="S1", name="Plumb Centre", account_reference="PLUMB01"
        ),  # the package holds PLUMB01
        bill("S1-1", "S1", "80.00"),
    )
    sent = await books.send()

    report = await reconcile(books.store, books.connection, books.connector)

    assert sent.failed[RecordKind.SUPPLIER] == 1
    assert not report.clean
    [difference] = report.differences
    assert (difference.kind, difference.source_id, difference.package_id) == (RecordKind.SUPPLIER, "S1", "")
    assert difference.jobs_balance == Decimal("96.00")
    assert difference.package_balance == Decimal("0.00")
    assert "supplier S1 failed" in difference.reason
    assert "1 record" in difference.reason
