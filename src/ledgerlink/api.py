"""The Python API: what a script or a job system's own code uses to feed ledgerlink.

    from ledgerlink import api

    with api.open_store() as ledgerlink:                 # LEDGERLINK_DATABASE_URL, or SQLite in .ledgerlink/
        company = ledgerlink.company("Hollis Heating")   # made on first use
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
from ledgerlink.services import access
from ledgerlink.services.feeding import books
from ledgerlink.services.feeding.csv_files import CsvReport, import_csv_file
from ledgerlink.services.feeding.records import IngestReport, feed
from ledgerlink.services.operations.scheduling import records_arrived
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
        found = access.ensure_company(self.store, name) if create else access.company_named(self.store, name)
        return CompanyBooks(self.store, found)

    def companies(self) -> list[Company]:
        return access.companies(self.store)

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
        return feed(self.store, self.company.id, records)

    def import_csv(self, kind: str, source: Path | str | TextIO, *, encoding: str | None = None) -> CsvReport:
        """Import one CSV file of `kind` (see docs/csv.md); `source` is its path or an open text file.

        A file in neither UTF-8 nor UTF-16 with a byte-order mark is read in `encoding` (e.g. "cp1252").
        """
        report = import_csv_file(
            self.store,
            self.company.id,
            kind,
            Path(source) if isinstance(source, str) else source,
            encoding=encoding,
        )
        records_arrived(
            self.store,
            self.company.id,
            changed=report.created + report.updated,
            reason="a CSV file was imported",
        )
        return report

    def records(self, kind: RecordKind | None = None) -> list[Record]:
        return [stored.record for stored in self.stored(kind)]

    def stored(self, kind: RecordKind | None = None) -> Iterator[StoredRecord]:
        """Every stored record of a kind with its version and warnings, read a chunk at a time."""
        yield from books.stored_records(self.store, self.company.id, kind)

    def record(self, kind: RecordKind, source_id: str) -> StoredRecord:
        return books.stored_record(self.store, self.company.id, kind, source_id)

    def counts(self) -> dict[RecordKind, int]:
        return books.record_counts(self.store, self.company.id)

    def ledger(self) -> Ledger:
        """Balances per customer and supplier, and what is open on each document, from the records."""
        return build_ledger(self.records(), self.reference().percent_by_rate)

    def reference(self) -> ReferenceData:
        return books.reference_data(self.store, self.company.id)

    def set_nominal_accounts(self, accounts: Iterable[NominalAccount]) -> None:
        books.set_nominal_accounts(self.store, self.company.id, accounts)

    def set_vat_rates(self, rates: Iterable[VatRate]) -> None:
        books.set_vat_rates(self.store, self.company.id, rates)

    def set_payment_methods(self, methods: Iterable[PaymentMethod]) -> None:
        books.set_payment_methods(self.store, self.company.id, methods)
