"""Names for the records a page or a message speaks of, read together: each record and its party.

A page of failures names a hundred records; their customers and suppliers are read in one go rather
than one by one. A reason that speaks of another record by its id ("invoice inv-000009 is not sent
yet") names that record as people know it instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from ledgerlink.domain.naming import record_short, record_title
from ledgerlink.domain.records import Customer, RecordKind, Supplier, party_of
from ledgerlink.store import Store, UnitOfWork
from ledgerlink.store.records import StoredRecord

Key = tuple[RecordKind, str]


class RecordNames:
    """Titles and short names of the records asked for (and of the records their reasons mention)."""

    def __init__(self, stored: Iterable[StoredRecord], parties: dict[Key, str]) -> None:
        self._stored = {(s.kind, s.source_id): s for s in stored}
        self._parties = parties

    @classmethod
    def read(cls, uow: UnitOfWork, company_id: int, keys: Iterable[Key]) -> RecordNames:
        records = uow.records(company_id)
        stored = records.load(set(keys))
        wanted = {party for s in stored if (party := party_of(s.record)) is not None}
        parties = {
            (p.kind, p.source_id): p.record.display_name
            for p in records.load(wanted)
            if isinstance(p.record, Customer | Supplier)
        }
        parties.update(
            {
                (s.kind, s.source_id): s.record.display_name
                for s in stored
                if isinstance(s.record, Customer | Supplier)
            }
        )
        return cls(stored, parties)

    def stored(self, key: Key) -> StoredRecord | None:
        return self._stored.get(key)

    def _party(self, stored: StoredRecord) -> str:
        party = party_of(stored.record)
        return self._parties.get(party, party[1]) if party is not None else ""

    def title(self, key: Key) -> str:
        """ "Invoice INV-10015 · Mrs J Smith · £120.00 · 03/02/2026"; the kind and id when not held."""
        found = self._stored.get(key)
        if found is None:
            return f"{key[0].label} {key[1]}"
        return record_title(found.record, party=self._party(found), gross=found.gross)

    def short(self, key: Key) -> str:
        found = self._stored.get(key)
        if found is None:
            return f"{key[0].label} {key[1]}"
        return record_short(found.record, party=self._party(found))

    def in_words(self, text: str, keys: Iterable[Key]) -> str:
        """`text` with each of `keys` that it names by kind and id ("customer cus-00004") named by its
        short name instead."""
        for kind, source_id in keys:
            if (kind, source_id) not in self._stored:
                continue
            named = re.compile(rf"\b{re.escape(f'{kind.label} {source_id}')}(?![\w-])")
            short = self.short((kind, source_id))
            text = named.sub(lambda _, short=short: short, text)  # type: ignore[misc]
        return text


def title_of(store: Store, company_id: int, kind: RecordKind, source_id: str) -> str:
    """One record as people name it ("Invoice INV-10015 · Mrs J Smith · £120.00 · 03/02/2026")."""
    with store.unit_of_work() as uow:
        return RecordNames.read(uow, company_id, [(kind, source_id)]).title((kind, source_id))
