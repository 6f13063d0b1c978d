"""What a stored record does to its party's ledger, read from its content without building its lines.

A send that pays a customer's invoices reads every record of that customer to know what is still open
on each. Reading a document back as a domain record validates each of its lines and converts its VAT
line by line; a ledger needs none of that, only what the document adds up to, kept when it was fed.
So these few fields are read, and the rest of the content is skipped by the JSON parser.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from ledgerlink.domain.ledger import CREDIT_TARGETS, LedgerItem
from ledgerlink.domain.money import ZERO
from ledgerlink.domain.records import PARTY_FIELDS, RECORD_TYPES, RecordKind
from ledgerlink.errors import NotReadyToSend


class _Allocation(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    document_id: str
    amount: Decimal


class _LedgerFields(BaseModel):
    """The fields of any document or payment that a ledger reads (each kind carries some of them)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    source_id: str
    date: dt.date
    customer_id: str = ""
    supplier_id: str = ""
    cancelled_on: dt.date | None = None
    invoice_id: str = ""
    supplier_invoice_id: str = ""
    amount: Decimal = ZERO
    is_refund: bool = False
    allocations: tuple[_Allocation, ...] = ()


_DOCUMENTS = frozenset(
    {RecordKind.INVOICE, RecordKind.CREDIT_NOTE, RecordKind.SUPPLIER_INVOICE, RecordKind.SUPPLIER_CREDIT_NOTE}
)


def ledger_item(kind: RecordKind, content: str, gross: Decimal | None) -> LedgerItem:
    """The ledger's view of one stored document or payment (never a customer or supplier)."""
    fields = _LedgerFields.model_validate_json(content)
    party_kind, party_field = PARTY_FIELDS[RECORD_TYPES[kind]]
    party = (party_kind, getattr(fields, party_field))
    if kind in _DOCUMENTS:
        if gross is None:  # a feed stores every document with its gross; a ledger never guesses one
            raise NotReadyToSend(
                f"{kind.label} {fields.source_id} was stored without its total worked out: feed it again",
                field="gross",
            )
        credited = CREDIT_TARGETS.get(kind)
        target_id = fields.invoice_id if kind is RecordKind.CREDIT_NOTE else fields.supplier_invoice_id
        return LedgerItem(
            kind,
            fields.source_id,
            party,
            fields.date,
            gross=gross,
            target=(credited, target_id) if credited is not None and target_id else None,
            cancelled=fields.cancelled_on is not None,
        )
    return LedgerItem(
        kind,
        fields.source_id,
        party,
        fields.date,
        amount=fields.amount,
        is_refund=fields.is_refund,
        allocations=tuple((allocation.document_id, allocation.amount) for allocation in fields.allocations),
    )
