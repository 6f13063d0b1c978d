"""Sage's open documents before a cut-off, as the side-by-side path links the open items to them."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from ledgerlink.packages.drafts import AllocationLine, Created, DocumentType, PaymentDraft
from ledgerlink.packages.sage import SageConnector
from tests.integration.packages.sage.test_sage_connector import _ids, _invoice

D = Decimal
CUT_OFF = dt.date(2026, 3, 1)


async def _made(connector: SageConnector, draft: object) -> str:
    [made] = await connector.create([draft])  # type: ignore[list-item]
    assert isinstance(made, Created), made
    return made.package_id


async def _receipt(connector: SageConnector, ids: dict[str, str], invoice_id: str, amount: str) -> None:
    await _made(
        connector,
        PaymentDraft(
            key=f"rcpt-{invoice_id}",
            source_id=invoice_id,
            document_type=DocumentType.CUSTOMER_RECEIPT,
            contact_id=ids["ADA01"],
            bank_account_id=ids["bank1200"],
            bank_account_code="1200",
            date=dt.date(2026, 2, 20),
            amount=D(amount),
            allocations=(AllocationLine(invoice_id, DocumentType.SALES_INVOICE, D(amount)),),
        ),
    )


async def test_unpaid_and_part_paid_documents_before_the_cut_off_are_listed_with_what_is_open(
    connector: SageConnector,
) -> None:
    ids = await _ids(connector)
    unpaid = await _made(connector, _invoice(ids, "INV-1"))
    part_paid = await _made(connector, _invoice(ids, "INV-2"))
    paid = await _made(connector, _invoice(ids, "INV-3"))
    await _made(connector, replace(_invoice(ids, "INV-4"), date=CUT_OFF))
    bill = await _made(connector, _invoice(ids, "SUP-77", kind=DocumentType.PURCHASE_INVOICE))
    credit = await _made(connector, _invoice(ids, "CN-1", kind=DocumentType.SALES_CREDIT_NOTE))
    await _receipt(connector, ids, part_paid, "20.06")
    await _receipt(connector, ids, paid, "120.06")

    listed = {d.package_id: d for d in await connector.open_documents(before=CUT_OFF)}

    # Sage numbers its own sales documents and keeps the bookkeeper's number as the reference; a
    # purchase document's number is the supplier's
    assert {i: (d.document_type, d.reference or d.number, d.outstanding) for i, d in listed.items()} == {
        unpaid: (DocumentType.SALES_INVOICE, "INV-1", D("120.06")),
        part_paid: (DocumentType.SALES_INVOICE, "INV-2", D("100.00")),
        bill: (DocumentType.PURCHASE_INVOICE, "SUP-77", D("120.06")),
        credit: (DocumentType.SALES_CREDIT_NOTE, "CN-1", D("120.06")),
    }
    assert listed[unpaid].number.startswith("SI-")
    assert listed[bill].number == "SUP-77"
    assert listed[unpaid].contact_id == ids["ADA01"]
    assert listed[bill].contact_id == ids["PIPES"]
    assert listed[unpaid].date == dt.date(2026, 2, 1)
