"""Credit and re-issue: what a bookkeeper does when a sent invoice changed and the package keeps it as sent.

Packages commonly refuse to edit a paid invoice, and some change none once sent. The bookkeeper's
answer is to cancel the old one with a credit note for what was sent, and issue the invoice again as it
is now. A person chooses it for one record (`choose`); the next send carries it out in four steps, each
recorded on the entry before the next begins, so a crash or a lost reply at any moment repeats no step:

1. a credit note for exactly the lines that were sent (same accounts and tax rates), numbered `<n>-CR`;
2. the credit set against what is still due on the old invoice (payments already on it stay there);
3. the invoice as it is now, numbered `<n>-R` (`<n>-R2` the second time: the package holds one invoice
   per number);
4. what is left of the credit set against the new invoice; the link then names the new invoice, so
   payments sent later settle it.

Each step travels under a key made from the entry's own, and is marked on its way, committed, before its
request leaves. A step found on its way by a later send (the one before stopped between the package's
answer and recording it: a crash, a lost reply) is looked up by its natural key first (a document by its
number and contact, an allocation by its two documents and amount) and sent again only if absent. A
look-up, not a replay under the key: the package may keep keys a shorter time than a re-issue can take,
may ignore them, and the credit note is dated the day it goes, so its body on a later day is not the one
the key first went with.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from ledgerlink.domain.money import ZERO
from ledgerlink.domain.outbox import EntryState, OutboxEntry, Step
from ledgerlink.domain.records import (
    CreditNote,
    CustomerPayment,
    RecordKind,
    SupplierCreditNote,
    SupplierPayment,
)
from ledgerlink.errors import LedgerlinkError, NotReadyToSend, RecordNotFound, UncertainOutcome
from ledgerlink.packages.base import PackageConnector
from ledgerlink.packages.drafts import (
    Created,
    CreditAllocationDraft,
    DocumentDraft,
    DocumentType,
    Draft,
    LineDraft,
)
from ledgerlink.services.sending.changes import CANCELLED
from ledgerlink.services.sending.drafting import DraftRequest, build_draft
from ledgerlink.services.sending.resolver import ConnectionResolver
from ledgerlink.services.sending.sent_summary import sent_summary
from ledgerlink.store import Store, UnitOfWork
from ledgerlink.store.connections import Connection
from ledgerlink.store.outbox import OutboxRepository

CHOSEN = "reissue"  # the entry's change note once a person chose to credit and re-issue
_NAMESPACE = uuid.UUID("0f6f2a5e-7c1d-4b9e-9a43-52d1c1d7a0b4")

REISSUABLE = {
    RecordKind.INVOICE: DocumentType.SALES_CREDIT_NOTE,
    RecordKind.SUPPLIER_INVOICE: DocumentType.PURCHASE_CREDIT_NOTE,
}


class CannotReissue(LedgerlinkError):
    """Credit and re-issue is not possible for this record; the message says why."""


def choose(store: Store, connection: Connection, kind: RecordKind, source_id: str) -> OutboxEntry:
    """A person's choice for a sent invoice that changed: credit it and issue it again on the next send."""
    with store.unit_of_work() as uow:
        outbox = uow.outbox(connection)
        entry = outbox.find(kind, source_id)
        if entry is None or not entry.changed_after_sending:
            raise RecordNotFound(f"{kind.label} {source_id} has no change waiting for a decision")
        if kind not in REISSUABLE:
            raise CannotReissue(f"only invoices can be credited and issued again, not a {kind.label}")
        if entry.changed_after_sending.startswith(CHOSEN):
            return entry
        if entry.changed_after_sending.startswith(CANCELLED):
            raise CannotReissue(
                f"{entry.label} was cancelled in the job system: it is voided, not issued again"
            )
        if entry.changed_after_sending == "pending":
            raise CannotReissue(f"{entry.label} is still being compared with what was sent: send first")
        if "sent_lines" not in json.loads(entry.sent_summary or "{}"):
            raise CannotReissue(
                f"{entry.label} was sent before ledgerlink kept the lines it sent, so no credit note can "
                "mirror it: credit it in the package by hand, then leave the change"
            )
        outbox.set_each([{"entry_id": entry.id, "changed_after_sending": CHOSEN}])
        uow.commit()
        found = outbox.find(kind, source_id)
    assert found is not None
    return found


@dataclass
class _Progress:
    """Where one re-issue stands, kept in the entry's change note between steps."""

    credit_id: str = ""
    credit_left: Decimal | None = None  # what of the credit is not yet set against an invoice
    new_id: str = ""
    new_version: str = ""
    new_summary: str = ""
    sending: str = ""  # the step on its way: its outcome is unknown until it is recorded

    @classmethod
    def read(cls, note: str) -> _Progress:
        _, _, data = note.partition(":")
        values: dict[str, Any] = json.loads(data) if data else {}
        left = values.pop("credit_left", None)
        return cls(credit_left=Decimal(left) if left is not None else None, **values)

    def note(self) -> str:
        values: dict[str, Any] = {
            "credit_id": self.credit_id,
            "new_id": self.new_id,
            "new_version": self.new_version,
            "new_summary": self.new_summary,
        }
        if self.credit_left is not None:
            values["credit_left"] = str(self.credit_left)
        if self.sending:
            values["sending"] = self.sending
        return f"{CHOSEN}:{json.dumps(values, sort_keys=True)}"


class Reissuer:
    """Carries out every chosen credit and re-issue of one connection, a step at a time."""

    def __init__(
        self,
        store: Store,
        connection: Connection,
        connector: PackageConnector,
        today: date | None = None,
    ) -> None:
        self.store = store
        self.connection = connection
        self.connector = connector
        self.today = today or datetime.now(UTC).date()
        self.done = 0
        self.calls = 0

    def _outbox(self, uow: UnitOfWork) -> OutboxRepository:
        return uow.outbox(self.connection)

    def chosen(self) -> list[OutboxEntry]:
        with self.store.unit_of_work() as uow:
            return [
                e
                for e in self._outbox(uow).changed_after_sending()
                if e.changed_after_sending.startswith(CHOSEN)
            ]

    async def run(self, resolver_for: Callable[[UnitOfWork], ConnectionResolver]) -> int:
        """`resolver_for(uow)` drafts the new invoice as the send would; answers how many were finished.

        A step the package refuses leaves the entry saying why (still chosen, so the next send tries
        again once the cause is fixed); an uncertain one is looked up on the next send.
        """
        for entry in self.chosen():
            try:
                await self._reissue(entry, resolver_for)
            except UncertainOutcome:
                continue
            except CannotReissue as problem:
                with self.store.unit_of_work() as uow:
                    self._outbox(uow).set_each([{"entry_id": entry.id, "reason": str(problem)}])
                    uow.commit()
        return self.done

    async def _reissue(
        self, entry: OutboxEntry, resolver_for: Callable[[UnitOfWork], ConnectionResolver]
    ) -> None:
        progress = _Progress.read(entry.changed_after_sending)
        summary = json.loads(entry.sent_summary)
        credit = self._credit_draft(entry, summary)
        if not progress.credit_id:
            progress.credit_id = await self._once(entry, progress, "credit", credit)
            progress.credit_left = credit.gross
            self._save(entry, progress, f"credited by {credit.number}")
        due = self._still_due(entry, Decimal(summary["gross"]))
        if progress.credit_left == credit.gross and due > ZERO and not progress.new_id:
            amount = min(due, credit.gross)
            allocation = self._allocation(entry, credit, progress.credit_id, entry.package_id, amount, "old")
            await self._once(entry, progress, "allocate:old", allocation)
            progress.credit_left = credit.gross - amount
            self._save(entry, progress, f"credited by {credit.number}, set against the invoice as sent")
        if not progress.new_id:
            new = self._new_draft(entry, summary["number"], resolver_for)
            found = await self._found_on_its_way(progress, "reissue", new)
            if found is None:  # what goes is kept with its mark, so one found later is known as sent
                progress.new_summary = sent_summary(new)
                progress.new_version = self._current_version(entry)
            progress.new_id = found or await self._send(entry, progress, "reissue", new)
            self._save(entry, progress, f"credited by {credit.number} and issued again as {new.number}")
        if progress.credit_left and progress.credit_left > ZERO:
            new_gross = Decimal(json.loads(progress.new_summary)["gross"])
            amount = min(progress.credit_left, new_gross)
            if amount > ZERO:
                allocation = self._allocation(
                    entry, credit, progress.credit_id, progress.new_id, amount, "new"
                )
                await self._once(entry, progress, "allocate:new", allocation)
            progress.credit_left = ZERO
            self._save(entry, progress, "the rest of the credit set against the invoice issued again")
        self._finish(entry, progress, credit.number)

    # --- the drafts -------------------------------------------------------------------------------

    def _key(self, entry: OutboxEntry, step: str) -> str:
        """One key per step of one credit and re-issue: the invoice being credited (the entry's package
        id until the re-issue ends) tells a second one apart from the first, whose credit the package
        would otherwise answer from its memory of that key instead of making a new one."""
        return uuid.uuid5(_NAMESPACE, f"{entry.key}:{entry.package_id}:{step}").hex

    def _credit_draft(self, entry: OutboxEntry, summary: dict[str, Any]) -> DocumentDraft:
        lines = tuple(
            LineDraft(
                description=f"Cancels {summary['number']}: {line['description']}"[:200],
                quantity=Decimal(line["quantity"]),
                unit_price=Decimal(line["unit_price"]),
                net=Decimal(line["net"]),
                vat=Decimal(line["vat"]),
                account_id=line["account_id"],
                account_code=line["account_code"],
                tax_rate_id=line["tax_rate_id"],
            )
            for line in summary["sent_lines"]
        )
        net = sum((line.net for line in lines), ZERO)
        vat = sum((line.vat for line in lines), ZERO)
        sent_date = date.fromisoformat(summary["date"])
        return DocumentDraft(
            key=self._key(entry, "credit"),
            source_id=f"{entry.source_id}-CR",
            document_type=REISSUABLE[entry.kind],
            contact_id=summary["contact"],
            number=f"{summary['number']}-CR",
            date=max(self.today, sent_date),
            lines=lines,
            net=net,
            vat=vat,
            gross=net + vat,
            credits_document_id=entry.package_id,
            credits_document_number=summary["number"],
            credits_document_date=sent_date,
        )

    def _new_draft(
        self,
        entry: OutboxEntry,
        sent_number: str,
        resolver_for: Callable[[UnitOfWork], ConnectionResolver],
    ) -> DocumentDraft:
        with self.store.unit_of_work() as uow:
            stored = uow.records(self.connection.company_id).find(entry.kind, entry.source_id)
            if stored is None:
                raise CannotReissue(f"{entry.label} is no longer on the jobs side")
            try:
                draft = build_draft(
                    DraftRequest.of(stored, Step.CREATE, self._key(entry, f"reissue:{stored.version}")),
                    resolver_for(uow),
                )
            except NotReadyToSend as problem:
                raise CannotReissue(f"{entry.label} cannot be issued again yet: {problem}") from problem
        assert isinstance(draft, DocumentDraft)
        return replace(draft, number=reissued_number(draft.number, sent_number))

    def _current_version(self, entry: OutboxEntry) -> str:
        with self.store.unit_of_work() as uow:
            stored = uow.records(self.connection.company_id).find(entry.kind, entry.source_id)
        return stored.version if stored else ""

    def _still_due(self, entry: OutboxEntry, gross: Decimal) -> Decimal:
        """What the old invoice still owes in the package: its gross less what sent records set against it."""
        settled = ZERO
        with self.store.unit_of_work() as uow:
            outbox = self._outbox(uow)
            children = uow.records(self.connection.company_id).children([(entry.kind, entry.source_id)])
            for child in children:
                record = child.record
                if isinstance(record, CustomerPayment | SupplierPayment):
                    paid = outbox.find(record.kind, record.source_id)
                    if paid is not None and paid.state is EntryState.SENT:
                        settled += sum(
                            (a.amount for a in record.allocations if a.document_id == entry.source_id), ZERO
                        )
                elif isinstance(record, CreditNote | SupplierCreditNote):
                    allocated = outbox.find(record.kind, record.source_id, Step.ALLOCATE)
                    if allocated is not None and allocated.state is EntryState.SENT:
                        settled += child.gross or ZERO
        return max(gross - settled, ZERO)

    # --- the calls --------------------------------------------------------------------------------

    async def _create(self, draft: Draft) -> str:
        try:
            [outcome] = await self.connector.create([draft])
        except UncertainOutcome:
            found = await self.connector.find(draft)
            if found is None:
                raise
            return found
        finally:
            self.calls += 1
        if not isinstance(outcome, Created):
            problems = "; ".join(str(problem) for problem in outcome.problems)
            raise CannotReissue(f"the package refused {getattr(draft, 'number', 'it')}: {problems}")
        return outcome.package_id

    def _allocation(
        self,
        entry: OutboxEntry,
        credit: DocumentDraft,
        credit_id: str,
        invoice_id: str,
        amount: Decimal,
        which: str,
    ) -> CreditAllocationDraft:
        return CreditAllocationDraft(
            key=self._key(entry, f"allocate:{which}"),
            source_id=credit.source_id,
            contact_id=credit.contact_id,
            credit_note_id=credit_id,
            invoice_id=invoice_id,
            amount=amount,
            date=credit.date,
            purchase=credit.document_type is DocumentType.PURCHASE_CREDIT_NOTE,
        )

    async def _once(self, entry: OutboxEntry, progress: _Progress, step: str, draft: Draft) -> str:
        """The package's id for one step, whether this send makes it or an earlier one did."""
        found = await self._found_on_its_way(progress, step, draft)
        return found or await self._send(entry, progress, step, draft)

    async def _found_on_its_way(self, progress: _Progress, step: str, draft: Draft) -> str | None:
        """A step an earlier send left on its way may be in the package: found there, it is not sent."""
        if progress.sending != step:
            return None
        try:
            return await self.connector.find(draft)
        finally:
            self.calls += 1

    async def _send(self, entry: OutboxEntry, progress: _Progress, step: str, draft: Draft) -> str:
        """Marked on its way, committed, before the request leaves; the mark goes with its outcome."""
        progress.sending = step
        self._mark(entry, progress)
        package_id = await self._create(draft)
        progress.sending = ""
        return package_id

    # --- what is kept -----------------------------------------------------------------------------

    def _save(self, entry: OutboxEntry, progress: _Progress, reason: str) -> None:
        with self.store.unit_of_work() as uow:
            self._outbox(uow).set_each(
                [{"entry_id": entry.id, "changed_after_sending": progress.note(), "reason": reason}]
            )
            uow.commit()

    def _mark(self, entry: OutboxEntry, progress: _Progress) -> None:
        with self.store.unit_of_work() as uow:
            self._outbox(uow).set_each([{"entry_id": entry.id, "changed_after_sending": progress.note()}])
            uow.commit()

    def _finish(self, entry: OutboxEntry, progress: _Progress, credit_number: str) -> None:
        new_number = json.loads(progress.new_summary)["number"]
        with self.store.unit_of_work() as uow:
            links = uow.links(self.connection.id)
            links.relink(entry.kind, entry.source_id, progress.new_id, version=progress.new_version)
            self._outbox(uow).set_each(
                [
                    {
                        "entry_id": entry.id,
                        "package_id": progress.new_id,
                        "record_version": progress.new_version,
                        "sent_summary": progress.new_summary,
                        "changed_after_sending": "",
                        "reason": f"changed after sending: credited by {credit_number} and issued again as {new_number}",
                    }
                ]
            )
            uow.commit()
        self.done += 1


def reissued_number(number: str, sent_number: str) -> str:
    """The number of an invoice issued again: `<n>-R` the first time, `<n>-R2`, `<n>-R3`... after, since
    the package holds one invoice per number and those issued before stay there, credited."""
    again = f"{number}-R"
    if sent_number == again:
        return f"{again}2"
    times = sent_number.removeprefix(again)
    if sent_number.startswith(again) and times.isdigit():
        return f"{again}{int(times) + 1}"
    return again
