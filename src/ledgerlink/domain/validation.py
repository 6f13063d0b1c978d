"""What is wrong with a record, in words a bookkeeper can act on, before anything is stored or sent.

An error means the record cannot go to a package as it is (it is rejected alone, never with its
neighbours); a warning means it can, but someone should look (an email that will bounce, stated totals
a penny out). Everything the checks need is passed in as plain values, so this stays pure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from ledgerlink.domain.contact_details import email_problem, is_uk_postcode, is_uk_vat_number, parse_phone
from ledgerlink.domain.ledger import DocumentKey, OpenItem, allocation_target, credit_target
from ledgerlink.domain.money import MOST_HELD, ZERO, format_money, total
from ledgerlink.domain.records import (
    Address,
    CreditNote,
    Customer,
    CustomerPayment,
    Document,
    Invoice,
    NominalAccount,
    NominalKind,
    PaymentMethod,
    Record,
    RecordKind,
    Supplier,
    SupplierCreditNote,
    SupplierPayment,
    Totals,
    VatRate,
)

Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem with one field of one record."""

    kind: RecordKind
    source_id: str
    field: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.field}: " if self.field else ""
        return f"{self.kind.label} {self.source_id}: {where}{self.message}"


@dataclass(frozen=True)
class ReferenceData:
    """A company's reference lists, keyed by code."""

    nominal_accounts: Mapping[str, NominalAccount] = field(default_factory=dict)
    vat_rates: Mapping[str, VatRate] = field(default_factory=dict)
    payment_methods: Mapping[str, PaymentMethod] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        nominal_accounts: tuple[NominalAccount, ...] | list[NominalAccount] = (),
        vat_rates: tuple[VatRate, ...] | list[VatRate] = (),
        payment_methods: tuple[PaymentMethod, ...] | list[PaymentMethod] = (),
    ) -> ReferenceData:
        return cls(
            nominal_accounts={account.code: account for account in nominal_accounts},
            vat_rates={rate.code: rate for rate in vat_rates},
            payment_methods={method.code: method for method in payment_methods},
        )

    @property
    def percent_by_rate(self) -> dict[str, Decimal]:
        return {code: rate.percent for code, rate in self.vat_rates.items()}


OpenItems = Mapping[DocumentKey, OpenItem]


def has_errors(findings: list[Finding] | tuple[Finding, ...]) -> bool:
    return any(finding.severity == "error" for finding in findings)


def validate(
    record: Record,
    reference: ReferenceData,
    open_items: OpenItems | None = None,
    *,
    totals: Totals | None = None,
) -> list[Finding]:
    """Every finding for one record; `open_items` is what is outstanding on the documents it may settle.

    `totals` are the document's computed totals when the caller has them already (bulk feeds do).
    """
    checker = _Checker(record, reference, open_items or {}, totals)
    checker.run()
    return checker.findings


class _Checker:
    def __init__(
        self, record: Record, reference: ReferenceData, open_items: OpenItems, totals: Totals | None
    ) -> None:
        self.totals = totals
        self.record = record
        self.reference = reference
        self.open_items = open_items
        self.findings: list[Finding] = []

    def error(self, field_name: str, message: str) -> None:
        self.findings.append(Finding(self.record.kind, self.record.source_id, field_name, message, "error"))

    def warn(self, field_name: str, message: str) -> None:
        self.findings.append(Finding(self.record.kind, self.record.source_id, field_name, message, "warning"))

    def run(self) -> None:
        record = self.record
        if isinstance(record, Customer):
            self.customer(record)
        elif isinstance(record, Supplier):
            self.supplier(record)
        elif isinstance(record, CustomerPayment | SupplierPayment):
            self.payment(record)
        else:
            self.document(record)

    # --- parties -----------------------------------------------------------------------------------

    def customer(self, customer: Customer) -> None:
        if customer.customer_type == "commercial":
            if not customer.company_name:
                self.error("company_name", "a commercial customer needs a company name")
        elif not (customer.last_name or customer.company_name):
            self.error("last_name", "a residential customer needs a last name or a company name")
        self.contact(customer.email, customer.address)
        self.phone("phone", customer.phone)
        self.phone("mobile", customer.mobile)
        if customer.vat_number and not is_uk_vat_number(customer.vat_number):
            self.warn("vat_number", f"{customer.vat_number!r} is not a valid UK VAT number")

    def supplier(self, supplier: Supplier) -> None:
        if not supplier.name:
            self.error("name", "a supplier needs a name")
        self.contact(supplier.email, supplier.address)
        self.phone("phone", supplier.phone)
        if supplier.default_expense_nominal:
            self.nominal("default_expense_nominal", supplier.default_expense_nominal, NominalKind.EXPENSE)

    def contact(self, email: str, address: Address) -> None:
        problem = email_problem(email) if email else None
        if problem is not None:
            self.warn("email", f"{email!r} is not an email address ({problem})")
        postcode = address.postcode
        if postcode and address.country.upper() in ("GB", "UK", "") and not is_uk_postcode(postcode):
            self.warn("address.postcode", f"{postcode!r} is not a UK postcode")

    def phone(self, field_name: str, number: str) -> None:
        if number and parse_phone(number) is None:
            self.warn(field_name, f"{number!r} is not a phone number")

    def nominal(self, field_name: str, code: str, kind: NominalKind) -> None:
        account = self.reference.nominal_accounts.get(code)
        if account is None:
            self.error(field_name, f"nominal account {code!r} is not known")
        elif account.kind != kind:
            self.error(
                field_name,
                f"nominal account {code} ({account.name}) is a {account.kind.value} account;"
                f" a {kind.value} account is needed here",
            )

    # --- documents ---------------------------------------------------------------------------------

    def document(self, document: Document) -> None:
        needed = NominalKind.SALES if isinstance(document, Invoice | CreditNote) else NominalKind.EXPENSE
        if not document.lines:
            self.error("lines", "a document needs at least one line")
        rates, accounts = self.reference.vat_rates, self.reference.nominal_accounts
        for number, line in enumerate(document.lines, start=1):
            # field names are spelled out only for a problem: most lines of a large feed have none
            if line.quantity < 0:
                self.error(f"line {number} quantity", "must not be negative")
            if line.vat_rate not in rates:
                self.error(f"line {number} vat_rate", f"VAT rate {line.vat_rate!r} is not known")
            account = accounts.get(line.nominal_code)
            if account is None or account.kind != needed:
                self.nominal(f"line {number} nominal_code", line.nominal_code, needed)
        computed = self.totals or document.computed_totals(self.reference.percent_by_rate)
        if abs(computed.gross) > MOST_HELD:
            self.error("lines", f"the lines add up to more than a ledger holds ({MOST_HELD:,} either way)")
            return
        if computed.gross < ZERO and not has_errors(self.findings):
            self.error("lines", f"the document totals {format_money(computed.gross)}, below zero")
        stated = document.stated_totals
        if stated is not None and stated.gross != computed.gross:
            difference = abs(stated.difference(computed))
            self.warn(
                "totals",
                f"totals differ by {format_money(difference)}: stated {format_money(stated.gross)},"
                f" lines add up to {format_money(computed.gross)}",
            )
        if isinstance(document, CreditNote | SupplierCreditNote):
            target = credit_target(document)
            if target is not None:
                party_id = document.customer_id if isinstance(document, CreditNote) else document.supplier_id
                field_name = "invoice_id" if isinstance(document, CreditNote) else "supplier_invoice_id"
                item = self.open_items.get(target)
                label = target[0].label
                if item is None:
                    self.warn(field_name, f"{label} {target[1]} is not known; the credit stays unallocated")
                elif item.party_id != party_id:
                    self.error(field_name, f"{label} {target[1]} belongs to {item.party_id}, not {party_id}")

    # --- payments ----------------------------------------------------------------------------------

    def payment(self, payment: CustomerPayment | SupplierPayment) -> None:
        if payment.method not in self.reference.payment_methods:
            self.error("method", f"payment method {payment.method!r} is not known")
        if not payment.allocations:
            return
        party_id = payment.customer_id if isinstance(payment, CustomerPayment) else payment.supplier_id
        target = allocation_target(payment)
        allocated = total(allocation.amount for allocation in payment.allocations)
        if allocated > payment.amount:
            self.error(
                "allocations",
                f"{format_money(allocated)} is allocated but the payment is {format_money(payment.amount)}",
            )
        asked: dict[str, Decimal] = {}
        for number, allocation in enumerate(payment.allocations, start=1):
            document_id = allocation.document_id
            item = self.open_items.get((target, document_id))
            if item is None:
                self.error(f"allocation {number} document_id", f"{target.label} {document_id} is not known")
                continue
            if item.party_id != party_id:
                self.error(
                    f"allocation {number} document_id",
                    f"{target.label} {document_id} belongs to {item.party_id}, not {party_id}",
                )
                continue
            asked[document_id] = asked.get(document_id, ZERO) + allocation.amount
            if asked[document_id] > item.outstanding:
                self.error(
                    f"allocation {number} amount",
                    f"{format_money(allocation.amount)} is more than the"
                    f" {format_money(item.outstanding)} outstanding on {target.label} {document_id}",
                )
