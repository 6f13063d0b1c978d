"""A company's books as fed: its reference lists, and its records read back, each call one transaction.

The Python API, the command line and the web read and set these the same way; a record is checked
against the reference lists when it is fed (records.py), so a list set here takes effect from the
next feed on.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime

from ledgerlink.domain.records import NominalAccount, PaymentMethod, RecordKind, VatRate, standard_vat_rates
from ledgerlink.domain.validation import ReferenceData
from ledgerlink.store import Company, Page, Store, StoredRecord

# --- the company and its reference lists ---------------------------------------------------------


def set_up_company(store: Store, name: str) -> tuple[Company, bool]:
    """The company of this name, made with the UK VAT rates if missing (True) or given them again."""
    with store.unit_of_work() as uow:
        existing = uow.companies.find(name)
        company = existing or uow.companies.add(name)
        uow.reference(company.id).put_vat_rates(standard_vat_rates())
        uow.commit()
    return company, existing is None


def reference_data(store: Store, company_id: int) -> ReferenceData:
    with store.unit_of_work() as uow:
        return uow.reference(company_id).reference_data()


def nominal_accounts(store: Store, company_id: int) -> list[NominalAccount]:
    with store.unit_of_work() as uow:
        return uow.reference(company_id).nominal_accounts()


def set_nominal_accounts(store: Store, company_id: int, accounts: Iterable[NominalAccount]) -> None:
    with store.unit_of_work() as uow:
        uow.reference(company_id).put_nominal_accounts(accounts)
        uow.commit()


def set_vat_rates(store: Store, company_id: int, rates: Iterable[VatRate]) -> None:
    with store.unit_of_work() as uow:
        uow.reference(company_id).put_vat_rates(rates)
        uow.commit()


def set_payment_methods(store: Store, company_id: int, methods: Iterable[PaymentMethod]) -> None:
    with store.unit_of_work() as uow:
        uow.reference(company_id).put_payment_methods(methods)
        uow.commit()


# --- records read back ---------------------------------------------------------------------------


def record_page(
    store: Store,
    company_id: int,
    kind: RecordKind | None = None,
    *,
    party_source_id: str | None = None,
    search: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> Page:
    """One page of records, newest first."""
    with store.unit_of_work() as uow:
        return uow.records(company_id).list(
            kind, party_source_id=party_source_id, search=search, offset=offset, limit=limit
        )


def stored_record(store: Store, company_id: int, kind: RecordKind, source_id: str) -> StoredRecord:
    """The record with its version and warnings, or RecordNotFound."""
    with store.unit_of_work() as uow:
        stored = uow.records(company_id).get(kind, source_id)
    return _in_utc(stored)


def changed_records(
    store: Store,
    company_id: int,
    kind: RecordKind,
    *,
    since: datetime | None = None,
    after: tuple[datetime, int] | None = None,
    limit: int = 100,
) -> list[StoredRecord]:
    """Records of `kind` in the order they last changed, from `since` and after the last one seen, so a
    reader (the job system taking in what was imported) can page through and later ask only for what
    changed since. Times are UTC whatever zone they were given in."""
    with store.unit_of_work() as uow:
        found = uow.records(company_id).changed(
            kind,
            since=_utc(since) if since is not None else None,
            after=(_utc(after[0]), after[1]) if after is not None else None,
            limit=limit,
        )
    return [_in_utc(stored) for stored in found]


def _in_utc(stored: StoredRecord) -> StoredRecord:
    return replace(stored, created_at=_utc(stored.created_at), updated_at=_utc(stored.updated_at))


def _utc(moment: datetime) -> datetime:
    """The store may hand back a UTC time without its zone (SQLite keeps none): it is UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def find_record(store: Store, company_id: int, kind: RecordKind, source_id: str) -> StoredRecord | None:
    with store.unit_of_work() as uow:
        return uow.records(company_id).find(kind, source_id)


def record_counts(store: Store, company_id: int) -> dict[RecordKind, int]:
    with store.unit_of_work() as uow:
        return uow.records(company_id).counts()


def stored_records(store: Store, company_id: int, kind: RecordKind | None = None) -> Iterator[StoredRecord]:
    """Every stored record of a kind, read a chunk at a time in one transaction kept open meanwhile."""
    with store.unit_of_work() as uow:
        for chunk in uow.records(company_id).iter_chunks(kind):
            yield from chunk
