"""A package's refusal is tied to a mapped account only when it speaks of that account."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ledgerlink.domain.records import DocumentLine, Invoice
from ledgerlink.packages.drafts import DocumentDraft, DocumentType, LineDraft
from ledgerlink.services.sending.refusals import already_refused, refused_mapping

RECORD = Invoice(
    source_id="J-1",
    number="INV-1",
    customer_id="C1",
    date=date(2025, 3, 1),
    lines=(
        DocumentLine(description="Service", unit_price=Decimal("200.00"), vat_rate="S", nominal_code="4000"),
        DocumentLine(description="Parts", unit_price=Decimal("10.00"), vat_rate="S", nominal_code="4900"),
    ),
)


def _line(account: str, net: str) -> LineDraft:
    return LineDraft("x", Decimal(1), Decimal(net), Decimal(net), Decimal(0), f"id-{account}", account, "t")


DRAFT = DocumentDraft(
    key="k",
    source_id="J-1",
    document_type=DocumentType.SALES_INVOICE,
    contact_id="c",
    number="INV-1",
    date=date(2025, 3, 1),
    lines=(_line("200", "200.00"), _line("260", "10.00")),
    net=Decimal("210.00"),
    vat=Decimal(0),
    gross=Decimal("210.00"),
)


def test_the_line_whose_account_code_the_package_names_is_the_one_named_in_our_words() -> None:
    found = refused_mapping(RECORD, DRAFT, "Account code '260' is not a valid code for this document.")

    assert found is not None
    assert (found.package_id, found.what, found.field) == (
        "id-260",
        "nominal account 4900 is mapped to 260",
        "nominal 4900",
    )


def test_an_amount_that_reads_like_a_code_is_not_an_account() -> None:
    assert refused_mapping(RECORD, DRAFT, "The total 200.00 exceeds the credit limit") is None


def test_a_later_record_on_the_refused_account_meets_the_refusal_in_its_own_words() -> None:
    found = refused_mapping(RECORD, DRAFT, "Account code '200' is archived")
    assert found is not None
    other = DRAFT.__class__(**{**DRAFT.__dict__, "lines": (_line("200", "5.00"),)})
    again = already_refused(RECORD, other, {(found.package_id, found.document_type): found})

    assert again is not None
    assert again.what == "nominal account 4000 is mapped to 200"
    assert already_refused(RECORD, other, {}) is None
