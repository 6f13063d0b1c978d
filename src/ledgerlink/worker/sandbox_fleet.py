"""Many companies, each connected to its own sandbox business and ready to send: for trying workers out.

The benchmark of many workers and the worker tests build their companies here, the way a person would:
demo books stored, a sandbox business seeded, the consent page approved, a cut-off date set, the
package's lists read and the suggested mappings taken. The sandboxes keep their real limits, with
their windows run `time_scale` times faster so that a run takes minutes rather than hours.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from starlette.applications import Starlette

from ledgerlink.domain.records import RecordKind
from ledgerlink.errors import ConfigurationError
from ledgerlink.sandbox.kit import OAuthConfig
from ledgerlink.sandbox.sage.app import SageSandboxConfig
from ledgerlink.sandbox.sage.app import create_app as sage_app
from ledgerlink.sandbox.xero.app import XeroSandboxConfig
from ledgerlink.sandbox.xero.app import create_app as xero_app
from ledgerlink.services.connect import save_settings
from ledgerlink.services.demo_data import generate
from ledgerlink.services.nominals import Nominals
from ledgerlink.services.records import ingest
from ledgerlink.services.runtime import Runtime
from ledgerlink.services.sandbox_session import connect_to_sandbox, seed_business
from ledgerlink.store.connections import Connection, ConnectionRepository

SendMode = Literal["manual", "automatic"]
SAGE_PER_MINUTE = 200  # the Sage sandbox's per-business budget, as Sage's


def sandbox_app(
    package: str, *, time_scale: float = 1.0, limits: bool = True, access_lifetime: float | None = None
) -> Starlette:
    """A sandbox with its package's limits, windows scaled; `limits=False` for a sandbox without any.

    `access_lifetime` shortens the access tokens' life (seconds), so that refreshes happen mid-send.
    """
    if package == "sage":
        per_minute = round(SAGE_PER_MINUTE * time_scale) if limits else None
        oauth = OAuthConfig() if access_lifetime is None else OAuthConfig(access_lifetime=access_lifetime)
        return sage_app(SageSandboxConfig(rate_limit_per_minute=per_minute, oauth=oauth))
    if package == "xero":
        config = (
            XeroSandboxConfig(time_scale=time_scale)
            if limits
            else XeroSandboxConfig(minute_limit=None, day_limit=None, concurrency=None, app_minute_limit=None)
        )
        if access_lifetime is not None:
            config = replace(config, access_lifetime=access_lifetime)
        return xero_app(config)
    raise ConfigurationError(f"no sandbox for {package!r}")


@dataclass(frozen=True)
class Books:
    """How big each company's books are."""

    invoices: int = 1_000
    customers: int = 200
    today: date = date(2026, 11, 1)


async def connected_company(
    runtime: Runtime,
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
    store = runtime.store
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
    await seed_business(runtime, package, business)
    connection = await connect_to_sandbox(runtime, company.id, package, business)
    connection = save_settings(
        runtime,
        company.id,
        connection.id,
        cut_off_date=date(books.today.year - 3, 1, 1),
        send_mode=send_mode,
        send_interval_minutes=send_interval_minutes,
    )
    connector = runtime.connector(connection)
    try:
        nominals = Nominals(store, connection)
        await nominals.read_lists(connector)
        nominals.accept_suggestions()
    finally:
        await connector.aclose()
    with store.unit_of_work() as uow:
        connection = ConnectionRepository(uow.session, company.id).get(connection.id)
    return connection, len(demo.records)


# What each kind of record becomes in each sandbox's own counts (GET /_sandbox/state).
SANDBOX_COUNTS: dict[str, dict[RecordKind, str]] = {
    "sage": {
        RecordKind.CUSTOMER: "contacts",
        RecordKind.SUPPLIER: "contacts",
        RecordKind.INVOICE: "sales_invoices",
        RecordKind.CREDIT_NOTE: "sales_credit_notes",
        RecordKind.SUPPLIER_INVOICE: "purchase_invoices",
        RecordKind.SUPPLIER_CREDIT_NOTE: "purchase_credit_notes",
        RecordKind.CUSTOMER_PAYMENT: "contact_payments",
        RecordKind.SUPPLIER_PAYMENT: "contact_payments",
    },
    "xero": {
        RecordKind.CUSTOMER: "contacts",
        RecordKind.SUPPLIER: "contacts",
        RecordKind.INVOICE: "invoices",
        RecordKind.CREDIT_NOTE: "credit_notes",
        RecordKind.SUPPLIER_INVOICE: "invoices",
        RecordKind.SUPPLIER_CREDIT_NOTE: "credit_notes",
        RecordKind.CUSTOMER_PAYMENT: "payments",
        RecordKind.SUPPLIER_PAYMENT: "payments",
    },
}


def expected_counts(package: str, records: dict[RecordKind, int]) -> dict[str, int]:
    """How many objects a company's records should make in its sandbox business, by the sandbox's names."""
    expected: dict[str, int] = {}
    for kind, count in records.items():
        name = SANDBOX_COUNTS[package].get(kind)
        if name is not None:
            expected[name] = expected.get(name, 0) + count
    return expected


# Where a sandbox keeps one record kind's objects under more than one name (a Xero payment larger than
# what its invoice still owes becomes an overpayment).
SANDBOX_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {"xero": {"payments": ("payments", "overpayments")}}


def duplicates_and_missing(
    package: str, records: dict[RecordKind, int], counts: dict[str, int]
) -> tuple[int, int]:
    """Objects in the sandbox beyond the records (sent twice), and records with no object (lost)."""
    extra = missing = 0
    aliases = SANDBOX_ALIASES.get(package, {})
    for name, count in expected_counts(package, records).items():
        found = sum(counts.get(alias, 0) for alias in aliases.get(name, (name,)))
        extra += max(0, found - count)
        missing += max(0, count - found)
    return extra, missing
