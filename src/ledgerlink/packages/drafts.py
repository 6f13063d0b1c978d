"""The port: what ledgerlink sends, and what comes of it.

A draft is one record, ready for the package: every reference in it is already the package's own id
(the engine resolved links and mappings), and every figure is the jobs side's, computed per line. Each
create answers an outcome per draft: created (with the package's id, number and totals) or refused
(with the package's reasons).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar, Literal

from ledgerlink.domain.records import Address
from ledgerlink.errors import Problem
from ledgerlink.packages.holdings import AccountClass


class DocumentType(StrEnum):
    """What a draft becomes in the package."""

    CONTACT = "contact"
    SALES_INVOICE = "sales_invoice"
    SALES_CREDIT_NOTE = "sales_credit_note"
    CUSTOMER_RECEIPT = "customer_receipt"
    CUSTOMER_REFUND = "customer_refund"
    CREDIT_ALLOCATION = "credit_allocation"
    PURCHASE_INVOICE = "purchase_invoice"
    PURCHASE_CREDIT_NOTE = "purchase_credit_note"
    SUPPLIER_PAYMENT = "supplier_payment"
    SUPPLIER_REFUND = "supplier_refund"


# --- what ledgerlink sends -------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactDraft:
    key: str  # idempotency key, unique per connection, record and version
    source_id: str
    role: Literal["customer", "supplier"]
    name: str
    reference: str = ""
    is_company: bool = False
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    phone: str = ""
    mobile: str = ""
    address: Address = field(default_factory=Address)
    vat_number: str = ""
    default_account_id: str = ""

    document_type: ClassVar[DocumentType] = DocumentType.CONTACT


@dataclass(frozen=True)
class LineDraft:
    description: str
    quantity: Decimal
    unit_price: Decimal
    net: Decimal
    vat: Decimal
    account_id: str
    account_code: str
    tax_rate_id: str

    @property
    def gross(self) -> Decimal:
        return self.net + self.vat


@dataclass(frozen=True)
class OpeningOf:
    """What an opening item stands for: a document dated before the cut-off, still open at it.

    On the new-package path it goes to the package as an opening item: the draft carrying it is dated
    at the cut-off, for what was open, on the opening account with no VAT (the VAT was accounted
    before the cut-off); a package with a mechanism of its own for opening balances uses these facts.
    """

    date: dt.date  # the document's own date
    number: str  # the document's own number
    gross: Decimal  # its whole gross, of which the draft's gross was open at the cut-off
    cut_off: dt.date


@dataclass(frozen=True)
class OpeningItems:
    """How a package takes, on the new-package path, the documents still open at the cut-off.

    `how` says it in words (the docs and the mapping page quote it). A package that takes them as
    documents on an account names the account its own default chart keeps for it (`account_names`,
    best first) and what kind of account may stand in (`account_classes`), and its rate for no VAT
    (`tax_names`, by name or id); the mapping step suggests those, or says why it cannot. A package that
    takes them on an account but not as documents with tax (a journal entry) names no tax rate, and no
    rate is asked for. A package with its own opening-balance mechanism needs neither (both empty), and
    reads `DocumentDraft.opening`.
    """

    how: str
    account_names: tuple[str, ...] = ()
    account_classes: frozenset[AccountClass] = frozenset()
    tax_names: tuple[str, ...] = ()

    @property
    def needs_mapping(self) -> bool:
        return bool(self.account_classes)

    @property
    def needs_tax(self) -> bool:
        return self.needs_mapping and bool(self.tax_names)


@dataclass(frozen=True)
class DocumentDraft:
    """An invoice, credit note, bill or supplier credit note (`opening`: an opening item standing
    for one dated before the cut-off)."""

    key: str
    source_id: str
    document_type: DocumentType
    contact_id: str
    number: str
    date: dt.date
    lines: tuple[LineDraft, ...]
    net: Decimal
    vat: Decimal
    gross: Decimal
    due_date: dt.date | None = None
    credits_document_id: str = ""  # the package id of the invoice a credit note credits
    credits_document_number: str = ""  # that invoice's number, as the bookkeeper knows it
    credits_document_date: dt.date | None = None
    opening: OpeningOf | None = None


@dataclass(frozen=True)
class AllocationLine:
    document_id: str  # the package's id of the invoice, bill or credit note
    document_type: DocumentType
    amount: Decimal


@dataclass(frozen=True)
class PaymentDraft:
    """A customer receipt, customer refund or supplier payment, with what it settles."""

    key: str
    source_id: str
    document_type: DocumentType
    contact_id: str
    bank_account_id: str
    bank_account_code: str
    date: dt.date
    amount: Decimal
    reference: str = ""
    allocations: tuple[AllocationLine, ...] = ()

    @property
    def on_account(self) -> Decimal:
        return self.amount - sum((a.amount for a in self.allocations), Decimal("0.00"))


@dataclass(frozen=True)
class CreditAllocationDraft:
    """A credit note set against the invoice it credits."""

    key: str
    source_id: str
    contact_id: str
    credit_note_id: str
    invoice_id: str
    amount: Decimal
    date: dt.date
    purchase: bool = False

    document_type: ClassVar[DocumentType] = DocumentType.CREDIT_ALLOCATION


Draft = ContactDraft | DocumentDraft | PaymentDraft | CreditAllocationDraft


def fitted_reference(value: str, limit: int) -> str:
    """`value` as a package that keeps at most `limit` characters can hold it, decided before sending.

    A value that fits is kept as it is; a longer one keeps its first characters and ends in a short
    digest of the whole, so it is the same on every send (a replay finds it again) and two long ids
    that share their start stay apart. A plugin says where it did this, so the person sees it and can
    give the record a shorter reference of their own.
    """
    if len(value) <= limit:
        return value
    digest = base64.b32encode(hashlib.blake2b(value.encode(), digest_size=5).digest()).decode()
    if limit <= 5:
        return digest[:limit]
    return f"{value[: limit - 5].rstrip()}-{digest[:4]}"


def fitted_note(what: str, value: str, sent_as: str, limit: int, package: str) -> str:
    """The warning kept with the entry when a reference was fitted to the package's length."""
    return (
        f"{package} keeps a {what} of up to {limit} characters: {value!r} was sent as {sent_as!r}; "
        f"give the record a {what} of {limit} characters or fewer to choose another"
    )


@dataclass(frozen=True)
class LedgerAccountDraft:
    """An account to make in the package's chart: its code, name, class and default tax rate (the
    package's tax rate id; empty leaves the package's own default for the type)."""

    code: str
    name: str
    account_class: AccountClass
    tax_rate_id: str = ""


@dataclass(frozen=True)
class PackageTotals:
    net: Decimal
    vat: Decimal
    gross: Decimal


@dataclass(frozen=True)
class OpenDocument:
    """An invoice or credit note the package holds with money still open on it: on the side-by-side
    path, what a document dated before the cut-off is linked to, so money set against it later is sent.

    `number` is the document's number as the package shows it (a purchase document's is the
    supplier's reference), `reference` the other number it keeps where it keeps one (a package that
    numbers its own sales documents keeps the bookkeeper's there); `outstanding` is what is still open,
    as a positive figure.
    """

    package_id: str
    document_type: DocumentType
    number: str
    contact_id: str
    date: dt.date
    outstanding: Decimal
    reference: str = ""


@dataclass(frozen=True)
class ContactBalance:
    """What a contact owes us as a customer and what we owe it as a supplier, as the package says.

    `apart` is False where the package gave one figure for the contact (held in `receivable`), so a
    contact that is both a customer and a supplier can be compared only as a whole.
    """

    receivable: Decimal
    payable: Decimal
    apart: bool = True


@dataclass(frozen=True)
class Created:
    """The package accepted the draft: its id, and the figures it computed, to compare with ours."""

    key: str
    package_id: str
    number: str = ""
    totals: PackageTotals | None = None
    status: str = ""
    related_ids: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class Refused:
    """The package refused this draft (the others in its batch may have gone)."""

    key: str
    problems: tuple[Problem, ...]


Outcome = Created | Refused
