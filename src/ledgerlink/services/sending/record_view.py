"""One record as a person reads it: its name, its lines with their VAT, where it stands with the
package, a link to it in the package's own web app, and every attempt made to send it."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ledgerlink.domain.money import ZERO
from ledgerlink.domain.naming import amount_of
from ledgerlink.domain.outbox import OutboxEntry, Step
from ledgerlink.domain.records import (
    CreditNote,
    CustomerPayment,
    Invoice,
    Record,
    RecordKind,
    SupplierCreditNote,
    SupplierInvoice,
    SupplierPayment,
    party_of,
)
from ledgerlink.packages.registry import get_package
from ledgerlink.services.sending.controls import RecordStatus, record_status
from ledgerlink.services.sending.names import RecordNames
from ledgerlink.store import Store


@dataclass(frozen=True)
class LineView:
    description: str
    quantity: Decimal
    unit_price: Decimal
    net: Decimal
    vat_rate: str
    vat: Decimal | None  # as worked out when the record was fed (none: not worked out)
    nominal_code: str


@dataclass(frozen=True)
class Mention:
    """Another record this one names (its party, the invoices a payment settles), by its name."""

    kind: RecordKind
    source_id: str
    name: str
    amount: Decimal | None = None


@dataclass(frozen=True)
class AttemptView:
    step: Step
    at: Any
    operation: str
    request: str
    status: int | None
    outcome: str
    answer: str
    request_id: str


@dataclass(frozen=True)
class RecordView:
    status: RecordStatus
    title: str
    party: Mention | None
    lines: tuple[LineView, ...] = ()
    net: Decimal | None = None
    vat: Decimal | None = None
    amount: Decimal | None = None
    settles: tuple[Mention, ...] = ()
    package_label: str = ""
    deep_link: str = ""
    entries: tuple[OutboxEntry, ...] = ()
    history: tuple[AttemptView, ...] = field(default_factory=tuple)

    @property
    def record(self) -> Record:
        return self.status.stored.record


def record_view(store: Store, company_id: int, kind: RecordKind, source_id: str) -> RecordView:
    """The record as its page shows it; RecordNotFound if the company holds no such record."""
    status = record_status(store, company_id, kind, source_id)
    stored = status.stored
    record = stored.record
    party = party_of(record)
    mentioned: list[tuple[RecordKind, str]] = [(kind, source_id), *([party] if party else [])]
    settles_keys: list[tuple[RecordKind, str, Decimal | None]]
    if isinstance(record, CustomerPayment | SupplierPayment):
        target = (
            RecordKind.CREDIT_NOTE
            if isinstance(record, CustomerPayment) and record.is_refund
            else RecordKind.SUPPLIER_INVOICE
            if isinstance(record, SupplierPayment)
            else RecordKind.INVOICE
        )
        settles_keys = [
            (target, allocation.document_id, allocation.amount) for allocation in record.allocations
        ]
    elif isinstance(record, CreditNote) and record.invoice_id:
        settles_keys = [(RecordKind.INVOICE, record.invoice_id, None)]
    elif isinstance(record, SupplierCreditNote) and record.supplier_invoice_id:
        settles_keys = [(RecordKind.SUPPLIER_INVOICE, record.supplier_invoice_id, None)]
    else:
        settles_keys = []
    with store.unit_of_work() as uow:
        names = RecordNames.read(uow, company_id, [*mentioned, *((k, s) for k, s, _ in settles_keys)])
        connection = uow.connections(company_id).current()
        entries: list[OutboxEntry] = []
        history: list[AttemptView] = []
        if connection is not None:
            outbox = uow.outbox(connection)
            for step in Step:
                entry = outbox.find(kind, source_id, step)
                if entry is None:
                    continue
                entries.append(entry)
                history.extend(
                    AttemptView(
                        step=step,
                        at=row["at"],
                        operation=row["operation"],
                        request=row.get("request", ""),
                        status=row["status"],
                        outcome=row["outcome"],
                        answer=row["detail"],
                        request_id=row["request_id"],
                    )
                    for row in outbox.attempts(entry.id)
                )
    package = get_package(connection.package) if connection is not None else None
    lines: tuple[LineView, ...] = ()
    net = vat = None
    if isinstance(record, Invoice | CreditNote | SupplierInvoice | SupplierCreditNote):
        vats: tuple[Decimal | None, ...] = stored.line_vat or tuple(None for _ in record.lines)
        lines = tuple(
            LineView(
                line.description,
                line.quantity,
                line.unit_price,
                line.net,
                line.vat_rate,
                line_vat,
                line.nominal_code,
            )
            for line, line_vat in zip(record.lines, vats, strict=False)
        )
        net = sum((line.net for line in lines), ZERO)
        vat = sum((line.vat or ZERO for line in lines), ZERO) if stored.line_vat else None
    return RecordView(
        status=status,
        title=names.title((kind, source_id)),
        party=Mention(party[0], party[1], names.title(party)) if party else None,
        lines=lines,
        net=net,
        vat=vat,
        amount=amount_of(record, stored.gross),
        settles=tuple(Mention(k, s, names.short((k, s)), amount) for k, s, amount in settles_keys),
        package_label=package.label if package else "",
        deep_link=package.deep_link(kind, status.package_id) if package else "",
        entries=tuple(entries),
        history=tuple(sorted(history, key=lambda attempt: attempt.at)),
    )
