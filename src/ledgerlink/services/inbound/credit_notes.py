"""Credit notes set against invoices in the package, and taken off them again.

The jobs side sets a credit note against one invoice (its `invoice_id`), for as much as the invoice
still owes. A credit note allocated in the package, where ledgerlink sent both documents and the jobs
side sets the credit note against nothing yet, is set against that invoice there too, when the jobs
side would then settle the very amount the package did; its allocation is held as sent, with the
package's id, so it never goes back out. Anything else (a document ledgerlink did not send, a credit
note the jobs side sets against another invoice, an amount the jobs side would not settle, a second
invoice) is listed for a person.

An allocation taken off in the package is taken off the jobs side when it came from there (or, made
again against the same invoice before the removal is applied, held under the new one's id); one
ledgerlink sent is listed for a person, since the job system made it. A package that lists removed
allocations of their own says which went; one that only shows which allocations a credit note holds
now says it by leaving one out, and one ledgerlink holds that the credit note no longer lists was
taken off.
"""

from __future__ import annotations

from decimal import Decimal

from ledgerlink.domain.ledger import Ledger
from ledgerlink.domain.outbox import EntryState, Step
from ledgerlink.domain.records import CreditNote, RecordKind, SupplierCreditNote
from ledgerlink.packages.changes import CreditAllocationChange, CreditAllocationsHeld
from ledgerlink.services.inbound.settled import (
    Settled,
    changed_since_sent,
    keep_in_step,
    person,
    record_json,
)
from ledgerlink.services.sending.names import RecordNames
from ledgerlink.store import StoredRecord, UnitOfWork
from ledgerlink.store.connections import Connection

ALLOCATED_THERE = "allocated in the package"
TAKEN_OFF_THERE = "allocation taken off in the package"


def _kinds(purchase: bool) -> tuple[RecordKind, RecordKind]:
    if purchase:
        return RecordKind.SUPPLIER_CREDIT_NOTE, RecordKind.SUPPLIER_INVOICE
    return RecordKind.CREDIT_NOTE, RecordKind.INVOICE


def _target(record: object) -> str:
    if isinstance(record, CreditNote):
        return record.invoice_id
    if isinstance(record, SupplierCreditNote):
        return record.supplier_invoice_id
    return ""


def _with_target(stored: StoredRecord, invoice_id: str) -> CreditNote | SupplierCreditNote:
    record = stored.record
    if isinstance(record, SupplierCreditNote):
        return record.model_copy(update={"supplier_invoice_id": invoice_id})
    assert isinstance(record, CreditNote)
    return record.model_copy(update={"invoice_id": invoice_id})


def _name(uow: UnitOfWork, connection: Connection, kind: RecordKind, source_id: str) -> str:
    """The record as people name it in a sentence ("invoice INV-2 · Jane Smith")."""
    key = (kind, source_id)
    return RecordNames.read(uow, connection.company_id, [key]).short(key)


def _credit_used(
    uow: UnitOfWork, connection: Connection, invoice: StoredRecord, credit: CreditNote | SupplierCreditNote
) -> Decimal:
    """How much of the invoice the jobs side would settle with the credit note set against it."""
    records = uow.records(connection.company_id)
    percents = {rate.code: rate.percent for rate in uow.reference(connection.company_id).vat_rates()}
    others = [
        stored.record
        for stored in records.children({(invoice.kind, invoice.source_id)})
        if (stored.kind, stored.source_id) != (credit.kind, credit.source_id)
    ]
    ledger = Ledger(percent_by_rate=percents).apply_all([invoice.record, *others, credit])
    return ledger.credit_used.get((credit.kind, credit.source_id), Decimal(0))


def credit_allocated(uow: UnitOfWork, connection: Connection, change: CreditAllocationChange) -> Settled:
    links = uow.links(connection.id)
    inbound = uow.inbound(connection)
    credit_kind, invoice_kind = _kinds(change.purchase)
    credit = links.find_by_package_id(credit_kind, change.credit_note_id)
    invoice = links.find_by_package_id(invoice_kind, change.invoice_id)
    if credit is None or invoice is None:
        return person(
            f"a credit note set against an invoice in the package ({change.amount}) where ledgerlink "
            "did not send both"
        )
    held = inbound.allocation(credit_kind, credit.source_id)
    if held is not None and held.package_id == change.package_id:
        return Settled("ours", "the jobs side holds this allocation already", credit_kind, credit.source_id)
    records = uow.records(connection.company_id)
    stored = records.find(credit_kind, credit.source_id)
    invoice_stored = records.find(invoice_kind, invoice.source_id)
    if stored is None or invoice_stored is None:
        return Settled("ignored", "the jobs side no longer holds both documents")
    credit_name = _name(uow, connection, credit_kind, credit.source_id)
    invoice_name = _name(uow, connection, invoice_kind, invoice.source_id)
    target = _target(stored.record)
    if target == invoice.source_id:
        return _again(uow, connection, stored, invoice_stored, change)
    if target:
        return person(
            f"{credit_name} was set against {invoice_name} in the package ({change.amount}); "
            f"the jobs side sets it against {_name(uow, connection, invoice_kind, target)}",
            credit_kind,
            credit.source_id,
        )
    if changed_since_sent(uow, connection, stored):
        return person(
            f"{credit_name} was set against {invoice_name} in the package, and changed in the job "
            "system since it was sent",
            credit_kind,
            credit.source_id,
        )
    allocated = _with_target(stored, invoice.source_id)
    would_settle = _credit_used(uow, connection, invoice_stored, allocated)
    if would_settle != change.amount:
        return person(
            f"{credit_name} was set against {invoice_name} in the package for {change.amount}; set "
            f"against it on the jobs side it would settle {would_settle}",
            credit_kind,
            credit.source_id,
        )
    return _allocated(uow, connection, allocated, invoice.source_id, change)


def _allocated(
    uow: UnitOfWork,
    connection: Connection,
    allocated: CreditNote | SupplierCreditNote,
    invoice_id: str,
    change: CreditAllocationChange,
) -> Settled:
    """The credit note set against the invoice, its allocation held as sent under the package's id."""
    kept = keep_in_step(uow, connection, allocated, ALLOCATED_THERE)
    if isinstance(kept, str):
        return person(kept, allocated.kind, allocated.source_id)
    uow.inbound(connection).arrived_from_package(
        kept.id,
        allocated.kind,
        allocated.source_id,
        kept.version,
        change.package_id,
        step=Step.ALLOCATE,
        reason=ALLOCATED_THERE,
    )
    detail = {"record": record_json(allocated), "invoice": invoice_id, "amount": str(change.amount)}
    return Settled("applied", "", allocated.kind, allocated.source_id, "allocated", detail)


def _again(
    uow: UnitOfWork,
    connection: Connection,
    stored: StoredRecord,
    invoice: StoredRecord,
    change: CreditAllocationChange,
) -> Settled:
    """Another allocation of a credit note the jobs side already sets against this invoice.

    Taken in beside the ones ledgerlink holds when, with them, it makes what the jobs side settles
    (the rest of the credit note set against the invoice in a second go); taken as the one held when
    it alone makes that and the one held was taken in from the package (taken off there and made
    again, the removal not read yet: a package may list it after). Anything else is listed: the two
    sides would disagree on how much the credit note settles.
    """
    kind, source_id = stored.kind, stored.source_id
    inbound = uow.inbound(connection)
    held = inbound.allocation(kind, source_id)
    if held is None:
        return Settled("ours", "the jobs side sets it against that invoice already", kind, source_id)
    credit_name = _name(uow, connection, kind, source_id)
    invoice_name = _name(uow, connection, invoice.kind, invoice.source_id)
    if held.state in (EntryState.PROCESSING, EntryState.UNCERTAIN):
        return Settled("waiting")  # ledgerlink's own may be in the package before its link is kept
    if held.state is not EntryState.SENT:
        return person(
            f"{credit_name} was set against {invoice_name} in the package ({change.amount}) while "
            "ledgerlink had its own allocation of it still to send",
            kind,
            source_id,
        )
    if changed_since_sent(uow, connection, stored):
        return person(
            f"{credit_name} was set against {invoice_name} in the package again, and changed in the job "
            "system since it was sent",
            kind,
            source_id,
        )
    credit = stored.record
    assert isinstance(credit, CreditNote | SupplierCreditNote)
    settles = _credit_used(uow, connection, invoice, credit)
    there = {
        package_id: Decimal(found.content["amount"])
        for package_id, found in inbound.allocations_held_there(change.credit_note_id).items()
        if found.content.get("invoice_id") == change.invoice_id and package_id != change.package_id
    }
    if held.package_id in there and sum(there.values()) + change.amount == settles:
        detail = {
            "record": record_json(credit),
            "invoice": invoice.source_id,
            "amount": str(change.amount),
        }
        return Settled("applied", "", kind, source_id, "allocated", detail)
    if inbound.last_applied("credit_allocation", held.package_id) is not None and change.amount == settles:
        return _allocated(uow, connection, credit, invoice.source_id, change)
    if held.package_id in there:
        held_words = f"ledgerlink holds {sum(there.values())} of it there already"
    else:
        held_words = "ledgerlink does not know how much of it its own allocation there holds"
    return person(
        f"{credit_name} was set against {invoice_name} in the package again, for {change.amount}: "
        f"{held_words}, and the jobs side settles {settles} with it",
        kind,
        source_id,
    )


def allocation_removed(uow: UnitOfWork, connection: Connection, allocation_id: str) -> Settled:
    inbound = uow.inbound(connection)
    held = inbound.allocation_by_package_id(allocation_id)
    if held is None:
        return _part_removed(uow, connection, allocation_id)
    kind = held.record_kind
    stored = uow.records(connection.company_id).find(kind, held.source_id)
    if stored is None:
        return Settled("ignored", "the jobs side no longer holds the credit note")
    invoice_kind = (
        RecordKind.SUPPLIER_INVOICE if kind is RecordKind.SUPPLIER_CREDIT_NOTE else RecordKind.INVOICE
    )
    target = _target(stored.record)
    credit_name = _name(uow, connection, kind, held.source_id)
    invoice_name = _name(uow, connection, invoice_kind, target) if target else "its invoice"
    if inbound.last_applied("credit_allocation", allocation_id) is None:
        return person(
            f"{credit_name} was set against {invoice_name} by ledgerlink, and taken off it in the "
            "package: the job system still sets it against that invoice",
            kind,
            held.source_id,
        )
    credit_link = uow.links(connection.id).find(kind, held.source_id)
    rest = inbound.allocations_held_there(credit_link.package_id) if credit_link is not None else {}
    if any(package_id != allocation_id for package_id in rest):
        return person(
            f"part of {credit_name} was taken off {invoice_name} in the package, and the rest is still "
            "set against it there: the jobs side sets all of it against that invoice",
            kind,
            held.source_id,
        )
    if changed_since_sent(uow, connection, stored):
        return person(
            f"{credit_name} was taken off {invoice_name} in the package, and changed in the job system "
            "since it was sent",
            kind,
            held.source_id,
        )
    kept = keep_in_step(uow, connection, _with_target(stored, ""), TAKEN_OFF_THERE)
    if isinstance(kept, str):
        return person(kept, kind, held.source_id)
    inbound.drop_allocation(kind, held.source_id)
    detail = {"record": record_json(kept.record), "invoice": target}
    return Settled("applied", "", kind, held.source_id, "unallocated", detail)


def _part_removed(uow: UnitOfWork, connection: Connection, allocation_id: str) -> Settled:
    """An allocation taken in beside the one ledgerlink holds, taken off: the jobs side sets the whole
    credit note against the invoice and cannot set less, so a person settles it."""
    inbound = uow.inbound(connection)
    taken_in = inbound.last_applied("credit_allocation", allocation_id)
    if taken_in is None or taken_in.content.get("type") != "credit_allocation":
        return Settled("ignored", "an allocation ledgerlink never held")
    kind = RecordKind(taken_in.record_kind)
    held = inbound.allocation(kind, taken_in.source_id)
    there = inbound.allocations_held_there(taken_in.content["credit_note_id"])
    held_change = there.get(held.package_id) if held is not None else None
    if held_change is not None and held_change.id > taken_in.id:
        # made again after it, and held in its place: the jobs side stands as the package does
        return Settled("ignored", "an allocation the jobs side holds under the one made again after it")
    invoice_kind = (
        RecordKind.SUPPLIER_INVOICE if kind is RecordKind.SUPPLIER_CREDIT_NOTE else RecordKind.INVOICE
    )
    invoice = uow.links(connection.id).find_by_package_id(invoice_kind, taken_in.content["invoice_id"])
    credit_name = _name(uow, connection, kind, taken_in.source_id)
    invoice_name = _name(uow, connection, invoice_kind, invoice.source_id) if invoice else "its invoice"
    return person(
        f"part of {credit_name} ({taken_in.content['amount']}) was taken off {invoice_name} in the "
        "package: the jobs side still sets all of it against that invoice",
        kind,
        taken_in.source_id,
    )


def allocations_held(uow: UnitOfWork, connection: Connection, change: CreditAllocationsHeld) -> Settled:
    """A credit note listing the allocations it holds now: one ledgerlink holds and it does not list
    was taken off."""
    credit_kind, _ = _kinds(change.purchase)
    credit = uow.links(connection.id).find_by_package_id(credit_kind, change.package_id)
    if credit is None:
        return Settled("ignored", "a credit note ledgerlink did not send")
    held = uow.inbound(connection).allocation(credit_kind, credit.source_id)
    if held is None or held.state is not EntryState.SENT or not held.package_id:
        return Settled("ignored", "no allocation of it is in the package", credit_kind, credit.source_id)
    if held.package_id in change.allocation_ids:
        gone = sorted(
            set(uow.inbound(connection).allocations_held_there(change.package_id))
            - set(change.allocation_ids)
        )
        if gone:
            return _part_removed(uow, connection, gone[0])
        return Settled(
            "ignored", "its allocation is as the jobs side holds it", credit_kind, credit.source_id
        )
    return allocation_removed(uow, connection, held.package_id)
