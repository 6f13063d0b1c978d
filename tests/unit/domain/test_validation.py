"""Validation names the record, the field and the problem, and tells errors from warnings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from ledgerlink.domain.ledger import OpenItem
from ledgerlink.domain.records import (
    Address,
    Allocation,
    CreditNote,
    Customer,
    CustomerPayment,
    DocumentLine,
    Invoice,
    NominalAccount,
    NominalKind,
    PaymentMethod,
    RecordKind,
    Supplier,
    SupplierInvoice,
    Totals,
    standard_vat_rates,
)
from ledgerlink.domain.validation import Finding, ReferenceData, has_errors, validate

REFERENCE = ReferenceData.of(
    [
        NominalAccount(code="4000", name="Sales", kind=NominalKind.SALES),
        NominalAccount(code="5000", name="Materials", kind=NominalKind.EXPENSE),
        NominalAccount(code="1200", name="Bank current account", kind=NominalKind.BANK),
    ],
    list(standard_vat_rates()),
    [PaymentMethod(code="card", name="Card", bank_nominal_code="1200")],
)
DAY = date(2025, 3, 1)


def line(**changes: object) -> DocumentLine:
    values: dict[str, object] = {
        "description": "Boiler service",
        "quantity": Decimal(1),
        "unit_price": Decimal("80.00"),
        "vat_rate": "S",
        "nominal_code": "4000",
    }
    values.update(changes)
    return DocumentLine.model_validate(values)


def invoice(*lines: DocumentLine, **changes: object) -> Invoice:
    values: dict[str, object] = {
        "source_id": "INV-1001",
        "number": "INV-1001",
        "date": DAY,
        "customer_id": "C1",
        "lines": lines or (line(),),
    }
    values.update(changes)
    return Invoice.model_validate(values)


def texts(findings: list[Finding]) -> list[str]:
    return [str(finding) for finding in findings]


def test_a_clean_invoice_has_no_findings() -> None:
    assert validate(invoice(), REFERENCE) == []


def test_a_negative_quantity_names_the_record_the_line_and_the_field() -> None:
    findings = validate(invoice(line(unit_price=Decimal(500)), line(quantity=Decimal(-2))), REFERENCE)
    assert texts(findings) == ["invoice INV-1001: line 2 quantity: must not be negative"]
    assert has_errors(findings)


def test_an_unknown_vat_rate_is_an_error_on_its_line() -> None:
    [finding] = validate(invoice(line(vat_rate="X")), REFERENCE)
    assert (finding.field, finding.severity) == ("line 1 vat_rate", "error")
    assert "'X' is not known" in finding.message


def test_a_sales_line_on_an_expense_nominal_is_refused_with_the_account_named() -> None:
    [finding] = validate(invoice(line(nominal_code="5000")), REFERENCE)
    assert finding.field == "line 1 nominal_code"
    assert "5000 (Materials) is a expense account; a sales account is needed" in finding.message


def test_a_supplier_bill_must_use_expense_nominals() -> None:
    bill = SupplierInvoice(
        source_id="B1", number="TP/1", date=DAY, supplier_id="S1", lines=(line(nominal_code="4000"),)
    )
    [finding] = validate(bill, REFERENCE)
    assert finding.field == "line 1 nominal_code"


def test_an_unknown_nominal_is_an_error() -> None:
    assert (
        "nominal account '9999' is not known"
        in texts(validate(invoice(line(nominal_code="9999")), REFERENCE))[0]
    )


def test_stated_totals_that_differ_are_accepted_with_a_warning_saying_by_how_much() -> None:
    stated = Totals(net=Decimal("80.00"), vat=Decimal("16.03"), gross=Decimal("96.03"))
    [finding] = validate(invoice(stated_totals=stated), REFERENCE)
    assert finding.severity == "warning"
    assert finding.message.startswith("totals differ by 0.03")


@pytest.mark.parametrize(
    ("customer", "field"),
    [
        (Customer(source_id="C1", customer_type="residential", first_name="Ann"), "last_name"),
        (Customer(source_id="C1", customer_type="commercial", last_name="Patel"), "company_name"),
    ],
)
def test_a_customer_without_a_usable_name_is_rejected(customer: Customer, field: str) -> None:
    [finding] = validate(customer, REFERENCE)
    assert (finding.field, finding.severity) == (field, "error")


def test_a_residential_customer_may_be_known_by_company_name_alone() -> None:
    assert validate(Customer(source_id="C1", company_name="Flat 3 Management"), REFERENCE) == []


def test_bad_contact_details_are_warnings_and_the_customer_is_still_usable() -> None:
    customer = Customer(
        source_id="C1",
        last_name="Smith",
        email="smith@",
        phone="12345",
        address=Address(postcode="LS99 ZZZ"),
        vat_number="GB123456789",
    )
    findings = validate(customer, REFERENCE)
    assert {f.field for f in findings} == {"email", "phone", "address.postcode", "vat_number"}
    assert not has_errors(findings)


def test_good_uk_contact_details_pass() -> None:
    customer = Customer(
        source_id="C1",
        last_name="Smith",
        email="jane.smith@example.co.uk",
        phone="0113 496 0000",
        mobile="07712 345678",
        address=Address(postcode="LS6 2AB"),
        vat_number="GB123456782",
    )
    assert validate(customer, REFERENCE) == []


def test_a_supplier_needs_a_name() -> None:
    assert [f.field for f in validate(Supplier(source_id="S1"), REFERENCE)] == ["name"]


def payment(*allocations: Allocation, amount: str = "50.00", method: str = "card") -> CustomerPayment:
    return CustomerPayment(
        source_id="P1",
        date=DAY,
        amount=Decimal(amount),
        method=method,
        customer_id="C1",
        allocations=allocations,
    )


OPEN = {
    (RecordKind.INVOICE, "INV-1"): OpenItem("C1", Decimal("40.00")),
    (RecordKind.INVOICE, "INV-2"): OpenItem("C2", Decimal("10.00")),
}


def test_an_unknown_payment_method_is_an_error() -> None:
    assert [f.field for f in validate(payment(method="paypal"), REFERENCE, OPEN)] == ["method"]


def test_an_allocation_beyond_what_is_outstanding_is_refused_with_both_amounts() -> None:
    findings = validate(payment(Allocation(document_id="INV-1", amount=Decimal("45.00"))), REFERENCE, OPEN)
    assert texts(findings) == [
        "customer payment P1: allocation 1 amount: 45.00 is more than the 40.00 outstanding on invoice INV-1"
    ]


def test_an_allocation_to_another_customers_invoice_is_refused() -> None:
    [finding] = validate(payment(Allocation(document_id="INV-2", amount=Decimal("5.00"))), REFERENCE, OPEN)
    assert finding.field == "allocation 1 document_id"
    assert "belongs to C2, not C1" in finding.message


def test_allocations_may_not_add_up_to_more_than_the_payment() -> None:
    findings = validate(
        payment(Allocation(document_id="INV-1", amount=Decimal("40.00")), amount="30.00"), REFERENCE, OPEN
    )
    assert "allocations" in {f.field for f in findings}


def test_an_allocation_to_an_unknown_invoice_is_refused() -> None:
    [finding] = validate(payment(Allocation(document_id="INV-9", amount=Decimal("1.00"))), REFERENCE, OPEN)
    assert finding.message == "invoice INV-9 is not known"


def test_a_payment_on_account_needs_no_allocation() -> None:
    assert validate(payment(), REFERENCE, OPEN) == []


def test_a_credit_note_against_another_customers_invoice_is_refused() -> None:
    credit = CreditNote(
        source_id="CN-1", number="CN-1", date=DAY, customer_id="C1", invoice_id="INV-2", lines=(line(),)
    )
    [finding] = validate(credit, REFERENCE, OPEN)
    assert (finding.field, finding.severity) == ("invoice_id", "error")


@pytest.mark.parametrize("amount", ["1e400", "1E+999999999", "-1000000000000", "NaN", "Infinity"])
def test_an_amount_no_ledger_could_hold_is_refused_where_it_comes_in(amount: str) -> None:
    with pytest.raises(ValidationError):
        line(unit_price=Decimal(amount))
    with pytest.raises(ValidationError):
        line(quantity=Decimal(amount))
    with pytest.raises(ValidationError):
        Allocation(document_id="INV-1", amount=Decimal(amount))


def test_lines_that_add_up_to_more_than_a_ledger_holds_are_an_error_not_a_crash() -> None:
    huge = line(quantity=Decimal("999999999999"), unit_price=Decimal("999999999999"))

    findings = validate(invoice(*[huge] * 3000), REFERENCE)

    assert [(f.field, f.severity) for f in findings] == [("lines", "error")]
    assert "more than a ledger holds" in findings[0].message
