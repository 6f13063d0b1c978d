"""Many companies, each connected to its own sandbox business and ready to send: for trying workers out.

The benchmark of many workers and the worker tests build their companies here, the way a person would:
demo books stored, a sandbox business seeded, the consent page approved, a cut-off date set, the
package's lists read and the suggested mappings taken. The sandboxes keep their real limits, with
their windows run `time_scale` times faster so that a run takes minutes rather than hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from ledgerlink.domain.records import RecordKind
from ledgerlink.errors import ConfigurationError
from ledgerlink.sandbox.registry import get_sandbox
from ledgerlink.services.demo.books import generate
from ledgerlink.services.demo.sandbox_session import connect_to_sandbox, seed_business
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.store.connections import Connection

SendMode = Literal["manual", "automatic"]


@dataclass(frozen=True)
class Books:
    """How big each company's books are."""

    invoices: int = 1_000
    customers: int = 200
    today: date = date(2026, 11, 1)


async def connected_company(
    connectors: ConnectorFactory,
    *,
    package: str,
    name: str,
    books: Books,
    seed: int,
    send_mode: SendMode = "manual",
    send_interval_minutes: int = 60,
) -> tuple[Connection, int]:
    """A company with demo books, connected to a new sandbox business and ready to send.

    Returns the connection and the number of records waiting to be sent.
    """
    demo = generate(seed=seed, invoices=books.invoices, customers=books.customers, today=books.today)
    store = connectors.store
    with store.unit_of_work() as uow:
        company = uow.companies.add(name)
        reference = uow.reference(company.id)
        reference.put_nominal_accounts(demo.nominal_accounts)
        reference.put_vat_rates(demo.vat_rates)
        reference.put_payment_methods(demo.payment_methods)
        report = ingest(uow, company.id, demo.records)
        uow.commit()
    if report.rejected:
        raise ConfigurationError(f"the demo books of {name} were refused: {report.rejected[:3]}")
    business = f"{name} Books"
    await seed_business(connectors, package, business)
    connection = await connect_to_sandbox(connectors, company.id, package, business)
    connection = save_settings(
        connectors,
        company.id,
        connection.id,
        cut_off_date=date(books.today.year - 3, 1, 1),
        send_mode=send_mode,
        send_interval_minutes=send_interval_minutes,
    )
    connector = connectors.connector(connection)
    try:
        nominals = Nominals(store, connection)
        await nominals.read_lists(connector)
        nominals.accept_suggestions(checked=True)  # the fleet's bookkeeper takes every suggestion
        nominals.give_every_consent()  # and allows what the package needs made
    finally:
        await connector.aclose()
    with store.unit_of_work() as uow:
        connection = uow.connections(company.id).get(connection.id)
    return connection, len(demo.records)


def expected_counts(package: str, records: dict[RecordKind, int]) -> dict[str, int]:
    """How many objects a company's records should make in its sandbox business, by the sandbox's names."""
    counted_as = get_sandbox(package).counts
    expected: dict[str, int] = {}
    for kind, count in records.items():
        name = counted_as.get(kind)
        if name is not None:
            expected[name] = expected.get(name, 0) + count
    return expected


def duplicates_and_missing(
    package: str, records: dict[RecordKind, int], counts: dict[str, int]
) -> tuple[int, int]:
    """Objects in the sandbox beyond the records (sent twice), and records with no object (lost)."""
    extra = missing = 0
    aliases = get_sandbox(package).aliases
    for name, count in expected_counts(package, records).items():
        found = sum(counts.get(alias, 0) for alias in aliases.get(name, (name,)))
        extra += max(0, found - count)
        missing += max(0, count - found)
    return extra, missing
