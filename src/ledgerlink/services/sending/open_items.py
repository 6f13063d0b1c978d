"""Open items at the cut-off: documents dated before it that were still unpaid on it.

Documents dated before the cut-off date are never sent, but the money still owed on them is real, and
payments received after the cut-off settle them. Each is listed with the amount still open at the
cut-off (its gross less what was set against it before then). A person can mark one settled outside
ledgerlink: it never holds anything back again. A payment or credit note after the cut-off that was
set against it goes to the package without that part of its allocation (money on account in the
package, as it is in the jobs side's ledger of the records in scope), so the reconcile agrees.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ledgerlink.domain.outbox import SETTLED_OUTSIDE, EntryState
from ledgerlink.domain.records import RecordKind, record_date
from ledgerlink.errors import RecordNotFound
from ledgerlink.services.onboarding.opening_mapping import open_at_cut_off
from ledgerlink.services.sending.controls import connection_of
from ledgerlink.services.sending.names import RecordNames
from ledgerlink.store import Store


@dataclass(frozen=True)
class OpenItem:
    kind: RecordKind
    source_id: str
    title: str
    gross: Decimal
    open_amount: Decimal  # still open at the cut-off
    settled_outside: bool
    package_id: str = ""  # the package's copy: linked (side by side) or sent as an opening item


def open_items(store: Store, company_id: int) -> list[OpenItem]:
    """Unpaid invoices, credit notes and bills dated before the cut-off, with the amounts open on it."""
    connection = connection_of(store, company_id)
    cut_off = connection.cut_off_date
    if cut_off is None:
        return []
    with store.unit_of_work() as uow:
        documents = open_at_cut_off(uow, company_id, cut_off)
        keys = [(s.kind, s.source_id) for s, _ in documents]
        names = RecordNames.read(uow, company_id, keys)
        held = uow.outbox(connection).for_records(keys)
        links = uow.links(connection.id)
        linked = {
            kind: links.package_ids(kind, [source_id for k, source_id in keys if k is kind])
            for kind in {kind for kind, _ in keys}
        }
    return [
        OpenItem(
            kind=stored.kind,
            source_id=stored.source_id,
            title=names.title((stored.kind, stored.source_id)),
            gross=stored.gross or Decimal(0),
            open_amount=left,
            settled_outside=(entry := held.get((stored.kind, stored.source_id))) is not None
            and entry.state is EntryState.DO_NOT_SEND
            and entry.reason == SETTLED_OUTSIDE,
            package_id=linked.get(stored.kind, {}).get(stored.source_id, ""),
        )
        for stored, left in sorted(
            documents,
            key=lambda pair: (pair[0].kind.value, str(record_date(pair[0].record)), pair[0].source_id),
        )
    ]


def settle_outside(store: Store, company_id: int, source_ids: Sequence[str]) -> int:
    """Mark open items at the cut-off settled outside ledgerlink; RecordNotFound names an id that is
    not one of them."""
    connection = connection_of(store, company_id)
    listed = {item.source_id: item for item in open_items(store, company_id)}
    unknown = [name for name in source_ids if name not in listed]
    if unknown:
        raise RecordNotFound(
            f"not an open item dated before the cut-off date: {', '.join(unknown)} (see `ledgerlink open-items`)"
        )
    in_package = [name for name in source_ids if listed[name].package_id]
    if in_package:
        raise RecordNotFound(
            f"in the package already (linked, or sent as an opening item), so what is set against it goes "
            f"there: {', '.join(in_package)}"
        )
    with store.unit_of_work() as uow:
        held = uow.outbox(connection).hold_records(
            [(listed[name].kind, name) for name in dict.fromkeys(source_ids)], SETTLED_OUTSIDE
        )
        uow.commit()
    return held
