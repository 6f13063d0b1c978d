"""Turning a jobs-side record into a draft in the package's terms.

Every reference in a draft is the package's own id, found through the connection's links (customers,
suppliers, documents already sent) and mappings (nominal accounts, VAT rates, payment methods). What
cannot be resolved stops the record, never the others, with a reason that names what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from ledgerlink.domain.ledger import credit_target
from ledgerlink.domain.money import total
from ledgerlink.domain.outbox import Step
from ledgerlink.domain.records import (
    CreditNote,
    Customer,
    CustomerPayment,
    Invoice,
    Record,
    RecordKind,
    Supplier,
    SupplierCreditNote,
    SupplierInvoice,
    SupplierPayment,
)
from ledgerlink.errors import NotReadyToSend
from ledgerlink.packages.drafts import (
    AllocationLine,
    ContactDraft,
    CreditAllocationDraft,
    DocumentDraft,
    DocumentType,
    Draft,
    LineDraft,
    OpeningItems,
    PaymentDraft,
)
from ledgerlink.packages.holdings import BankAccount, LedgerAccount, TaxRate, TaxUsage
from ledgerlink.services.onboarding.suggestions import tax_refusal
from ledgerlink.services.sending.opening_drafts import is_opening_item, opening_draft
from ledgerlink.store.records import StoredRecord


class Resolver(Protocol):
    """What the connection knows: links to package objects, and where each jobs-side code maps."""

    def linked_id(self, kind: RecordKind, source_id: str) -> str | None: ...

    def ledger_account(self, nominal_code: str) -> LedgerAccount: ...

    def tax_rate(self, vat_code: str, usage: TaxUsage) -> TaxRate: ...

    def bank_account(self, payment_method: str) -> BankAccount: ...

    def credit_allocation(self, kind: RecordKind, source_id: str) -> Decimal:
        """How much of a credit note the jobs side sets against the invoice it credits."""
        ...

    def payment_allocations(self, kind: RecordKind, source_id: str) -> tuple[tuple[str, Decimal], ...] | None:
        """What a payment's allocations close on the jobs side, after credits taken first (None: unknown)."""
        ...

    def document_number(self, kind: RecordKind, source_id: str) -> tuple[str, date | None]:
        """The number and date the job system gave a document: what a bookkeeper knows it by."""
        ...

    @property
    def cut_off(self) -> date | None: ...

    @property
    def opening_way(self) -> OpeningItems | None: ...

    @property
    def package_label(self) -> str: ...

    def open_at_cut_off(self, kind: RecordKind, source_id: str) -> Decimal:
        """What was open on a document dated before the cut-off, at the cut-off."""
        ...

    def opening_account(self) -> LedgerAccount: ...

    def opening_tax(self, usage: TaxUsage) -> TaxRate: ...

    @property
    def settled_outside(self) -> set[tuple[RecordKind, str]]:
        """Documents dated before the cut-off settled outside ledgerlink: never allocated to."""
        ...


@dataclass(frozen=True)
class DraftRequest:
    """One entry's record as stored: `line_vat` is a document's VAT line by line, worked out when it was
    fed; a draft sends those figures, never ones worked out again."""

    record: Record
    step: Step
    key: str
    line_vat: tuple[Decimal, ...] | None = None

    @classmethod
    def of(cls, stored: StoredRecord, step: Step, key: str) -> DraftRequest:
        return cls(stored.record, step, key, stored.line_vat)


DOCUMENT_TYPES: dict[RecordKind, DocumentType] = {
    RecordKind.INVOICE: DocumentType.SALES_INVOICE,
    RecordKind.CREDIT_NOTE: DocumentType.SALES_CREDIT_NOTE,
    RecordKind.SUPPLIER_INVOICE: DocumentType.PURCHASE_INVOICE,
    RecordKind.SUPPLIER_CREDIT_NOTE: DocumentType.PURCHASE_CREDIT_NOTE,
}


def document_type_for(kind: RecordKind, step: Step, *, is_refund: bool = False) -> DocumentType:
    if step is Step.ALLOCATE:
        return DocumentType.CREDIT_ALLOCATION
    if kind.is_party:
        return DocumentType.CONTACT
    if kind is RecordKind.CUSTOMER_PAYMENT:
        return DocumentType.CUSTOMER_REFUND if is_refund else DocumentType.CUSTOMER_RECEIPT
    if kind is RecordKind.SUPPLIER_PAYMENT:
        return DocumentType.SUPPLIER_REFUND if is_refund else DocumentType.SUPPLIER_PAYMENT
    return DOCUMENT_TYPES[kind]


def _require_link(resolver: Resolver, kind: RecordKind, source_id: str) -> str:
    package_id = resolver.linked_id(kind, source_id)
    if package_id is None:
        raise NotReadyToSend(f"{kind.label} {source_id} is not in the package yet", field=kind.value)
    return package_id


def _contact(request: DraftRequest) -> ContactDraft:
    record = request.record
    if isinstance(record, Customer):
        return ContactDraft(
            key=request.key,
            source_id=record.source_id,
            role="customer",
            name=record.display_name,
            reference=record.account_reference or record.source_id,
            is_company=record.customer_type == "commercial",
            first_name=record.first_name,
            last_name=record.last_name,
            email=record.email,
            phone=record.phone,
            mobile=record.mobile,
            address=record.address,
            vat_number=record.vat_number,
        )
    assert isinstance(record, Supplier)
    return ContactDraft(
        key=request.key,
        source_id=record.source_id,
        role="supplier",
        name=record.display_name,
        reference=record.account_reference or record.source_id,
        is_company=True,
        email=record.email,
        phone=record.phone,
        address=record.address,
    )


def _document(request: DraftRequest, resolver: Resolver) -> DocumentDraft:
    record = request.record
    assert isinstance(record, Invoice | CreditNote | SupplierInvoice | SupplierCreditNote)
    if is_opening_item(record, request.step, resolver):
        gross = total(line.net for line in record.lines) + total(request.line_vat or ())
        return opening_draft(
            record, request.key, document_type_for(record.kind, request.step), gross, resolver
        )
    usage: TaxUsage = "sales" if isinstance(record, Invoice | CreditNote) else "purchase"
    if isinstance(record, Invoice | CreditNote):
        contact_id = _require_link(resolver, RecordKind.CUSTOMER, record.customer_id)
    else:
        assert isinstance(record, SupplierInvoice | SupplierCreditNote)
        contact_id = _require_link(resolver, RecordKind.SUPPLIER, record.supplier_id)
    line_vat = request.line_vat
    if line_vat is None or len(line_vat) != len(record.lines):
        raise NotReadyToSend(
            f"{record.kind.label} {record.source_id} was stored without its VAT worked out: feed it again",
            field="lines",
        )
    lines = []
    for number, (line, vat) in enumerate(zip(record.lines, line_vat, strict=True), start=1):
        try:
            account = resolver.ledger_account(line.nominal_code)
            tax = resolver.tax_rate(line.vat_rate, usage)
        except NotReadyToSend as problem:
            raise NotReadyToSend(f"line {number}: {problem}", field=f"lines.{number}") from problem
        refusal = tax_refusal(tax, account, usage)
        if refusal:  # the package would refuse the pair: say so before sending anything
            raise NotReadyToSend(f"line {number}: {refusal}", field=f"lines.{number}")
        net = line.net
        lines.append(
            LineDraft(
                description=line.description,
                quantity=line.quantity,
                unit_price=line.unit_price,
                net=net,
                vat=vat,
                account_id=account.id,
                account_code=account.code,
                tax_rate_id=tax.id,
            )
        )
    net_total = total(line.net for line in lines)
    vat_total = total(line.vat for line in lines)
    credits_id = ""
    credits_number = ""
    credits_date: date | None = None
    credited = credit_target(record) if isinstance(record, CreditNote | SupplierCreditNote) else None
    if credited is not None:  # carried as the package has it: its id to allocate, its number to show
        credits_id = resolver.linked_id(*credited) or ""
        credits_number, credits_date = resolver.document_number(*credited)
    due = record.due_date if isinstance(record, Invoice | SupplierInvoice) else None
    return DocumentDraft(
        key=request.key,
        source_id=record.source_id,
        document_type=document_type_for(record.kind, request.step),
        contact_id=contact_id,
        number=record.number,
        date=record.date,
        lines=tuple(lines),
        net=net_total,
        vat=vat_total,
        gross=net_total + vat_total,
        due_date=due,
        credits_document_id=credits_id,
        credits_document_number=credits_number,
        credits_document_date=credits_date,
    )


def _payment(request: DraftRequest, resolver: Resolver) -> PaymentDraft:
    record = request.record
    if isinstance(record, CustomerPayment):
        contact_id = _require_link(resolver, RecordKind.CUSTOMER, record.customer_id)
        target_kind = RecordKind.CREDIT_NOTE if record.is_refund else RecordKind.INVOICE
        target_type = DocumentType.SALES_CREDIT_NOTE if record.is_refund else DocumentType.SALES_INVOICE
        document_type = document_type_for(record.kind, request.step, is_refund=record.is_refund)
    else:
        assert isinstance(record, SupplierPayment)
        contact_id = _require_link(resolver, RecordKind.SUPPLIER, record.supplier_id)
        target_kind, target_type = (
            (RecordKind.SUPPLIER_CREDIT_NOTE, DocumentType.PURCHASE_CREDIT_NOTE)
            if record.is_refund
            else (RecordKind.SUPPLIER_INVOICE, DocumentType.PURCHASE_INVOICE)
        )
        document_type = document_type_for(record.kind, request.step, is_refund=record.is_refund)
    bank = resolver.bank_account(record.method)
    closes = resolver.payment_allocations(record.kind, record.source_id)
    if closes is None:
        closes = tuple((allocation.document_id, allocation.amount) for allocation in record.allocations)
    allocations = tuple(
        AllocationLine(
            document_id=_require_link(resolver, target_kind, document_id),
            document_type=target_type,
            amount=amount,
        )
        for document_id, amount in closes
        if (target_kind, document_id) not in resolver.settled_outside  # that part stays on account
    )
    return PaymentDraft(
        key=request.key,
        source_id=record.source_id,
        document_type=document_type,
        contact_id=contact_id,
        bank_account_id=bank.id,
        bank_account_code=bank.code,
        date=record.date,
        amount=record.amount,
        reference=record.reference or record.source_id,
        allocations=allocations,
    )


def _credit_allocation(request: DraftRequest, resolver: Resolver) -> CreditAllocationDraft:
    record = request.record
    if isinstance(record, CreditNote):
        contact_id = _require_link(resolver, RecordKind.CUSTOMER, record.customer_id)
        invoice_id = _require_link(resolver, RecordKind.INVOICE, record.invoice_id)
        purchase = False
    else:
        assert isinstance(record, SupplierCreditNote)
        contact_id = _require_link(resolver, RecordKind.SUPPLIER, record.supplier_id)
        invoice_id = _require_link(resolver, RecordKind.SUPPLIER_INVOICE, record.supplier_invoice_id)
        purchase = True
    return CreditAllocationDraft(
        key=request.key,
        source_id=record.source_id,
        contact_id=contact_id,
        credit_note_id=_require_link(resolver, record.kind, record.source_id),
        invoice_id=invoice_id,
        amount=resolver.credit_allocation(record.kind, record.source_id),
        date=record.date,
        purchase=purchase,
    )


def build_draft(request: DraftRequest, resolver: Resolver) -> Draft:
    """The draft for one outbox entry; raises NotReadyToSend naming what is missing."""
    if request.step is Step.ALLOCATE:
        return _credit_allocation(request, resolver)
    record = request.record
    if isinstance(record, Customer | Supplier):
        return _contact(request)
    if isinstance(record, CustomerPayment | SupplierPayment):
        return _payment(request, resolver)
    return _document(request, resolver)
