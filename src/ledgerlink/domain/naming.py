"""Records named as the people who keep the books name them, never by the job system's internal ids.

"Invoice INV-10015 · Mrs J Smith · £120.00 · 03/02/2026": its kind and number, its customer or
supplier, its amount and its date, each left out where the record has none. Every face (the dashboard,
the command line, messages about a record) names records through here, so a record reads the same
wherever it is seen.
"""

from __future__ import annotations

from decimal import Decimal

from ledgerlink.domain.money import format_money
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

SEPARATOR = " · "


def kind_word(kind: RecordKind) -> str:
    """ "Invoice", "Supplier credit note": the kind as the first word of a name."""
    label = kind.label
    return label[:1].upper() + label[1:]


def _what(record: Record) -> str:
    """The kind, with the document's number, or the party's name."""
    if isinstance(record, Customer | Supplier):
        return f"{kind_word(record.kind)} {record.display_name or record.source_id}"
    if isinstance(record, Invoice | CreditNote | SupplierInvoice | SupplierCreditNote):
        return f"{kind_word(record.kind)} {record.number or record.source_id}"
    what = "Refund" if isinstance(record, CustomerPayment) and record.is_refund else kind_word(record.kind)
    return f"{what} {record.reference}" if record.reference else what


def amount_of(record: Record, gross: Decimal | None) -> Decimal | None:
    """What a person reads as the record's amount: a document's gross, a payment's amount."""
    if isinstance(record, CustomerPayment | SupplierPayment):
        return record.amount
    if isinstance(record, Customer | Supplier):
        return None
    return gross


def record_title(record: Record, *, party: str = "", gross: Decimal | None = None) -> str:
    """The record's full name: kind and number, party, amount, date (dd/mm/yyyy)."""
    parts = [_what(record)]
    if party and not isinstance(record, Customer | Supplier):
        parts.append(party)
    amount = amount_of(record, gross)
    if amount is not None:
        parts.append(f"£{format_money(amount)}")
    if not isinstance(record, Customer | Supplier):
        parts.append(f"{record.date:%d/%m/%Y}")
    return SEPARATOR.join(parts)


def record_short(record: Record, *, party: str = "") -> str:
    """A name short enough to stand in a sentence ("invoice INV-10009 · Mr Oliver Baker")."""
    what = _what(record)
    what = what[:1].lower() + what[1:]
    if party and not isinstance(record, Customer | Supplier):
        return f"{what}{SEPARATOR}{party}"
    return what
