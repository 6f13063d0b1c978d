"""Records changed in the job system after they were sent: updated where the package allows it.

Where it does not (a package that keeps sent documents as they are, or one that refuses this change),
the entry says what changed and what a bookkeeper can do: credit it and issue it again (reissue.py), or
leave it as sent. Nothing here is retried on its own; the note stays until a person decides.

An invoice or bill cancelled in the job system after it was sent is voided in the package. Where the
package refuses (money is set against it there), the entry says what to do first, and every send tries
the void again, so once the payment or credit is taken off it goes through.
"""

from __future__ import annotations

from collections.abc import Callable

from ledgerlink.domain.outbox import OutboxEntry
from ledgerlink.domain.records import RecordKind, is_cancelled
from ledgerlink.errors import FeatureUnavailable, NotReadyToSend, Rejected
from ledgerlink.packages.base import PackageConnector
from ledgerlink.packages.drafts import DocumentDraft, DocumentType, Draft, Refused
from ledgerlink.services.sending.attempts import attempt_row, collected_exchanges
from ledgerlink.services.sending.drafting import DraftRequest, build_draft
from ledgerlink.services.sending.resolver import ConnectionResolver
from ledgerlink.services.sending.sent_summary import describe_changes, sent_summary
from ledgerlink.store import Store, UnitOfWork
from ledgerlink.store.connections import Connection
from ledgerlink.store.outbox import OutboxRepository

CHOICES = "credit it and issue it again, or leave it as sent."
CANCELLED = "cancel"  # the change note of a cancelled record whose void the package refused
FIRST = (
    "take the payments and credits off it in the package (or refund them), and the next send voids it; "
    "or leave it as sent"
)
VOIDABLE = {
    RecordKind.INVOICE: DocumentType.SALES_INVOICE,
    RecordKind.SUPPLIER_INVOICE: DocumentType.PURCHASE_INVOICE,
}


class ChangesAfterSending:
    """Updates one connection's changed records in the package, or explains why it cannot."""

    def __init__(self, store: Store, connection: Connection, connector: PackageConnector) -> None:
        self.store = store
        self.connection = connection
        self.connector = connector
        self.updated = 0
        self.calls = 0

    def _outbox(self, uow: UnitOfWork) -> OutboxRepository:
        return uow.outbox(self.connection)

    async def run(self, resolver_for: Callable[[UnitOfWork], ConnectionResolver]) -> int:
        """`resolver_for(uow)` drafts each record as the send would; answers how many were updated."""
        for entry in self._cancelled():
            await self._void(entry)
        for entry, draft, detail in self._drafts(resolver_for):
            if draft is None:
                self._note(entry, detail)
            else:
                await self._update(entry, draft, detail)
        return self.updated

    def _drafts(
        self, resolver_for: Callable[[UnitOfWork], ConnectionResolver]
    ) -> list[tuple[OutboxEntry, Draft | None, str]]:
        """Each pending entry's draft as the record is now, with its version (or why it has none)."""
        with self.store.unit_of_work() as uow:
            pending = [
                entry
                for entry in self._outbox(uow).changed_after_sending()
                if entry.changed_after_sending == "pending"
            ]
            if not pending:
                return []
            resolver = resolver_for(uow)
            records = uow.records(self.connection.company_id)
            drafts: list[tuple[OutboxEntry, Draft | None, str]] = []
            for entry in pending:
                stored = records.find(entry.kind, entry.source_id)
                if stored is None or is_cancelled(stored.record):
                    continue
                try:
                    draft = build_draft(DraftRequest.of(stored, entry.step, entry.key), resolver)
                except NotReadyToSend as problem:
                    drafts.append(
                        (entry, None, f"changed after sending, and cannot be drafted now: {problem}")
                    )
                    continue
                drafts.append((entry, draft, stored.version))
        return drafts

    async def _update(self, entry: OutboxEntry, draft: Draft, version: str) -> None:
        changes = describe_changes(entry.sent_summary, sent_summary(draft))
        if isinstance(draft, DocumentDraft) and draft.opening is not None:
            self._opening_changed(entry, draft, version, changes)
            return
        if draft.document_type not in self.connector.supports_update:
            self._note(
                entry,
                f"changed after sending ({changes}). {self.connection.package.title()} cannot change a sent "
                f"{entry.kind.label}: {CHOICES}",
            )
            return
        refusal = ""
        with collected_exchanges() as exchanges:
            try:
                outcome = await self.connector.update(entry.package_id, draft)
            except (Rejected, FeatureUnavailable) as error:
                refusal = str(error)
            else:
                if isinstance(outcome, Refused):
                    refusal = "; ".join(str(problem) for problem in outcome.problems)
            finally:
                self.calls += len(exchanges)
        if refusal:
            self._note(
                entry,
                f"changed after sending ({changes}); the package refused the change: {refusal}. {CHOICES.capitalize()}",
            )
            return
        with self.store.unit_of_work() as uow:
            outbox = self._outbox(uow)
            outbox.set_each(
                [
                    {
                        "entry_id": entry.id,
                        "record_version": version,
                        "changed_after_sending": "",
                        "sent_summary": sent_summary(draft),
                        "reason": f"updated in the package after a change ({changes})",
                    }
                ]
            )
            outbox.record_attempts([attempt_row(entry, "update", "updated", None, changes)])
            uow.links(self.connection.id).set_version_sent(entry.kind, entry.source_id, version)
            uow.commit()
        self.updated += 1

    def _cancelled(self) -> list[OutboxEntry]:
        """Sent entries whose record the job system has cancelled since (and not yet voided)."""
        with self.store.unit_of_work() as uow:
            waiting = [
                entry
                for entry in self._outbox(uow).changed_after_sending()
                if entry.changed_after_sending == "pending"
                or entry.changed_after_sending.startswith(CANCELLED)
            ]
            records = uow.records(self.connection.company_id)
            found = {(s.kind, s.source_id): s for s in records.load((e.kind, e.source_id) for e in waiting)}
        return [
            entry
            for entry in waiting
            if (stored := found.get((entry.kind, entry.source_id))) is not None
            and is_cancelled(stored.record)
        ]

    async def _void(self, entry: OutboxEntry) -> None:
        """Void the package's copy of a cancelled document, or say what must happen first."""
        document_type = VOIDABLE.get(entry.kind)
        refusal = ""
        with collected_exchanges() as exchanges:
            try:
                if document_type is None:
                    raise FeatureUnavailable(f"a {entry.kind.label} cannot be cancelled")
                await self.connector.void(entry.package_id, document_type, "cancelled in the job system")
            except (Rejected, FeatureUnavailable) as error:
                refusal = str(error)
            finally:
                self.calls += len(exchanges)
        if refusal:
            self._note(
                entry,
                f"{CANCELLED}: cancelled in the job system; the package did not void it: {refusal}. First {FIRST}.",
            )
            return
        with self.store.unit_of_work() as uow:
            stored = uow.records(self.connection.company_id).find(entry.kind, entry.source_id)
            version = stored.version if stored is not None else entry.version
            outbox = self._outbox(uow)
            outbox.set_each(
                [
                    {
                        "entry_id": entry.id,
                        "record_version": version,
                        "changed_after_sending": "",
                        "reason": "cancelled in the job system: voided in the package",
                    }
                ]
            )
            outbox.record_attempts(
                [attempt_row(entry, "void", "voided", None, "cancelled in the job system")]
            )
            uow.links(self.connection.id).set_version_sent(entry.kind, entry.source_id, version)
            uow.commit()
        self.updated += 1

    def _opening_changed(self, entry: OutboxEntry, draft: DocumentDraft, version: str, changes: str) -> None:
        """A document dated before the cut-off that went in as an opening item stands there only for
        what was open at the cut-off: a change that leaves that as it was needs nothing; any other is
        for the bookkeeper to make in the package, never a second opening item."""
        if entry.sent_summary == sent_summary(draft):
            with self.store.unit_of_work() as uow:
                self._outbox(uow).set_each(
                    [{"entry_id": entry.id, "record_version": version, "changed_after_sending": ""}]
                )
                uow.links(self.connection.id).set_version_sent(entry.kind, entry.source_id, version)
                uow.commit()
            return
        self._note(
            entry,
            f"changed after sending ({changes}); it went in as an opening item, which ledgerlink does not "
            "change: change it in the package, or leave it as sent",
        )

    def _note(self, entry: OutboxEntry, text: str) -> None:
        with self.store.unit_of_work() as uow:
            self._outbox(uow).set_each([{"entry_id": entry.id, "changed_after_sending": text}])
            uow.commit()
