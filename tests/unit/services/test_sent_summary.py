"""What the outbox keeps of a sent document is written exactly as earlier sends wrote it.

A later sync compares a record's new summary with the stored one as text: a summary written in any
other form (keys in another order, other spacing, other escapes) would show every record sent before
as changed after sending, for a bookkeeper to settle one by one.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ledgerlink.packages.drafts import DocumentDraft, DocumentType, LineDraft, PaymentDraft
from ledgerlink.services.sending.sent_summary import describe_changes, sent_summary

LINE = LineDraft(
    description="Boiler service – annual",
    quantity=Decimal("1"),
    unit_price=Decimal("85.00"),
    net=Decimal("85.00"),
    vat=Decimal("17.00"),
    account_id="acc-4000",
    account_code="4000",
    tax_rate_id="T1",
)


def invoice(number: str = "INV-101", price: str = "85.00") -> DocumentDraft:
    line = LineDraft(**{**LINE.__dict__, "unit_price": Decimal(price), "net": Decimal(price)})
    return DocumentDraft(
        key="k1",
        source_id="I101",
        document_type=DocumentType.SALES_INVOICE,
        contact_id="c-9",
        number=number,
        date=date(2026, 3, 2),
        lines=(line,),
        net=line.net,
        vat=line.vat,
        gross=line.net + line.vat,
    )


def test_a_documents_summary_is_the_text_earlier_sends_stored() -> None:
    assert sent_summary(invoice()) == (
        '{"contact": "c-9", "date": "2026-03-02", "gross": "102.00", "lines": 1, "number": "INV-101", '
        '"sent_lines": [{"account_code": "4000", "account_id": "acc-4000", '
        '"description": "Boiler service \\u2013 annual", "net": "85.00", "quantity": "1", '
        '"tax_rate_id": "T1", "unit_price": "85.00", "vat": "17.00"}], "type": "sales_invoice"}'
    )


def test_a_payments_summary_is_the_text_earlier_sends_stored() -> None:
    payment = PaymentDraft(
        key="k2",
        source_id="P7",
        document_type=DocumentType.CUSTOMER_RECEIPT,
        contact_id="c-9",
        bank_account_id="b-1",
        bank_account_code="1200",
        date=date(2026, 3, 9),
        amount=Decimal("102.00"),
        reference="Card 4411",
    )
    assert sent_summary(payment) == (
        '{"amount": "102.00", "date": "2026-03-09", "reference": "Card 4411", "type": "customer_receipt"}'
    )


def test_a_change_after_sending_is_described_in_the_summarys_own_words() -> None:
    before, after = sent_summary(invoice()), sent_summary(invoice("INV-102", "100.00"))
    assert describe_changes(before, after) == "gross 102.00 -> 117.00; number INV-101 -> INV-102"
