"""Drafts become the Sage JSON the spec and Sage's rules ask for; Sage's replies become port types."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ledgerlink.domain.records import Address
from ledgerlink.packages.drafts import (
    AllocationLine,
    ContactDraft,
    CreditAllocationDraft,
    DocumentDraft,
    DocumentType,
    LineDraft,
    PaymentDraft,
)
from ledgerlink.packages.holdings import AccountClass
from ledgerlink.packages.sage import mapping

KEY = "0123456789abcdef0123456789abcdef"


def _line(net: str = "100.00", vat: str = "20.00") -> LineDraft:
    return LineDraft(
        description="Boiler service",
        quantity=Decimal("1"),
        unit_price=Decimal(net),
        net=Decimal(net),
        vat=Decimal(vat),
        account_id="la-4000",
        account_code="4000",
        tax_rate_id="GB_STANDARD",
    )


def _document(document_type: DocumentType, **overrides: object) -> DocumentDraft:
    values: dict[str, object] = {
        "key": KEY,
        "source_id": "J1",
        "document_type": document_type,
        "contact_id": "c1",
        "number": "INV-1001",
        "date": dt.date(2026, 2, 1),
        "lines": (_line(), _line("0.05", "0.01")),
        "net": Decimal("100.05"),
        "vat": Decimal("20.01"),
        "gross": Decimal("120.06"),
    }
    values.update(overrides)
    return DocumentDraft(**values)  # type: ignore[arg-type]


def test_a_hex_key_is_the_idempotency_id_and_any_other_key_derives_a_stable_one():
    assert mapping.idempotency_id(KEY) == KEY
    derived = mapping.idempotency_id("conn-1:invoice:J1:v2")
    assert derived == mapping.idempotency_id("conn-1:invoice:J1:v2")
    assert len(derived) == 32
    assert derived != mapping.idempotency_id("conn-1:invoice:J1:v3")
    assert set(derived) <= set("0123456789abcdef")


def test_a_customer_becomes_a_sage_contact_with_reference_address_and_person():
    draft = ContactDraft(
        key=KEY,
        source_id="C1",
        role="customer",
        name="Ada Lovelace",
        reference="ADA01",
        first_name="Ada",
        last_name="Lovelace",
        email="ada@example.com",
        phone="0113 496 0000",
        address=Address(
            line1="1 High St", line2="Flat 2", line3="Old Town", town="Leeds", postcode="LS1 1AA"
        ),
        vat_number="GB980780684",
    )
    body = mapping.contact_create(draft)["contact"]
    assert body["contact_type_ids"] == ["CUSTOMER"]
    assert body["reference"] == "ADA01"
    assert body["idempotency_id"] == KEY
    assert body["main_address"] == {
        "address_line_1": "1 High St",
        "address_line_2": "Flat 2, Old Town",
        "city": "Leeds",
        "postal_code": "LS1 1AA",
        "country_id": "GB",
    }
    assert body["main_contact_person"] == {
        "name": "Ada Lovelace",
        "email": "ada@example.com",
        "telephone": "0113 496 0000",
    }
    assert body["tax_number"] == "GB980780684"
    assert "idempotency_id" not in mapping.contact_update(draft)["contact"]


def test_a_supplier_is_a_vendor_and_empty_fields_are_left_out():
    body = mapping.contact_create(ContactDraft(key=KEY, source_id="S1", role="supplier", name="Pipes"))
    assert body["contact"] == {"name": "Pipes", "contact_type_ids": ["VENDOR"], "idempotency_id": KEY}


def test_invoice_lines_carry_net_tax_and_total_per_line_and_our_number_is_the_reference():
    body = mapping.document_create(_document(DocumentType.SALES_INVOICE, due_date=dt.date(2026, 3, 1)))
    invoice = body["sales_invoice"]
    assert invoice["reference"] == "INV-1001"
    assert invoice["due_date"] == "2026-03-01"
    assert invoice["invoice_lines"][1] == {
        "description": "Boiler service",
        "ledger_account_id": "la-4000",
        "tax_rate_id": "GB_STANDARD",
        "quantity": 1.0,
        "unit_price": 0.05,
        "net_amount": 0.05,
        "tax_amount": 0.01,
        "total_amount": 0.06,
    }


def test_a_purchase_invoice_always_has_a_due_date_and_the_suppliers_number():
    invoice = mapping.document_create(_document(DocumentType.PURCHASE_INVOICE))["purchase_invoice"]
    assert invoice["due_date"] == "2026-02-01"
    assert invoice["vendor_reference"] == "INV-1001"
    credit = mapping.document_create(
        _document(
            DocumentType.SALES_CREDIT_NOTE,
            credits_document_number="INV-1000",
            credits_document_date=dt.date(2026, 1, 20),
        )
    )["sales_credit_note"]
    assert "credit_note_lines" in credit
    assert "original_invoice_number" not in credit  # Sage's credit note has no such field
    assert credit["notes"] == "Credits invoice INV-1000"
    assert credit["original_invoice_date"] == "2026-01-20"
    assert "due_date" not in credit


def test_a_receipt_allocates_to_invoices_and_puts_the_rest_on_account():
    draft = PaymentDraft(
        key=KEY,
        source_id="P1",
        document_type=DocumentType.CUSTOMER_RECEIPT,
        contact_id="c1",
        bank_account_id="b1",
        bank_account_code="1200",
        date=dt.date(2026, 2, 10),
        amount=Decimal("150.00"),
        reference="RCPT-1",
        allocations=(AllocationLine("i1", DocumentType.SALES_INVOICE, Decimal("120.06")),),
    )
    payment = mapping.payment_create(draft)["contact_payment"]
    assert payment["transaction_type_id"] == "CUSTOMER_RECEIPT"
    assert payment["allocated_artefacts"] == [{"artefact_id": "i1", "amount": 120.06}]
    assert payment["payment_on_account"] == {"total_amount": 29.94}
    supplier = mapping.payment_create(
        PaymentDraft(**{**draft.__dict__, "document_type": DocumentType.SUPPLIER_PAYMENT, "allocations": ()})
    )["contact_payment"]
    assert supplier["transaction_type_id"] == "VENDOR_PAYMENT"
    assert "allocated_artefacts" not in supplier


def test_a_credit_allocation_sets_the_invoice_against_the_credit_note_summing_to_zero():
    draft = CreditAllocationDraft(
        key=KEY,
        source_id="CN1",
        contact_id="c1",
        credit_note_id="cn1",
        invoice_id="i1",
        amount=Decimal("48.00"),
        date=dt.date(2026, 2, 2),
    )
    allocation = mapping.allocation_create(draft)["contact_allocation"]
    assert allocation["transaction_type_id"] == "CUSTOMER_ALLOCATION"
    amounts = [a["amount"] for a in allocation["allocated_artefacts"]]
    assert amounts == [48.0, -48.0]


def test_sages_figures_are_read_back_exactly_as_decimals():
    created = mapping.created_document(
        KEY,
        {
            "id": "x",
            "invoice_number": "SI-7",
            "net_amount": 100.05,
            "tax_amount": 20.01,
            "total_amount": 120.06,
            "status": {"id": "UNPAID"},
        },
    )
    assert created.totals is not None
    assert (created.totals.net, created.totals.vat, created.totals.gross) == (
        Decimal("100.05"),
        Decimal("20.01"),
        Decimal("120.06"),
    )
    assert (created.number, created.status) == ("SI-7", "UNPAID")


def test_ledger_account_types_map_to_account_classes_and_exempt_rates_are_marked():
    account = mapping.ledger_account_from_sage(
        {"id": "a", "nominal_code": 5000, "name": "Cost", "ledger_account_type": {"id": "DIRECT_EXPENSES"}}
    )
    assert (account.code, account.account_class) == ("5000", AccountClass.COST_OF_SALES)
    exempt = mapping.tax_rate_from_sage({"id": "GB_EXEMPT", "name": "Exempt", "percentage": 0})
    standard = mapping.tax_rate_from_sage({"id": "GB_STANDARD", "name": "Standard", "percentage": 20.0})
    assert exempt.exempt_or_outside
    assert not standard.exempt_or_outside
    assert standard.percent == Decimal("20.0")


def test_an_account_as_sage_ships_it_is_read_with_the_heading_its_chart_files_it_under():
    def read(code: int, name: str) -> str:
        item = {"id": "a", "nominal_code": code, "name": name, "ledger_account_type": {"id": "OVERHEADS"}}
        return mapping.ledger_account_from_sage(item).heading

    assert read(7301, "Repairs and Servicing") == "Motor expenses"
    assert read(7302, "Licences") == "Motor expenses"
    # renamed, or made by the business in that range: it may be used for anything
    assert read(7301, "Repairs and Servicing - plant") == ""
    assert read(7305, "Repairs and Servicing") == ""
    assert read(7800, "Repairs and Renewals") == ""


def test_a_sage_contact_is_read_with_its_email_from_the_top_level():
    contact = mapping.contact_from_sage(
        {
            "id": "c",
            "name": "Ada",
            "reference": "ADA01",
            "email": "ada@example.com",
            "contact_types": [{"id": "CUSTOMER"}],
            "main_address": {"address_line_1": "1 High St", "address_line_2": "Flat 2, Old Town"},
            "updated_at": "2026-01-01T10:00:00Z",
        }
    )
    assert (contact.is_customer, contact.is_supplier, contact.email) == (True, False, "ada@example.com")
    assert (contact.address.line2, contact.address.line3) == ("Flat 2", "Old Town")
    assert contact.updated_at == dt.datetime(2026, 1, 1, 10, tzinfo=dt.UTC)


def test_a_sage_contact_falls_back_to_what_sage_shows_and_to_its_contact_persons_email():
    contact = mapping.contact_from_sage(
        {
            "id": "c",
            "displayed_as": "Hollis Heating Ltd (HOL01)",
            "contact_types": [{"id": "VENDOR"}],
            "main_contact_person": {"name": "Jo Hollis", "email": "jo@hollis.example", "telephone": "0113"},
            "main_address": {"address_line_1": "1 Mill Lane", "city": "Leeds", "country": {"id": "IE"}},
            "is_active": False,
        }
    )
    assert (contact.name, contact.contact_person, contact.email, contact.phone) == (
        "Hollis Heating Ltd (HOL01)",
        "Jo Hollis",
        "jo@hollis.example",
        "0113",
    )
    assert (contact.is_customer, contact.is_supplier, contact.active) == (False, True, False)
    assert (contact.address.line1, contact.address.town, contact.address.country) == (
        "1 Mill Lane",
        "Leeds",
        "IE",
    )
    assert mapping.contact_from_sage({"id": "d", "name": "Bare"}).address.country == "GB"
