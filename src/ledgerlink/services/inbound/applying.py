"""Applying what was read: each change in a transaction of its own, settled as it is applied.

A payment made in the package against documents ledgerlink sent becomes a jobs-side payment with those
allocations, linked to the package's payment and held in the outbox as sent (it came from there, so it
never goes back). One ledgerlink sent itself is recognised by its link, or by its reference on the
documents it settles, and left alone. A payment deleted there is taken off the jobs side if it came
from there, and listed for a person if the job system made it. Credit notes set against invoices there
(and taken off them) are in credit_notes.py, documents voided there in voids.py. Whatever cannot be
applied without guessing (a payment against a document ledgerlink does not know, a customer it does not
know, a bank account no payment method maps to, a document whose figures changed) is listed for a
person with the reason.

Each settled change leaves one event for the job system. A change is applied once: the next one of the
same payment is compared with the last applied, and a settled change is never pending again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import (
    Allocation,
    CustomerPayment,
    Record,
    RecordKind,
    SupplierPayment,
)
from ledgerlink.errors import ConcurrentWrite
from ledgerlink.packages.changes import (
    ChangeKind,
    CreditAllocationChange,
    CreditAllocationsHeld,
    PaymentChange,
    Removal,
)
from ledgerlink.packages.drafts import DocumentType
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.inbound.changes import from_json, to_json
from ledgerlink.services.inbound.credit_notes import allocation_removed, allocations_held, credit_allocated
from ledgerlink.services.inbound.settled import (
    DOCUMENT_KINDS,
    Settled,
    changed_since_sent,
    person,
    record_json,
)
from ledgerlink.services.inbound.voids import document_changed
from ledgerlink.services.sending.names import RecordNames
from ledgerlink.store import Store, UnitOfWork
from ledgerlink.store.connections import Connection
from ledgerlink.store.inbound import StoredChange

PAYMENT_KINDS = (RecordKind.CUSTOMER_PAYMENT, RecordKind.SUPPLIER_PAYMENT)


@dataclass
class ApplyReport:
    counts: dict[str, int] = field(default_factory=dict)

    def add(self, state: str) -> None:
        self.counts[state] = self.counts.get(state, 0) + 1


def package_source_id(connection: Connection, package_id: str) -> str:
    """The jobs-side id of a record that came from the package: its package and the package's id."""
    return f"{connection.package}-{package_id}"[:100]


def apply_changes(store: Store, connection: Connection, *, limit: int = 500) -> ApplyReport:
    """Apply every pending change, oldest first, each in its own transaction."""
    report = ApplyReport()
    with store.unit_of_work() as uow:
        found = uow.inbound(connection).pending(limit)
    found.sort(key=_turn)
    pending = [change.id for change in found]
    for change_id in pending:
        try:
            state = _apply_one(store, connection, change_id)
        except ConcurrentWrite:
            state = "raced"  # another applier settled it first; nothing of this try was kept
        report.add(state)
    return report


def _turn(change: StoredChange) -> bool:
    """Documents last, the rest in the order read: a package voids nothing with money set against it,
    and lists what it deleted apart from what it holds, so a payment taken off an invoice before its
    void may be read after the void; it must be gone from the jobs side before the void is applied."""
    return change.change_kind == ChangeKind.DOCUMENT.value


def _apply_one(store: Store, connection: Connection, change_id: int) -> str:
    with store.unit_of_work() as uow:
        inbound = uow.inbound(connection)
        stored = inbound.pending_one(change_id)
        if stored is None:
            return "raced"
        settled = _settle(uow, connection, stored)
        if settled.state == "waiting":
            return "waiting"  # left pending: the outbox may still link it to a record of its own
        kind = settled.record_kind.value if settled.record_kind else ""
        inbound.settle(
            stored.id, settled.state, reason=settled.reason, record_kind=kind, source_id=settled.source_id
        )
        if settled.what:
            detail = {
                **settled.detail,
                "change": stored.content,
                "package_id": stored.package_id,
                "state": settled.state,
                "reason": settled.reason,
            }
            inbound.add_event(stored.id, kind, settled.source_id, settled.what, detail)
        uow.commit()
    return settled.state


def _settle(uow: UnitOfWork, connection: Connection, stored: StoredChange) -> Settled:
    change = from_json(stored.content)
    if isinstance(change, PaymentChange):
        return _payment(uow, connection, stored, change)
    if isinstance(change, CreditAllocationChange):
        return credit_allocated(uow, connection, change)
    if isinstance(change, CreditAllocationsHeld):
        return allocations_held(uow, connection, change)
    if isinstance(change, Removal) and change.removed is ChangeKind.PAYMENT:
        return _payment_removed(uow, connection, change)
    if isinstance(change, Removal) and change.removed is ChangeKind.CREDIT_ALLOCATION:
        return allocation_removed(uow, connection, change.package_id)
    return document_changed(uow, connection, change)


# --- payments ---------------------------------------------------------------------------------------


def _payment(uow: UnitOfWork, connection: Connection, stored: StoredChange, change: PaymentChange) -> Settled:
    supplier = change.document_type is DocumentType.SUPPLIER_PAYMENT
    kind = RecordKind.SUPPLIER_PAYMENT if supplier else RecordKind.CUSTOMER_PAYMENT
    links = uow.links(connection.id)
    link = links.find_by_package_id(kind, change.package_id)
    if link is not None and link.how != "from_package":
        return _ours_or_changed(uow, connection, kind, link.source_id, change)
    if link is None and _sending_may_link(uow, connection, kind):
        return Settled("waiting")
    party_kind = RecordKind.SUPPLIER if kind is RecordKind.SUPPLIER_PAYMENT else RecordKind.CUSTOMER
    party = links.find_by_package_id(party_kind, change.contact_id)
    if party is None:
        return person(f"the package's contact {change.contact_id} is linked to no {party_kind.label}")
    allocations: list[Allocation] = []
    for line in change.allocations:
        target_kind = DOCUMENT_KINDS.get(line.document_type)
        target = links.find_by_package_id(target_kind, line.document_id) if target_kind else None
        if target is None or target_kind is None:
            return person(
                f"paid against the package's {line.document_type.value.replace('_', ' ')} {line.document_id}, "
                "which ledgerlink did not send"
            )
        allocations.append(Allocation(document_id=target.source_id, amount=line.amount))
    if link is None:
        ours = _ours_by_reference(uow, connection, kind, change, allocations)
        if ours is not None:
            return Settled("ours", f"sent by ledgerlink as {kind.label} {ours}", kind, ours)
    method = _method_for(uow, connection, change.bank_account_id)
    if method is None:
        return person(f"no payment method maps to the package's bank account {change.bank_account_id}")
    source_id = link.source_id if link is not None else package_source_id(connection, change.package_id)
    record: Record
    common: dict[str, Any] = {
        "source_id": source_id,
        "date": change.date,
        "amount": change.amount,
        "method": method,
        "reference": change.reference,
        "allocations": tuple(allocations),
    }
    if kind is RecordKind.CUSTOMER_PAYMENT:
        record = CustomerPayment(
            customer_id=party.source_id,
            is_refund=change.document_type is DocumentType.CUSTOMER_REFUND,
            **common,
        )
    else:
        record = SupplierPayment(supplier_id=party.source_id, **common)
    outcome = ingest(uow, connection.company_id, [record]).outcomes[0]
    if outcome.result == "rejected":
        problems = "; ".join(str(finding) for finding in outcome.findings)
        return person(f"the jobs side refuses it: {problems}", kind, source_id)
    stored_record = uow.records(connection.company_id).get(kind, source_id)
    if link is None:
        links.add(kind, source_id, change.package_id, how="from_package", version_sent=stored_record.version)
    else:
        links.set_version_sent(kind, source_id, stored_record.version)
    uow.inbound(connection).arrived_from_package(
        stored_record.id, kind, source_id, stored_record.version, change.package_id
    )
    what = "created" if link is None else "updated"
    return Settled("applied", "", kind, source_id, what, {"record": record_json(record)})


def _ours_or_changed(
    uow: UnitOfWork, connection: Connection, kind: RecordKind, source_id: str, change: PaymentChange
) -> Settled:
    """A payment ledgerlink sent, read back: its own, unless a person changed what it settles in the
    package. The job system made it, so a change there is listed for a person, never applied over it;
    one the job system changed since sending is its own until the change goes out."""
    stored = uow.records(connection.company_id).find(kind, source_id)
    ours = Settled("ours", f"sent by ledgerlink as {kind.label} {source_id}", kind, source_id)
    if stored is None or changed_since_sent(uow, connection, stored):
        return ours
    record = stored.record
    assert isinstance(record, CustomerPayment | SupplierPayment)
    links = uow.links(connection.id)
    if isinstance(record, CustomerPayment):
        target_kind = RecordKind.CREDIT_NOTE if record.is_refund else RecordKind.INVOICE
    else:
        target_kind = RecordKind.SUPPLIER_CREDIT_NOTE if record.is_refund else RecordKind.SUPPLIER_INVOICE
    sent: dict[str, Decimal] = {}
    for allocation in record.allocations:
        target = links.find(target_kind, allocation.document_id)
        key = target.package_id if target is not None else f"unsent {allocation.document_id}"
        sent[key] = sent.get(key, Decimal(0)) + allocation.amount
    there: dict[str, Decimal] = {}
    for line in change.allocations:
        there[line.document_id] = there.get(line.document_id, Decimal(0)) + line.amount
    # a package that keeps a payment's documents apart holds it in parts: each part settles some of them
    whole = change.amount == record.amount
    same = there == sent if whole else all(sent.get(doc) == amount for doc, amount in there.items())
    if same:
        return ours
    name = RecordNames.read(uow, connection.company_id, [(kind, source_id)]).short((kind, source_id))
    return person(
        f"{name}, sent by ledgerlink, was changed in the package: there it settles "
        f"{_settles(uow, connection, change)}, and the job system still holds what it sent",
        kind,
        source_id,
    )


def _settles(uow: UnitOfWork, connection: Connection, change: PaymentChange) -> str:
    """What a payment settles in the package, in words: the jobs side's documents named as people
    name them, the others by the package's id."""
    links = uow.links(connection.id)
    names = []
    for line in change.allocations:
        target_kind = DOCUMENT_KINDS.get(line.document_type)
        target = links.find_by_package_id(target_kind, line.document_id) if target_kind else None
        if target_kind is not None and target is not None:
            key = (target_kind, target.source_id)
            named = RecordNames.read(uow, connection.company_id, [key]).short(key)
        else:
            named = f"the package's {line.document_type.value.replace('_', ' ')} {line.document_id}"
        names.append(f"{line.amount} of {named}")
    return ", ".join(names) or f"nothing ({change.amount} on account)"


def _sending_may_link(uow: UnitOfWork, connection: Connection, kind: RecordKind) -> bool:
    """Whether a payment of this kind may have reached the package without its link stored yet."""
    counts = uow.outbox(connection).counts_by_kind()
    return any(counts.get((kind, state), 0) for state in (EntryState.PROCESSING, EntryState.UNCERTAIN))


def _ours_by_reference(
    uow: UnitOfWork,
    connection: Connection,
    kind: RecordKind,
    change: PaymentChange,
    allocations: list[Allocation],
) -> str | None:
    """A payment ledgerlink sent in parts (one per document where the package keeps them apart) is linked
    by its first part only: the others are known by the reference ledgerlink gave them, on the same
    documents, from a payment it sent."""
    if not change.reference:
        return None
    target_kind = DOCUMENT_KINDS[change.allocations[0].document_type] if change.allocations else None
    if target_kind is None:
        return None
    links = uow.links(connection.id)
    settling = uow.records(connection.company_id).children(
        {(target_kind, allocation.document_id) for allocation in allocations}
    )
    for candidate in settling:
        record = candidate.record
        if candidate.kind is not kind or not isinstance(record, CustomerPayment | SupplierPayment):
            continue
        link = links.find(kind, record.source_id)
        if link is None or link.how == "from_package":
            continue
        if change.reference in (record.reference, record.source_id):
            return record.source_id
    return None


def _method_for(uow: UnitOfWork, connection: Connection, bank_account_id: str) -> str | None:
    methods = sorted(
        code
        for (mapping_kind, code), package_id in uow.mappings(connection.id).as_dict().items()
        if mapping_kind == "payment_method" and package_id == bank_account_id
    )
    return methods[0] if methods else None


def _payment_removed(uow: UnitOfWork, connection: Connection, change: Removal) -> Settled:
    links = uow.links(connection.id)
    for kind in PAYMENT_KINDS:
        link = links.find_by_package_id(kind, change.package_id)
        if link is None:
            continue
        if link.how != "from_package":
            return person(
                f"{kind.label} {link.source_id}, sent by ledgerlink, was deleted in the package: "
                "the job system still holds it",
                kind,
                link.source_id,
            )
        removed = uow.inbound(connection).remove_from_package_record(kind, link.source_id)
        detail = {"record": record_json(removed)} if removed is not None else {}
        return Settled("applied", "", kind, link.source_id, "deleted", detail)
    return Settled("ignored", "a payment ledgerlink never held")


__all__ = ["ApplyReport", "apply_changes", "package_source_id", "to_json"]
