"""Reconcile: does each linked customer and supplier owe the same in the package as on the jobs side?

The jobs side's figure is its own ledger over the records in scope (dated on or after the cut-off), the
same records and the same allocations that were sent; any difference is listed, never absorbed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ledgerlink.domain.ledger import Ledger
from ledgerlink.domain.money import ZERO
from ledgerlink.domain.records import RecordKind, record_date
from ledgerlink.packages.base import PackageConnector
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection, LinkRepository

PARTY_KINDS = (RecordKind.CUSTOMER, RecordKind.SUPPLIER)
FINANCIAL_KINDS = (
    RecordKind.INVOICE,
    RecordKind.CREDIT_NOTE,
    RecordKind.CUSTOMER_PAYMENT,
    RecordKind.SUPPLIER_INVOICE,
    RecordKind.SUPPLIER_CREDIT_NOTE,
    RecordKind.SUPPLIER_PAYMENT,
)


@dataclass(frozen=True)
class Difference:
    kind: RecordKind
    source_id: str
    name: str
    package_id: str
    jobs_balance: Decimal
    package_balance: Decimal

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


async def reconcile(store: Store, connection: Connection, connector: PackageConnector) -> ReconcileReport:
    with store.unit_of_work() as uow:
        records = uow.records(connection.company_id)
        percents = {rate.code: rate.percent for rate in uow.reference(connection.company_id).vat_rates()}
        ledger = Ledger(percent_by_rate=percents)
        in_scope = []
        for kind in FINANCIAL_KINDS:
            for chunk in records.iter_chunks(kind, chunk_size=5000):
                for stored in chunk:
                    when = record_date(stored.record)
                    if connection.cut_off_date is None or (
                        when is not None and when >= connection.cut_off_date
                    ):
                        in_scope.append(stored.record)
        ledger.apply_all(in_scope)
        del in_scope
        links = LinkRepository(uow.session, connection.id)
        linked = {kind: links.package_ids(kind) for kind in PARTY_KINDS}
        names = {
            (stored.kind, stored.source_id): getattr(stored.record, "display_name", stored.source_id)
            for kind in PARTY_KINDS
            for chunk in records.iter_chunks(kind, chunk_size=5000)
            for stored in chunk
        }
    differences: list[Difference] = []
    checked = 0
    jobs_total = package_total = ZERO
    for kind in PARTY_KINDS:
        ids = linked[kind]
        balances = await connector.outstanding_balances(sorted(set(ids.values())))
        for source_id, package_id in sorted(ids.items()):
            ours = ledger.balance(kind, source_id)
            theirs = balances.get(package_id, ZERO)
            checked += 1
            jobs_total += ours
            package_total += theirs
            if ours != theirs:
                name = str(names.get((kind, source_id), source_id))
                differences.append(Difference(kind, source_id, name, package_id, ours, theirs))
    return ReconcileReport(checked, tuple(differences), jobs_total, package_total)
