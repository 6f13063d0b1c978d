"""The records a job system holds, as ledgerlink understands them.

Each record is keyed within its company by the job system's own id (`source_id`), so feeding the same
record twice updates it instead of duplicating it. Records are immutable values: a change is a new
version of the record, and its `version` (a hash of its content) is what makes a change after sending
noticeable and what the idempotency key of each send is derived from.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, ClassVar, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from ledgerlink.domain.money import ZERO, held, line_net, line_vat, total

# text holds no NUL character: PostgreSQL cannot store one, and no job system means one
NO_NUL = r"^[^\x00]*$"
SourceId = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=NO_NUL)
]
Text = Annotated[str, StringConstraints(strip_whitespace=True, pattern=NO_NUL)]
Amount = Annotated[Decimal, AfterValidator(held)]
"""An amount (or quantity) a record brings in: refused beyond what a ledger holds."""


class RecordKind(StrEnum):
    """Every kind of record that travels from the jobs side to a package."""

    CUSTOMER = "customer"
    SUPPLIER = "supplier"
    INVOICE = "invoice"
    CREDIT_NOTE = "credit_note"
    CUSTOMER_PAYMENT = "customer_payment"
    SUPPLIER_INVOICE = "supplier_invoice"
    SUPPLIER_CREDIT_NOTE = "supplier_credit_note"
    SUPPLIER_PAYMENT = "supplier_payment"

    @property
    def is_party(self) -> bool:
        """Customers and suppliers are not dated: the cut-off date never holds them back."""
        return self in (RecordKind.CUSTOMER, RecordKind.SUPPLIER)

    @property
    def label(self) -> str:
        return self.value.replace("_", " ")


class NominalKind(StrEnum):
    SALES = "sales"
    EXPENSE = "expense"
    BANK = "bank"


class VatTreatment(StrEnum):
    """How a VAT rate behaves, which decides the package tax rates it may map to."""

    STANDARD = "standard"
    REDUCED = "reduced"
    ZERO = "zero"
    EXEMPT = "exempt"
    NO_VAT = "no_vat"
    OTHER = "other"


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    kind: ClassVar[RecordKind]

    source_id: SourceId

    @property
    def version(self) -> str:
        """A short digest of the record's content: equal content, equal version, across processes."""
        payload = self.model_dump_json(exclude_none=True).encode()
        return hashlib.blake2b(payload, digest_size=10).hexdigest()


# --- reference lists -------------------------------------------------------------------------------


class NominalAccount(BaseModel):
    """A jobs-side account code: where sales, costs or money in the bank are booked."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    code: SourceId
    name: Text
    kind: NominalKind


class VatRate(BaseModel):
    """A jobs-side VAT rate, identified by its code (e.g. `S` for standard 20%)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    code: SourceId
    name: Text
    percent: Decimal = Field(ge=0, le=100)
    treatment: VatTreatment


class PaymentMethod(BaseModel):
    """How money moves (card, BACS, cash, cheque), each landing in one bank nominal account."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    code: SourceId
    name: Text
    bank_nominal_code: SourceId


def standard_vat_rates() -> tuple[VatRate, ...]:
    """The UK rates every company starts with; a company may add its own."""
    return (
        VatRate(code="S", name="Standard 20%", percent=Decimal("20"), treatment=VatTreatment.STANDARD),
        VatRate(code="R", name="Reduced 5%", percent=Decimal("5"), treatment=VatTreatment.REDUCED),
        VatRate(code="Z", name="Zero rated", percent=Decimal("0"), treatment=VatTreatment.ZERO),
        VatRate(code="E", name="Exempt", percent=Decimal("0"), treatment=VatTreatment.EXEMPT),
        VatRate(code="N", name="No VAT", percent=Decimal("0"), treatment=VatTreatment.NO_VAT),
    )


# --- parties ---------------------------------------------------------------------------------------


class Address(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    line1: Text = ""
    line2: Text = ""
    line3: Text = ""
    town: Text = ""
    county: Text = ""
    postcode: Text = ""
    country: Text = "GB"

    @property
    def lines(self) -> tuple[str, ...]:
        return tuple(line for line in (self.line1, self.line2, self.line3) if line)

    def one_line(self) -> str:
        parts = [*self.lines, self.town, self.county, self.postcode]
        return ", ".join(part for part in parts if part)


class Customer(_Record):
    kind: ClassVar[RecordKind] = RecordKind.CUSTOMER

    customer_type: Literal["residential", "commercial"] = "residential"
    title: Text = ""
    first_name: Text = ""
    last_name: Text = ""
    company_name: Text = ""
    address: Address = Address()
    email: Text = ""
    phone: Text = ""
    mobile: Text = ""
    account_reference: Text = ""
    vat_number: Text = ""

    @property
    def display_name(self) -> str:
        """The name a package shows: the company for a business, the person otherwise."""
        if self.customer_type == "commercial" and self.company_name:
            return self.company_name
        person = " ".join(part for part in (self.title, self.first_name, self.last_name) if part)
        return person or self.company_name


class Supplier(_Record):
    kind: ClassVar[RecordKind] = RecordKind.SUPPLIER

    name: Text = ""
    address: Address = Address()
    email: Text = ""
    phone: Text = ""
    account_reference: Text = ""
    default_expense_nominal: Text = ""

    @property
    def display_name(self) -> str:
        return self.name


# --- documents -------------------------------------------------------------------------------------


class DocumentLine(BaseModel):
    """One line of an invoice or credit note; its VAT is computed here, never typed in."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    description: Text
    quantity: Amount = Decimal(1)
    unit_price: Amount
    vat_rate: SourceId
    nominal_code: SourceId

    @property
    def net(self) -> Decimal:
        return line_net(self.quantity, self.unit_price)

    def vat(self, percent: Decimal) -> Decimal:
        return line_vat(self.net, percent)


class Totals(BaseModel):
    """The figures a document showed its reader, or the ones its lines add up to."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    net: Amount
    vat: Amount
    gross: Amount

    def difference(self, other: Totals) -> Decimal:
        """How far apart two sets of totals are, on the figure the customer pays."""
        return self.gross - other.gross


@dataclass(frozen=True, slots=True)
class DocumentFigures:
    """Each line's VAT, in line order, and the totals the lines add up to.

    Worked out once, when the document is fed, with the company's VAT rates of that day, and kept with
    the stored record: what is sent to a package is what was stored, whatever happens to the rates.
    """

    line_vat: tuple[Decimal, ...]
    totals: Totals


class _Document(_Record):
    number: Text
    date: date
    lines: tuple[DocumentLine, ...]
    stated_totals: Totals | None = None

    def figures(self, percent_by_rate: Mapping[str, Decimal]) -> DocumentFigures:
        """Per-line VAT and the totals as their sums; unknown rates count as 0% (validation names them).

        Each line's net is worked out once: a feed of 100,000 invoices totals every one of them.
        """
        net = vat = ZERO
        vats: list[Decimal] = []
        for line in self.lines:
            amount = line_net(line.quantity, line.unit_price)
            tax = line_vat(amount, percent_by_rate.get(line.vat_rate, ZERO))
            vats.append(tax)
            net += amount
            vat += tax
        # worked out, not brought in: the document's own check says when they are more than a ledger holds
        return DocumentFigures(tuple(vats), Totals.model_construct(net=net, vat=vat, gross=net + vat))

    def computed_totals(self, percent_by_rate: Mapping[str, Decimal]) -> Totals:
        return self.figures(percent_by_rate).totals


class Invoice(_Document):
    kind: ClassVar[RecordKind] = RecordKind.INVOICE

    customer_id: SourceId
    due_date: date | None = None
    # The day the job was cancelled after invoicing: the invoice then counts for nothing, is never sent,
    # and one already sent is voided in the package. None (left out of the stored record) while it stands.
    cancelled_on: date | None = None


class CreditNote(_Document):
    kind: ClassVar[RecordKind] = RecordKind.CREDIT_NOTE

    customer_id: SourceId
    invoice_id: Text = ""


class SupplierInvoice(_Document):
    """A bill from a supplier; `number` is the supplier's own reference for it."""

    kind: ClassVar[RecordKind] = RecordKind.SUPPLIER_INVOICE

    supplier_id: SourceId
    due_date: date | None = None
    cancelled_on: date | None = None  # as an invoice's: a bill the supplier withdrew


class SupplierCreditNote(_Document):
    kind: ClassVar[RecordKind] = RecordKind.SUPPLIER_CREDIT_NOTE

    supplier_id: SourceId
    supplier_invoice_id: Text = ""


# --- payments --------------------------------------------------------------------------------------


class Allocation(BaseModel):
    """Part of a payment settling one document: an invoice for a receipt, a credit note for a refund."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    document_id: SourceId
    amount: Amount = Field(gt=0)


class _Payment(_Record):
    date: date
    amount: Amount = Field(gt=0)
    method: SourceId
    reference: Text = ""
    allocations: tuple[Allocation, ...] = ()

    @property
    def allocated(self) -> Decimal:
        return total(allocation.amount for allocation in self.allocations)

    @property
    def on_account(self) -> Decimal:
        """Money received but not (yet) set against any document."""
        return self.amount - self.allocated


class CustomerPayment(_Payment):
    """Money from a customer, or, when `is_refund`, money paid back (allocated to credit notes)."""

    kind: ClassVar[RecordKind] = RecordKind.CUSTOMER_PAYMENT

    customer_id: SourceId
    is_refund: bool = False


class SupplierPayment(_Payment):
    """Money paid to a supplier, or, when `is_refund`, money the supplier paid back (allocated to its
    credit notes)."""

    kind: ClassVar[RecordKind] = RecordKind.SUPPLIER_PAYMENT

    supplier_id: SourceId
    # left out of the stored record while False, so payments stored before keep their versions
    is_refund: bool = Field(default=False, exclude_if=lambda refund: not refund)


Party = Customer | Supplier
Document = Invoice | CreditNote | SupplierInvoice | SupplierCreditNote
Payment = CustomerPayment | SupplierPayment
Record = (
    Customer
    | Supplier
    | Invoice
    | CreditNote
    | CustomerPayment
    | SupplierInvoice
    | SupplierCreditNote
    | SupplierPayment
)

RECORD_TYPES: dict[RecordKind, type[Record]] = {
    RecordKind.CUSTOMER: Customer,
    RecordKind.SUPPLIER: Supplier,
    RecordKind.INVOICE: Invoice,
    RecordKind.CREDIT_NOTE: CreditNote,
    RecordKind.CUSTOMER_PAYMENT: CustomerPayment,
    RecordKind.SUPPLIER_INVOICE: SupplierInvoice,
    RecordKind.SUPPLIER_CREDIT_NOTE: SupplierCreditNote,
    RecordKind.SUPPLIER_PAYMENT: SupplierPayment,
}


# the field of each financial record type that names its customer or supplier
PARTY_FIELDS: dict[type[Record], tuple[RecordKind, str]] = {
    Invoice: (RecordKind.CUSTOMER, "customer_id"),
    CreditNote: (RecordKind.CUSTOMER, "customer_id"),
    CustomerPayment: (RecordKind.CUSTOMER, "customer_id"),
    SupplierInvoice: (RecordKind.SUPPLIER, "supplier_id"),
    SupplierCreditNote: (RecordKind.SUPPLIER, "supplier_id"),
    SupplierPayment: (RecordKind.SUPPLIER, "supplier_id"),
}


def party_of(record: Record) -> tuple[RecordKind, str] | None:
    """The customer or supplier a financial record belongs to (its first parent)."""
    # looked up by type: a feed asks this several times for each of its records
    found = PARTY_FIELDS.get(type(record))
    if found is None:
        return None
    kind, name = found
    party: str = getattr(record, name)
    return kind, party


def parents_of(record: Record) -> tuple[tuple[RecordKind, str], ...]:
    """Every record that must be in the package before this one can be sent, in sending order."""
    party = party_of(record)
    if party is None:
        return ()
    if isinstance(record, Invoice | SupplierInvoice):
        return (party,)
    if isinstance(record, CreditNote):
        return (party, (RecordKind.INVOICE, record.invoice_id)) if record.invoice_id else (party,)
    if isinstance(record, SupplierCreditNote):
        if record.supplier_invoice_id:
            return (party, (RecordKind.SUPPLIER_INVOICE, record.supplier_invoice_id))
        return (party,)
    if isinstance(record, CustomerPayment):
        target = RecordKind.CREDIT_NOTE if record.is_refund else RecordKind.INVOICE
    elif isinstance(record, SupplierPayment):
        target = RecordKind.SUPPLIER_CREDIT_NOTE if record.is_refund else RecordKind.SUPPLIER_INVOICE
    else:  # unreachable (parties have no party), but it tells the type checker what is left
        return ()
    return tuple(dict.fromkeys([party, *((target, a.document_id) for a in record.allocations)]))


def is_cancelled(record: Record) -> bool:
    """A document the job system cancelled: it counts for nothing and the package must not hold it."""
    return isinstance(record, Invoice | SupplierInvoice) and record.cancelled_on is not None


def record_date(record: Record) -> date | None:
    """The date the cut-off applies to; parties have none."""
    if isinstance(record, Customer | Supplier):
        return None
    return record.date
