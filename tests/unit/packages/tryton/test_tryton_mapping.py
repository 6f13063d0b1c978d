"""Drafts in Tryton's terms: the job system's net and VAT kept to the penny, moves that balance, and
credit notes as Tryton has them (negative quantities, totals stated positive)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ledgerlink.packages.drafts import AllocationLine, DocumentDraft, DocumentType, LineDraft, PaymentDraft
from ledgerlink.packages.tryton import mapping


def line(quantity: str, price: str, net: str, vat: str, tax: str = "1") -> LineDraft:
    return LineDraft("work", Decimal(quantity), Decimal(price), Decimal(net), Decimal(vat), "40", "4000", tax)


def test_a_line_keeps_its_quantity_and_price_when_tryton_would_reach_the_same_net() -> None:
    assert mapping.quantity_and_price(line("3", "12.50", "37.50", "7.50")) == (Decimal(3), Decimal("12.50"))


def test_a_line_whose_net_tryton_would_round_otherwise_is_sent_as_one_of_its_net() -> None:
    # Tryton holds prices to four places, and rounds 3 x 0.1235 half to even: only the net is certain.
    assert mapping.quantity_and_price(line("3", "0.12345", "0.37", "0.07")) == (Decimal(1), Decimal("0.37"))


def test_a_credit_note_s_vat_is_signed_as_tryton_signs_it_per_tax() -> None:
    draft = DocumentDraft(
        "k",
        "cn",
        DocumentType.SALES_CREDIT_NOTE,
        "5",
        "CN-1",
        date(2026, 1, 2),
        (line("1", "0.10", "0.10", "0.01", tax="2"), line("1", "10", "10.00", "2.00", tax="1")),
        Decimal("10.10"),
        Decimal("2.01"),
        Decimal("12.11"),
    )

    assert mapping.vat_by_tax(draft) == {2: Decimal("-0.01"), 1: Decimal("-2.00")}
    assert mapping.invoice_create(draft, address=1, account=2, journal=3, currency=4, company=5)["lines"][0][
        1
    ][0]["quantity"] == Decimal(-1)
    assert mapping.totals(
        {"untaxed_amount": "-10.10", "tax_amount": "-2.01", "total_amount": "-12.11"}
    ).gross == Decimal("12.11")


def test_a_receipt_s_move_balances_with_a_line_per_invoice_and_one_for_what_is_on_account() -> None:
    draft = PaymentDraft(
        "k",
        "p",
        DocumentType.CUSTOMER_RECEIPT,
        "5",
        "12",
        "1200",
        date(2026, 1, 3),
        Decimal("100.00"),
        "R1",
        (AllocationLine("8", DocumentType.SALES_INVOICE, Decimal("60.00")),),
    )

    lines = mapping.payment_lines(draft, party_account=11, description="R1")

    assert [(row["account"], row["debit"], row["credit"]) for row in lines] == [
        (11, Decimal("0.00"), Decimal("60.00")),
        (11, Decimal("0.00"), Decimal("40.00")),
        (12, Decimal("100.00"), Decimal("0.00")),
    ]
