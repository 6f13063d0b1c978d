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


EffectOrder = tuple[int, date, str]


def effect_order(record: Record) -> EffectOrder:
    """A sort key that puts records in the order they take effect (stable across runs).

    Parties sort among themselves only (rank 0), so their stand-in date is never compared with a real one.
    """
    if isinstance(record, Customer | Supplier):
        return 0, date.min, record.source_id
    return _RANK[record.kind], record.date, record.source_id


@dataclass(frozen=True, slots=True)
class LedgerItem:
    """What one document or payment does to its party's ledger, and nothing more.

    A ledger needs no lines: a document counts at its gross, kept when it was fed. So a party's
    ledger can be read from stored records without building each of their lines again, which is
    most of the cost of reading a document (a send reads every record of each party it pays).
    """

    kind: RecordKind
    source_id: str
    party: PartyKey
    date: date
    gross: Decimal = ZERO  # a document's
    target: DocumentKey | None = None  # the document a credit note is set against
    amount: Decimal = ZERO  # a payment's
    is_refund: bool = False
    allocations: tuple[tuple[str, Decimal], ...] = ()  # a payment's: document id, amount
    cancelled: bool = False

    @property
    def order(self) -> EffectOrder:
        """Its place in `effect_order`."""
        return _RANK[self.kind], self.date, self.source_id


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
        if isinstance(record, Invoice | SupplierInvoice | CreditNote | SupplierCreditNote):
            gross = gross if gross is not None else self._gross(record)
            target = credit_target(record) if isinstance(record, CreditNote | SupplierCreditNote) else None
            self.apply_item(LedgerItem(record.kind, record.source_id, party, record.date, gross, target))
        elif isinstance(record, CustomerPayment | SupplierPayment):
            allocations = tuple((a.document_id, a.amount) for a in record.allocations)
            self.apply_item(
                LedgerItem(
                    record.kind,
                    record.source_id,
                    party,
                    record.date,
                    amount=record.amount,
                    is_refund=record.is_refund,
                    allocations=allocations,
                )
            )

    def apply_item(self, item: LedgerItem) -> None:
        """Take one document or payment into account, as `apply` does its record."""
        if item.cancelled:
            return
        party = item.party
        key = (item.kind, item.source_id)
        if item.kind in _INVOICE_KINDS:
            self._move(party, item.gross)
            self.open_items[key] = OpenItem(party[1], item.gross)
        elif item.kind in _CREDIT_KINDS:
            self._move(party, -item.gross)
            used = self._settle(item.target, party[1], item.gross) if item.target else ZERO
            self.credit_used[key] = used
            self.open_items[key] = OpenItem(party[1], item.gross - used)
        elif item.kind in _PAYMENT_KINDS:
            refund = item.is_refund
            self._move(party, item.amount if refund else -item.amount)
            target_kind = _ALLOCATION_TARGETS[item.kind, refund]
            used = ZERO
            closed: list[tuple[str, Decimal]] = []
            for document_id, amount in item.allocations:
                settled = self._settle((target_kind, document_id), party[1], amount)
                used += settled
                if settled:
                    closed.append((document_id, settled))
            self.payment_used[key] = tuple(closed)
            unused = item.amount - used
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


# what each kind of credit note is set against
CREDIT_TARGETS: dict[RecordKind, RecordKind] = {
    RecordKind.CREDIT_NOTE: RecordKind.INVOICE,
    RecordKind.SUPPLIER_CREDIT_NOTE: RecordKind.SUPPLIER_INVOICE,
}


def credit_target(record: CreditNote | SupplierCreditNote) -> DocumentKey | None:
    target_id = record.invoice_id if isinstance(record, CreditNote) else record.supplier_invoice_id
    return (CREDIT_TARGETS[record.kind], target_id) if target_id else None


def allocation_target(record: CustomerPayment | SupplierPayment) -> RecordKind:
    """What a payment's allocations settle: invoices or bills, or for a refund the credit notes refunded."""
    return _ALLOCATION_TARGETS[record.kind, record.is_refund]


_INVOICE_KINDS = frozenset({RecordKind.INVOICE, RecordKind.SUPPLIER_INVOICE})
_CREDIT_KINDS = frozenset({RecordKind.CREDIT_NOTE, RecordKind.SUPPLIER_CREDIT_NOTE})
_PAYMENT_KINDS = frozenset({RecordKind.CUSTOMER_PAYMENT, RecordKind.SUPPLIER_PAYMENT})
_ALLOCATION_TARGETS: dict[tuple[RecordKind, bool], RecordKind] = {
    (RecordKind.CUSTOMER_PAYMENT, False): RecordKind.INVOICE,
    (RecordKind.CUSTOMER_PAYMENT, True): RecordKind.CREDIT_NOTE,
    (RecordKind.SUPPLIER_PAYMENT, False): RecordKind.SUPPLIER_INVOICE,
    (RecordKind.SUPPLIER_PAYMENT, True): RecordKind.SUPPLIER_CREDIT_NOTE,
}


def build_ledger(records: Iterable[Record], percent_by_rate: Mapping[str, Decimal]) -> Ledger:
    """The ledger of a set of records, applied in the order they take effect."""
    return Ledger(percent_by_rate=percent_by_rate).apply_all(records)
