"""The Python API: what a script or a job system's own code uses to feed ledgerlink.

    from ledgerlink import api

    with api.open_store() as ledgerlink:                 # LEDGERLINK_DATABASE_URL, or SQLite in .ledgerlink/
        company = ledgerlink.company("Acme Heating")     # made on first use
        company.set_vat_rates(standard_vat_rates())
        report = company.feed([customer, invoice, payment])
        report.rejected                                  # each with the findings that kept it out
        company.records(RecordKind.INVOICE)

Every call is one unit of work: it is committed when the call returns, or not at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import TextIO

from ledgerlink.domain.ledger import Ledger, build_ledger
from ledgerlink.domain.records import NominalAccount, PaymentMethod, Record, RecordKind, VatRate
from ledgerlink.domain.validation import ReferenceData
from ledgerlink.services.csv_import import CsvReport, import_csv
from ledgerlink.services.records import IngestReport, ingest
from ledgerlink.settings import Settings, load_settings
from ledgerlink.store import Company, Store, StoredRecord

__all__ = ["CompanyBooks", "Ledgerlink", "open_store"]


def open_store(url: str | None = None, *, settings: Settings | None = None) -> Ledgerlink:
    """Open the store at `url`, or the one the settings name (SQLite under `.ledgerlink/` by default)."""
    if url is not None:
        return Ledgerlink(Store.open(url))
    return Ledgerlink(Store.from_settings(settings or load_settings()))


class Ledgerlink:
    """An open store and the companies in it."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def company(self, name: str, *, create: bool = True) -> CompanyBooks:
        """A company by name or slug; made when missing unless `create` is false."""
        with self.store.unit_of_work() as uow:
            found = uow.companies.ensure(name) if create else uow.companies.get(name)
            uow.commit()
        return CompanyBooks(self.store, found)

    def companies(self) -> list[Company]:
        with self.store.unit_of_work() as uow:
            return uow.companies.list()

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Ledgerlink:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class CompanyBooks:
    """One company's records and reference lists."""

    def __init__(self, store: Store, company: Company) -> None:
        self.store = store
        self.company = company

    def feed(self, records: Iterable[Record]) -> IngestReport:
        """Check and store records; a record with an error is left out alone and reported."""
        with self.store.unit_of_work() as uow:
            report = ingest(uow, self.company.id, records)
            uow.commit()
        return report

    def import_csv(self, kind: str, source: Path | str | TextIO) -> CsvReport:
        """Import one CSV file of `kind` (see docs/csv.md); `source` is its path or an open text file."""
        with self.store.unit_of_work() as uow:
            report = import_csv(
                uow, self.company.id, kind, Path(source) if isinstance(source, str) else source
            )
            uow.commit()
        return report

    def records(self, kind: RecordKind | None = None) -> list[Record]:
        return [stored.record for stored in self.stored(kind)]

    def stored(self, kind: RecordKind | None = None) -> Iterator[StoredRecord]:
        """Every stored record of a kind with its version and warnings, read a chunk at a time."""
        with self.store.unit_of_work() as uow:
            for chunk in uow.records(self.company.id).iter_chunks(kind):
                yield from chunk

    def record(self, kind: RecordKind, source_id: str) -> StoredRecord:
        with self.store.unit_of_work() as uow:
            return uow.records(self.company.id).get(kind, source_id)

    def counts(self) -> dict[RecordKind, int]:
        with self.store.unit_of_work() as uow:
            return uow.records(self.company.id).counts()

    def ledger(self) -> Ledger:
        """Balances per customer and supplier, and what is open on each document, from the records."""
        return build_ledger(self.records(), self.reference().percent_by_rate)

    def reference(self) -> ReferenceData:
        with self.store.unit_of_work() as uow:
            return uow.reference(self.company.id).reference_data()

    def set_nominal_accounts(self, accounts: Iterable[NominalAccount]) -> None:
        with self.store.unit_of_work() as uow:
            uow.reference(self.company.id).put_nominal_accounts(accounts)
            uow.commit()

    def set_vat_rates(self, rates: Iterable[VatRate]) -> None:
        with self.store.unit_of_work() as uow:
            uow.reference(self.company.id).put_vat_rates(rates)
            uow.commit()

    def set_payment_methods(self, methods: Iterable[PaymentMethod]) -> None:
        with self.store.unit_of_work() as uow:
            uow.reference(self.company.id).put_payment_methods(methods)
            uow.commit()
