"""Xero's open documents before a cut-off, as the side-by-side path links the open items to them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ledgerlink.packages.drafts import (
    AllocationLine,
    Created,
    DocumentDraft,
    DocumentType,
    LineDraft,
    PaymentDraft,
)
from tests.integration.packages.xero.conftest import XeroWorld
from tests.integration.packages.xero.test_xero_contact_roles import contact

D = Decimal
BEFORE = dt.date(2026, 2, 1)
CUT_OFF = dt.date(2026, 3, 1)


async def _document(world: XeroWorld, contact_id: str, kind: DocumentType, number: str, day: dt.date) -> str:
    purchase = kind in (DocumentType.PURCHASE_INVOICE, DocumentType.PURCHASE_CREDIT_NOTE)
    account, tax = ("310", "INPUT2") if purchase else ("200", "OUTPUT2")
    line = LineDraft("Work", D(1), D("10.00"), D("10.00"), D("2.00"), "", account, tax)
    draft = DocumentDraft(
        key=f"k-{number}",
        source_id=number,
        document_type=kind,
        contact_id=contact_id,
        number=number,
        date=day,
        lines=(line,),
        net=D("10.00"),
        vat=D("2.00"),
        gross=D("12.00"),
    )
    [made] = await world.connector.create([draft])
    assert isinstance(made, Created), made
    return made.package_id


async def _receipt(world: XeroWorld, contact_id: str, invoice_id: str, amount: str) -> None:
    draft = PaymentDraft(
        key=f"rcpt-{invoice_id}",
        source_id=invoice_id,
        document_type=DocumentType.CUSTOMER_RECEIPT,
        contact_id=contact_id,
        bank_account_id="",
        bank_account_code="090",
        date=dt.date(2026, 2, 20),
        amount=D(amount),
        allocations=(AllocationLine(invoice_id, DocumentType.SALES_INVOICE, D(amount)),),
    )
    [paid] = await world.connector.create([draft])
    assert isinstance(paid, Created), paid


async def test_unpaid_and_part_paid_documents_before_the_cut_off_are_listed_with_what_is_open(
    world: XeroWorld,
) -> None:
    buyer = await contact(world, "Ada Lovelace")
    seller = await contact(world, "City Plumbing Supplies")
    unpaid = await _document(world, buyer, DocumentType.SALES_INVOICE, "INV-1", BEFORE)
    part_paid = await _document(world, buyer, DocumentType.SALES_INVOICE, "INV-2", BEFORE)
    paid = await _document(world, buyer, DocumentType.SALES_INVOICE, "INV-3", BEFORE)
    await _document(world, buyer, DocumentType.SALES_INVOICE, "INV-4", CUT_OFF)
    bill = await _document(world, seller, DocumentType.PURCHASE_INVOICE, "SUP-77", BEFORE)
    credit = await _document(world, buyer, DocumentType.SALES_CREDIT_NOTE, "CN-1", BEFORE)
    await _receipt(world, buyer, part_paid, "2.00")
    await _receipt(world, buyer, paid, "12.00")

    listed = {d.package_id: d for d in await world.connector.open_documents(before=CUT_OFF)}

    assert {i: (d.document_type, d.number, d.outstanding) for i, d in listed.items()} == {
        unpaid: (DocumentType.SALES_INVOICE, "INV-1", D("12.00")),
        part_paid: (DocumentType.SALES_INVOICE, "INV-2", D("10.00")),
        bill: (DocumentType.PURCHASE_INVOICE, "SUP-77", D("12.00")),
        credit: (DocumentType.SALES_CREDIT_NOTE, "CN-1", D("12.00")),
    }
    assert (listed[unpaid].contact_id, listed[bill].contact_id) == (buyer, seller)
    assert listed[unpaid].date == BEFORE
