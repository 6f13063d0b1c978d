"""What came back from the package, as a person reads it: each change with the record named as people
name it ("Invoice INV-2 · Jane Smith · £60.00 · 06/10/2026"), what happened to it in plain words, and
those waiting for a person apart, with the reason (until a person marks one dealt with: it is then in
the history, with who dealt with it); and the connection's reading settings in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ledgerlink.domain.money import format_money
from ledgerlink.domain.naming import record_title
from ledgerlink.domain.records import RECORD_TYPES, Customer, Record, RecordKind, Supplier, party_of
from ledgerlink.services.inbound.settings import reading_settings
from ledgerlink.services.operations.scheduling import uses_queue
from ledgerlink.services.sending.names import RecordNames
from ledgerlink.store import Store, UnitOfWork
from ledgerlink.store.inbound import InboundSettings
from ledgerlink.store.package_events import DealtWith, PackageEvent

Key = tuple[RecordKind, str]

SAID = {
    "created": "recorded in the package, and added here",
    "updated": "changed in the package, and changed here",
    "deleted": "deleted in the package, and taken off here",
    "voided": "voided in the package: cancelled here",
    "allocated": "set against an invoice in the package, and here",
    "unallocated": "taken off its invoice in the package, and here",
    "needs_person": "waiting for a person",
}
KIND_WORDS = {
    "payment": "Payments and refunds",
    "credit_allocation": "Credit notes set against invoices, and taken off them",
    "document": "Invoices, bills and credit notes voided or deleted",
}


@dataclass(frozen=True)
class ChangeLine:
    id: int
    at: datetime
    what: str
    said: str
    title: str
    record: Key | None  # the jobs-side record, when it is still held
    reason: str
    dealt_with: DealtWith | None = None  # for one that waited for a person, once one dealt with it

    @property
    def waiting(self) -> bool:
        return self.what == "needs_person" and self.dealt_with is None


@dataclass(frozen=True)
class ReadingSettingsInWords:
    settings: InboundSettings
    kinds: tuple[tuple[str, str, bool], ...]  # (kind, in words, chosen)
    workers: bool  # whether reads can run on a schedule here


def _from_detail(event: PackageEvent) -> Record | None:
    body = event.detail.get("record")
    if not isinstance(body, dict) or not event.record_kind:
        return None
    fields = {name: value for name, value in body.items() if name != "kind"}
    return RECORD_TYPES[RecordKind(event.record_kind)].model_validate(fields)


def _unheld_title(event: PackageEvent, party: str) -> str:
    """A change that touched no jobs-side record, named from what the package showed (and the customer
    or supplier its contact is linked to, when it is)."""
    change: dict[str, Any] = event.detail.get("change") or {}
    who = f" · {party}" if party else ""
    amount = change.get("amount")
    money = f" · £{format_money(Decimal(str(amount)))}" if amount else ""
    when = change.get("date")
    day = f" · {date.fromisoformat(when):%d/%m/%Y}" if isinstance(when, str) else ""
    if change.get("type") == "payment":
        return f"Payment in the package{who}{money}{day}"
    if change.get("type") == "credit_allocation":
        return f"Credit note set against an invoice in the package{who}{money}{day}"
    if change.get("type") == "document":
        return f"Document {change.get('number') or event.detail.get('package_id', '')} in the package"
    return "A change in the package"


def _linked_party(uow: UnitOfWork, event: PackageEvent) -> Key | None:
    contact = str((event.detail.get("change") or {}).get("contact_id") or "")
    links = uow.links(event.connection_id)
    for kind in (RecordKind.CUSTOMER, RecordKind.SUPPLIER):
        link = links.find_by_package_id(kind, contact)
        if link is not None:
            return (kind, link.source_id)
    return None


def _display_name(names: RecordNames, party: Key | None) -> str:
    found = names.stored(party) if party is not None else None
    return found.record.display_name if found and isinstance(found.record, Customer | Supplier) else ""


def changes_for_people(store: Store, company_id: int, *, limit: int = 200) -> list[ChangeLine]:
    """The newest changes, newest first."""
    with store.unit_of_work() as uow:
        events = uow.package_events(company_id).latest(limit)
        marks = uow.package_events(company_id).dealt_with([e.id for e in events if e.what == "needs_person"])
        gone = {event.id: record for event in events if (record := _from_detail(event)) is not None}
        keys = {(RecordKind(e.record_kind), e.source_id) for e in events if e.record_kind and e.source_id}
        parties = {party for record in gone.values() if (party := party_of(record)) is not None}
        contacts = {
            event.id: _linked_party(uow, event)
            for event in events
            if not event.source_id and (event.detail.get("change") or {}).get("contact_id")
        }
        parties |= {party for party in contacts.values() if party is not None}
        names = RecordNames.read(uow, company_id, keys | parties)
    lines = []
    for event in events:
        key = (
            (RecordKind(event.record_kind), event.source_id)
            if event.record_kind and event.source_id
            else None
        )
        held = key is not None and names.stored(key) is not None
        if key is not None and held:
            title = names.title(key)
        elif (record := gone.get(event.id)) is not None:
            title = record_title(record, party=_display_name(names, party_of(record)))
        else:
            title = _unheld_title(event, _display_name(names, contacts.get(event.id)))
        reason = str(event.detail.get("reason") or "")
        lines.append(
            ChangeLine(
                id=event.id,
                at=event.at,
                what=event.what,
                said=SAID.get(event.what, event.what),
                title=title,
                record=key if held else None,
                reason=names.in_words(reason, keys) if reason else "",
                dealt_with=marks.get(event.id),
            )
        )
    return lines


def reading_settings_in_words(store: Store, company_id: int) -> ReadingSettingsInWords:
    settings = reading_settings(store, company_id)
    kinds = tuple((kind, words, kind in settings.kinds) for kind, words in KIND_WORDS.items())
    return ReadingSettingsInWords(settings, kinds, uses_queue(store))
