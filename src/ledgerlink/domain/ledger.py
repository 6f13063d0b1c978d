"""What each customer and supplier owes, and what is still open on each document, from records alone.

This is the jobs side's own account of the books: reconciling against a package later compares the
package's balances with these figures, so every rule here is exact Decimal arithmetic and never guesses.

- An invoice (or supplier invoice) raises the party's balance by its gross, and opens that much.
- A credit note lowers the balance by its gross. With an `invoice_id` it is set against that invoice, up
  to what is still open there; whatever is left is unallocated credit, itself open for a refund.
- A cancelled invoice (or bill) counts for nothing: it raises nothing and opens nothing.
- A payment lowers the balance by its amount; its allocations close documents, never beyond what is open
  (anything more stays on account). A refund raises the balance and uses up credit-note credit.

So, per party: balance == invoices - credit notes - receipts + refunds, always, whatever the allocations.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from ledgerlink.domain.money import ZERO
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
    is_cancelled,
    party_of,
)

DocumentKey = tuple[RecordKind, str]
PartyKey = tuple[RecordKind, str]

# The order records take effect in: documents before the credits set against them, payments last.
# A package applies them in sending order, which follows the same dependencies.
_RANK: dict[RecordKind, int] = {
    RecordKind.CUSTOMER: 0,
    RecordKind.SUPPLIER: 0,
    RecordKind.INVOICE: 1,
    RecordKind.SUPPLIER_INVOICE: 1,
    RecordKind.CREDIT_NOTE: 2,
    RecordKind.SUPPLIER_CREDIT_NOTE: 2,
    RecordKind.CUSTOMER_PAYMENT: 3,
    RecordKind.SUPPLIER_PAYMENT: 3,
}


def effect_order(record: Record) -> tuple[int, date, str]:
    """A sort key that puts records in the order they take effect (stable across runs).

    Parties sort among themselves only (rank 0), so their stand-in date is never compared with a real one.
    """
    if isinstance(record, Customer | Supplier):
        return 0, date.min, record.source_id
    return _RANK[record.kind], record.date, record.source_id


class OpenItem(NamedTuple):
    """A document as a payment sees it: whose it is and how much of it is still open."""

    party_id: str
    outstanding: Decimal


@dataclass
class Ledger:
    """Running balances and open amounts; `apply` records in `effect_order` for reproducible figures."""

    percent_by_rate: Mapping[str, Decimal] = field(default_factory=dict)
    open_items: dict[DocumentKey, OpenItem] = field(default_factory=dict)
    balances: dict[PartyKey, Decimal] = field(default_factory=dict)
    on_account: dict[PartyKey, Decimal] = field(default_factory=dict)
    # What each credit note and payment actually closed, after the caps above: a package that is sent
    # the same figures, in the same order, ends with the same balances.
    credit_used: dict[DocumentKey, Decimal] = field(default_factory=dict)
    payment_used: dict[DocumentKey, tuple[tuple[str, Decimal], ...]] = field(default_factory=dict)

    def outstanding(self, kind: RecordKind, source_id: str) -> Decimal:
        item = self.open_items.get((kind, source_id))
        return item.outstanding if item else ZERO

    def balance(self, kind: RecordKind, source_id: str) -> Decimal:
        return self.balances.get((kind, source_id), ZERO)

    def apply(self, record: Record, *, gross: Decimal | None = None) -> None:
        """Take one record into account; `gross` spares recomputing a document's totals."""
        party = party_of(record)
        if party is None or is_cancelled(record):
            return
        if isinstance(record, Invoice | SupplierInvoice):
            gross = gross if gross is not None else self._gross(record)
            self._move(party, gross)
            self.open_items[(record.kind, record.source_id)] = OpenItem(party[1], gross)
        elif isinstance(record, CreditNote | SupplierCreditNote):
            gross = gross if gross is not None else self._gross(record)
            self._move(party, -gross)
            target = credit_target(record)
            used = self._settle(target, party[1], gross) if target else ZERO
            self.credit_used[(record.kind, record.source_id)] = used
            self.open_items[(record.kind, record.source_id)] = OpenItem(party[1], gross - used)
        elif isinstance(record, CustomerPayment | SupplierPayment):
            refund = record.is_refund
            self._move(party, record.amount if refund else -record.amount)
            target_kind = allocation_target(record)
            used = ZERO
            closed: list[tuple[str, Decimal]] = []
            for allocation in record.allocations:
                key = (target_kind, allocation.document_id)
                settled = self._settle(key, party[1], allocation.amount)
                used += settled
                if settled:
                    closed.append((allocation.document_id, settled))
            self.payment_used[(record.kind, record.source_id)] = tuple(closed)
            unused = record.amount - used
            if unused and not refund:
                self.on_account[party] = self.on_account.get(party, ZERO) + unused

    def apply_all(self, records: Iterable[Record]) -> Ledger:
        for record in sorted(records, key=effect_order):
            self.apply(record)
        return self

    def _gross(self, document: Invoice | SupplierInvoice | CreditNote | SupplierCreditNote) -> Decimal:
        return document.computed_totals(dict(self.percent_by_rate)).gross

    def _move(self, party: PartyKey, amount: Decimal) -> None:
        self.balances[party] = self.balances.get(party, ZERO) + amount

    def _settle(self, key: DocumentKey, party_id: str, amount: Decimal) -> Decimal:
        """Close up to `amount` of a document of this party; answers what was actually closed."""
        item = self.open_items.get(key)
        if item is None or item.party_id != party_id:
            return ZERO
        used = min(amount, item.outstanding)
        if used <= ZERO:
            return ZERO
        self.open_items[key] = OpenItem(party_id, item.outstanding - used)
        return used


def credit_target(record: CreditNote | SupplierCreditNote) -> DocumentKey | None:
    if isinstance(record, CreditNote):
        return (RecordKind.INVOICE, record.invoice_id) if record.invoice_id else None
    return (RecordKind.SUPPLIER_INVOICE, record.supplier_invoice_id) if record.supplier_invoice_id else None


def allocation_target(record: CustomerPayment | SupplierPayment) -> RecordKind:
    """What a payment's allocations settle: invoices or bills, or for a refund the credit notes refunded."""
    if isinstance(record, SupplierPayment):
        return RecordKind.SUPPLIER_CREDIT_NOTE if record.is_refund else RecordKind.SUPPLIER_INVOICE
    return RecordKind.CREDIT_NOTE if record.is_refund else RecordKind.INVOICE


def build_ledger(records: Iterable[Record], percent_by_rate: Mapping[str, Decimal]) -> Ledger:
    """The ledger of a set of records, applied in the order they take effect."""
    return Ledger(percent_by_rate=percent_by_rate).apply_all(records)
