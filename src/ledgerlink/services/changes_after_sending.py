"""Records changed in the job system after they were sent: updated where the package allows it.

Where it does not (a package that keeps sent documents as they are, or one that refuses this change),
the entry says what changed and what a bookkeeper can do: credit it and issue it again (reissue.py), or
leave it as sent. Nothing here is retried on its own; the note stays until a person decides.
"""

from __future__ import annotations

from collections.abc import Callable

from ledgerlink.errors import FeatureUnavailable, NotReadyToSend, Rejected
from ledgerlink.packages.base import Draft, PackageConnector, Refused
from ledgerlink.services.attempts import attempt_row, collected_exchanges
from ledgerlink.services.drafting import DraftRequest, build_draft
from ledgerlink.services.resolver import ConnectionResolver
from ledgerlink.services.sent_summary import describe_changes, sent_summary
from ledgerlink.store import Store, UnitOfWork
from ledgerlink.store.connections import Connection, LinkRepository
from ledgerlink.store.outbox import Entry, OutboxRepository

CHOICES = "credit it and issue it again, or leave it as sent."


class ChangesAfterSending:
    """Updates one connection's changed records in the package, or explains why it cannot."""

    def __init__(self, store: Store, connection: Connection, connector: PackageConnector) -> None:
        self.store = store
        self.connection = connection
        self.connector = connector
        self.updated = 0
        self.calls = 0

    def _outbox(self, uow: UnitOfWork) -> OutboxRepository:
        return OutboxRepository(uow.session, self.connection.id, self.connection.company_id)

    async def run(self, resolver_for: Callable[[UnitOfWork], ConnectionResolver]) -> int:
        """`resolver_for(uow)` drafts each record as the send would; answers how many were updated."""
        for entry, draft, detail in self._drafts(resolver_for):
            if draft is None:
                self._note(entry, detail)
            else:
                await self._update(entry, draft, detail)
        return self.updated

    def _drafts(
        self, resolver_for: Callable[[UnitOfWork], ConnectionResolver]
    ) -> list[tuple[Entry, Draft | None, str]]:
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
            drafts: list[tuple[Entry, Draft | None, str]] = []
            for entry in pending:
                stored = records.find(entry.kind, entry.source_id)
                if stored is None:
                    continue
                try:
                    draft = build_draft(DraftRequest(stored.record, entry.step, entry.key), resolver)
                except NotReadyToSend as problem:
                    drafts.append(
                        (entry, None, f"changed after sending, and cannot be drafted now: {problem}")
                    )
                    continue
                drafts.append((entry, draft, stored.version))
        return drafts

    async def _update(self, entry: Entry, draft: Draft, version: str) -> None:
        changes = describe_changes(entry.sent_summary, sent_summary(draft))
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
            LinkRepository(uow.session, self.connection.id).set_version_sent(
                entry.kind, entry.source_id, version
            )
            uow.commit()
        self.updated += 1

    def _note(self, entry: Entry, text: str) -> None:
        with self.store.unit_of_work() as uow:
            self._outbox(uow).set_each([{"entry_id": entry.id, "changed_after_sending": text}])
            uow.commit()
