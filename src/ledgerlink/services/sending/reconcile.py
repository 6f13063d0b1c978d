"""Reconcile: does each customer and supplier owe the same in the package as on the jobs side?

The jobs side's figure is its own ledger over the records in scope (dated on or after the cut-off), the
same records and the same allocations that were sent; any difference is listed, never absorbed.

- A customer is compared with what its contact owes as a customer (receivable), a supplier with what the
  contact is owed as a supplier (payable), wherever the package keeps the two apart; one contact can be
  both. Where the package gives one figure for a contact linked to both, the two are compared together.
- What was never sent is a difference too: a customer or supplier with records in scope and no contact in
  the package, and, for each difference, the records of that party still unsent, each with its reason.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from ledgerlink.domain.ledger import Ledger, OpenItem, PartyKey
from ledgerlink.domain.money import ZERO
from ledgerlink.domain.outbox import EntryState, OutboxEntry, Step, entry_label
from ledgerlink.domain.records import Record, RecordKind, party_of, record_date
from ledgerlink.packages.base import PackageConnector
from ledgerlink.packages.drafts import ContactBalance
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection

PARTY_KINDS = (RecordKind.CUSTOMER, RecordKind.SUPPLIER)
FINANCIAL_KINDS = (
    RecordKind.INVOICE,
    RecordKind.CREDIT_NOTE,
    RecordKind.CUSTOMER_PAYMENT,
    RecordKind.SUPPLIER_INVOICE,
    RecordKind.SUPPLIER_CREDIT_NOTE,
    RecordKind.SUPPLIER_PAYMENT,
)
ALLOCATED = frozenset({RecordKind.CREDIT_NOTE, RecordKind.SUPPLIER_CREDIT_NOTE})
OPEN_ITEM_KINDS = (
    RecordKind.INVOICE,
    RecordKind.CREDIT_NOTE,
    RecordKind.SUPPLIER_INVOICE,
    RecordKind.SUPPLIER_CREDIT_NOTE,
)
SIDE = {RecordKind.CUSTOMER: "as a customer", RecordKind.SUPPLIER: "as a supplier"}


@dataclass(frozen=True)
class Difference:
    kind: RecordKind
    source_id: str
    name: str
    package_id: str  # empty: the party is not in the package
    jobs_balance: Decimal
    package_balance: Decimal
    reason: str = ""  # what explains it, where ledgerlink knows: records never sent, and why

    @property
    def difference(self) -> Decimal:
        return self.package_balance - self.jobs_balance


@dataclass(frozen=True)
class ReconcileReport:
    checked: int
    differences: tuple[Difference, ...]
    jobs_total: Decimal
    package_total: Decimal

    @property
    def clean(self) -> bool:
        return not self.differences


@dataclass
class _JobsSide:
    """The jobs side as reconcile needs it: balances, links, names and each party's records in scope."""

    ledger: Ledger
    linked: dict[PartyKey, str]
    names: dict[PartyKey, str]
    records_of: dict[PartyKey, list[tuple[RecordKind, str]]]


def _open_at_cut_off(
    ledger: Ledger,
    before: list[Record],
    linked: Callable[[RecordKind], Mapping[str, str]],
    percents: Mapping[str, Decimal],
) -> None:
    """Documents dated before the cut-off linked to the package's own open copy count with what was open
    on them at the cut-off: the package holds that much on them, and money after the cut-off settles it."""
    held = {kind: linked(kind) for kind in OPEN_ITEM_KINDS}
    if not any(held.values()):
        return
    at_cut_off = Ledger(percent_by_rate=percents).apply_all(before)
    for record in before:
        party = party_of(record)
        if party is None or record.source_id not in held.get(record.kind, {}):
            continue
        left = at_cut_off.outstanding(record.kind, record.source_id)
        if record.kind in ALLOCATED:
            ledger.balances[party] = ledger.balance(*party) - left
            ledger.open_items[(record.kind, record.source_id)] = OpenItem(party[1], left)
        else:
            ledger.balances[party] = ledger.balance(*party) + left
            ledger.open_items[(record.kind, record.source_id)] = OpenItem(party[1], left)


def _jobs_side(store: Store, connection: Connection) -> _JobsSide:
    with store.unit_of_work() as uow:
        records = uow.records(connection.company_id)
        percents = {rate.code: rate.percent for rate in uow.reference(connection.company_id).vat_rates()}
        ledger = Ledger(percent_by_rate=percents)
        voided_there = uow.inbound(connection).voided_documents()  # out of the package's books
        in_scope = []
        before = []
        records_of: dict[PartyKey, list[tuple[RecordKind, str]]] = defaultdict(list)
        for kind in FINANCIAL_KINDS:
            for chunk in records.iter_chunks(kind, chunk_size=5000):
                for stored in chunk:
                    if (stored.kind.value, stored.source_id) in voided_there:
                        continue
                    when = record_date(stored.record)
                    if connection.cut_off_date is None or (
                        when is not None and when >= connection.cut_off_date
                    ):
                        in_scope.append(stored.record)
                        party = party_of(stored.record)
                        if party is not None:
                            records_of[party].append((stored.kind, stored.source_id))
                    else:
                        before.append(stored.record)
        links = uow.links(connection.id)
        _open_at_cut_off(ledger, before, links.package_ids, percents)
        ledger.apply_all(in_scope)
        del in_scope, before
        linked = {
            (kind, source_id): package_id
            for kind in PARTY_KINDS
            for source_id, package_id in links.package_ids(kind).items()
        }
        names = {
            (stored.kind, stored.source_id): str(getattr(stored.record, "display_name", stored.source_id))
            for kind in PARTY_KINDS
            for chunk in records.iter_chunks(kind, chunk_size=5000)
            for stored in chunk
        }
    return _JobsSide(ledger, linked, names, records_of)


def _unsent(store: Store, connection: Connection, keys: Iterable[tuple[RecordKind, str]]) -> list[str]:
    """Each of these records (and credit notes' allocations) not in the package, with its state and reason."""
    wanted = list(keys)
    credits = [key for key in wanted if key[0] in ALLOCATED]
    with store.unit_of_work() as uow:
        outbox = uow.outbox(connection)
        entries: Mapping[tuple[RecordKind, str], OutboxEntry] = outbox.for_records(wanted)
        allocations = outbox.for_records(credits, Step.ALLOCATE) if credits else {}
    told: list[str] = []
    for kind, source_id in wanted:
        for entry in (entries.get((kind, source_id)), allocations.get((kind, source_id))):
            if entry is not None and entry.state is EntryState.SENT and entry.changed_after_sending:
                told.append(f"{entry.label} changed after sending: {entry.changed_after_sending[:300]}")
            elif entry is not None and entry.state is not EntryState.SENT:
                why = entry.reason or entry.blocked_by  # it says itself what it waits for
                told.append(f"{entry.label} {entry.state.label}" + (f": {why}" if why else ""))
        if (kind, source_id) not in entries:
            told.append(f"{entry_label(kind, source_id, Step.CREATE)} not sent yet")
    return told


def _compared(
    jobs: _JobsSide, balances: Mapping[str, ContactBalance]
) -> list[tuple[list[PartyKey], str, Decimal, Decimal]]:
    """(parties, package id, jobs figure, package figure) for each comparison the package allows."""
    by_contact: dict[str, list[PartyKey]] = defaultdict(list)
    for party, package_id in sorted(jobs.linked.items()):
        by_contact[package_id].append(party)
    compared: list[tuple[list[PartyKey], str, Decimal, Decimal]] = []
    for package_id, parties in by_contact.items():
        held = balances.get(package_id, ContactBalance(ZERO, ZERO))
        if held.apart or len({kind for kind, _ in parties}) == 1:
            for party in parties:
                theirs = (
                    held.receivable if party[0] is RecordKind.CUSTOMER or not held.apart else held.payable
                )
                compared.append(([party], package_id, jobs.ledger.balance(*party), theirs))
        else:  # one figure for a contact that is both: the two sides together
            ours = sum((jobs.ledger.balance(*party) for party in parties), ZERO)
            compared.append((parties, package_id, ours, held.receivable))
    return compared


async def reconcile(store: Store, connection: Connection, connector: PackageConnector) -> ReconcileReport:
    jobs = _jobs_side(store, connection)
    balances = await connector.contact_balances(sorted(set(jobs.linked.values())))
    both_sides: dict[str, bool] = defaultdict(bool)
    kinds_of: dict[str, set[RecordKind]] = defaultdict(set)
    for (kind, _), package_id in jobs.linked.items():
        kinds_of[package_id].add(kind)
        both_sides[package_id] = len(kinds_of[package_id]) > 1
    differences: list[Difference] = []
    checked = 0
    jobs_total = package_total = ZERO
    for parties, package_id, ours, theirs in _compared(jobs, balances):
        checked += 1
        jobs_total += ours
        package_total += theirs
        if ours == theirs:
            continue
        kind, source_id = parties[0]
        name = jobs.names.get(parties[0], source_id)
        if len(parties) > 1:
            name = f"{name} (as a customer and a supplier together)"
        elif both_sides[package_id]:
            name = f"{name} ({SIDE[kind]})"
        unsent = _unsent(
            store, connection, [key for party in parties for key in jobs.records_of.get(party, [])]
        )
        differences.append(Difference(kind, source_id, name, package_id, ours, theirs, "; ".join(unsent)))
    for party, records in sorted(jobs.records_of.items()):
        if party in jobs.linked:
            continue
        checked += 1
        ours = jobs.ledger.balance(*party)
        jobs_total += ours
        kind, source_id = party
        missing = _unsent(store, connection, [party]) or [f"{kind.label} {source_id} is not linked"]
        never = len(_unsent(store, connection, records))
        reason = f"not in the package ({'; '.join(missing)}), so neither are its {never} record(s)"
        name = jobs.names.get(party, source_id)
        differences.append(Difference(kind, source_id, name, "", ours, ZERO, reason))
    return ReconcileReport(checked, tuple(differences), jobs_total, package_total)
