"""The demo, as a sequence of named steps the command line shows one by one.

It builds a fresh demo company from the embedded defaults and says what it holds; then, unless asked
only for the books, it walks the new-package path on a local sandbox the way a bookkeeper would: start
the sandbox, connect through its consent page, map the nominal accounts from suggestions, send
everything since the cut-off date, and reconcile every balance with the package.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import Invoice, Record, RecordKind, SupplierInvoice
from ledgerlink.errors import LedgerlinkError
from ledgerlink.packages.registry import DEFAULT_PACKAGE
from ledgerlink.services.demo import books as demo_data
from ledgerlink.services.demo.sandbox_session import connect_to_sandbox, seed_business
from ledgerlink.services.feeding.records import IngestReport, ingest, ingest_parts
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.services.onboarding.opening_mapping import opening_items_way
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.sending import controls as dashboard
from ledgerlink.services.sending.engine import SendReport
from ledgerlink.services.sending.open_items import OpenItem, open_items, settle_outside
from ledgerlink.services.sending.reconcile import ReconcileReport, reconcile
from ledgerlink.store import Company, KindSummary, Store
from ledgerlink.store.connections import Connection

DEMO_COMPANY = "Demo Heating & Plumbing"
DEMO_SLUG = "demo"

Progress = Callable[[int], None]


@dataclass(frozen=True)
class DemoOptions:
    company: str = DEMO_COMPANY
    slug: str = DEMO_SLUG
    seed: int = 1
    invoices: int = demo_data.SIZES["small"]
    today: date | None = None
    package: str | None = DEFAULT_PACKAGE  # None: build the books only, connect nothing


@dataclass(frozen=True)
class Summary:
    """What a company holds: counts and totals by kind, the dates they span, and what is owed."""

    company: str
    slug: str
    kinds: tuple[KindSummary, ...]
    first_date: date | None
    last_date: date | None
    warnings: int
    errors: int
    customers_owe: Decimal
    owed_to_suppliers: Decimal

    @property
    def total_records(self) -> int:
        return sum(kind.count for kind in self.kinds)

    def as_json(self) -> dict[str, object]:
        return {
            "company": self.company,
            "slug": self.slug,
            "records": self.total_records,
            "kinds": {
                k.kind.value: {
                    "count": k.count,
                    "gross": str(k.gross),
                    "first_date": k.first_date,
                    "last_date": k.last_date,
                }
                for k in self.kinds
            },
            "first_date": self.first_date,
            "last_date": self.last_date,
            "findings": {"warning": self.warnings, "error": self.errors},
            "customers_owe": str(self.customers_owe),
            "owed_to_suppliers": str(self.owed_to_suppliers),
        }


@dataclass
class StepResult:
    name: str
    title: str
    detail: str = ""
    seconds: float = 0.0


class DemoStopped(LedgerlinkError):
    """A step of the demo found something a person must look at; the message says what."""


Step = Callable[["DemoRun"], str]


@dataclass
class DemoRun:
    """The state the steps share: each step reads what earlier ones left and adds its own part."""

    store: Store
    options: DemoOptions
    progress: Callable[[str, int], Progress] | None = None
    connectors: ConnectorFactory | None = None  # needed when the demo goes on to a package
    company: Company | None = None
    data: demo_data.DemoData | None = None
    report: IngestReport | None = None
    summary: Summary | None = None
    connection: Connection | None = None
    sent: SendReport | None = None
    status: dashboard.Status | None = None
    reconciled: ReconcileReport | None = None
    open_items: list[OpenItem] = field(default_factory=list)
    results: list[StepResult] = field(default_factory=list)

    def plan(self) -> list[tuple[str, str, Step]]:
        books: list[tuple[str, str, Step]] = [
            ("prepare_company", "Make a fresh demo company", prepare_company),
            ("generate_records", "Make two years of a trades business's books", generate_records),
            ("feed_records", "Check and store every record", feed_records),
            ("summarise", "Say what the company holds", summarise_step),
        ]
        package = self.options.package
        if package is None:
            return books
        return [
            *books,
            ("connect", f"Connect to a fresh business in the local {package} sandbox", connect_step),
            ("map", "Map nominal accounts, VAT rates and payment methods from suggestions", map_step),
            (
                "open_items",
                "List the open items at the cut-off, which go in as opening items",
                open_items_step,
            ),
            ("send", "Send everything since the cut-off date", send_step),
            (
                "reconcile",
                "Reconcile every customer's and supplier's balance with the package",
                reconcile_step,
            ),
        ]

    def steps(self) -> Iterator[StepResult]:
        """Run each step in turn, yielding its result as soon as it is done."""
        for name, title, step in self.plan():
            started = time.perf_counter()
            detail = step(self)
            result = StepResult(name, title, detail, time.perf_counter() - started)
            self.results.append(result)
            yield result


def prepare_company(run: DemoRun) -> str:
    """Remove any earlier demo company with everything it owns, then make it again with its lists."""
    nominals, rates, methods = demo_data.reference_lists()
    with run.store.unit_of_work() as uow:
        existing = uow.companies.find(run.options.slug)
        if existing is not None:
            uow.companies.delete(existing.id)
        company = uow.companies.add(run.options.company, slug=run.options.slug)
        reference = uow.reference(company.id)
        reference.put_nominal_accounts(nominals)
        reference.put_vat_rates(rates)
        reference.put_payment_methods(methods)
        uow.commit()
    run.company = company
    rebuilt = "rebuilt" if existing else "created"
    return f"{company.name} ({company.slug}) {rebuilt}: {len(nominals)} nominal accounts, {len(rates)} VAT rates, {len(methods)} payment methods"


def generate_records(run: DemoRun) -> str:
    options = run.options
    run.data = demo_data.generate(seed=options.seed, invoices=options.invoices, today=options.today)
    return f"{len(run.data.records):,} records from seed {options.seed}"


def feed_records(run: DemoRun) -> str:
    if run.company is None or run.data is None:
        raise RuntimeError("feed_records runs after prepare_company and generate_records")
    tick = run.progress("Storing records", len(run.data.records)) if run.progress else None
    with run.store.unit_of_work() as uow:
        run.report = ingest(uow, run.company.id, run.data.records, progress=tick)
        uow.commit()
    counts = run.report.counts
    return (
        f"{counts['created']:,} stored, {counts['rejected']:,} rejected,"
        f" {len(run.report.warnings):,} warnings to look at"
    )


def summarise_step(run: DemoRun) -> str:
    if run.company is None:
        raise RuntimeError("summarise runs after prepare_company")
    run.summary = summarise(run.store, run.company.slug)
    return f"{run.summary.total_records:,} records"


def _connectors(run: DemoRun) -> ConnectorFactory:
    if run.connectors is None:
        raise RuntimeError("the package steps of the demo need a connectors")
    return run.connectors


def _connection(run: DemoRun) -> Connection:
    if run.connection is None:
        raise RuntimeError("this step runs after connect")
    return run.connection


def connect_step(run: DemoRun) -> str:
    """A new sandbox business for each demo, so a rebuilt company never meets an earlier run's books."""
    connectors = _connectors(run)
    package = run.options.package
    if run.company is None or run.summary is None or package is None:
        raise RuntimeError("connect runs after the company is built")
    company, first_date = run.company, run.summary.first_date
    business = f"{company.name} {time.strftime('%Y-%m-%d %H:%M:%S')}"

    async def connect() -> Connection:
        await seed_business(connectors, package, business)
        return await connect_to_sandbox(connectors, company.id, package, business)

    connection = asyncio.run(connect())
    cut_off = mid_year(first_date) if first_date is not None else None
    run.connection = save_settings(
        connectors, company.id, connection.id, onboarding_path="new-package", cut_off_date=cut_off
    )
    scale = connectors.sandbox_time_scale(package)
    pace = f", its limits running {scale:g}x faster than real time" if scale != 1 else ""
    return (
        f"{connection.label} at {connectors.sandbox_base(package)}{pace}; cut-off date {cut_off or 'none'}, "
        "the company starting there mid-year"
    )


def map_step(run: DemoRun) -> str:
    connectors, connection = _connectors(run), _connection(run)
    nominals = Nominals(run.store, connection)

    async def read_lists() -> None:
        connector = connectors.connector(connection)
        try:
            await nominals.read_lists(connector)
        finally:
            await connector.aclose()

    asyncio.run(read_lists())
    accepted = nominals.accept_suggestions()
    # the demo plays the bookkeeper: it looks at each suggestion left to check and takes it
    confirmed = nominals.accept_suggestions(checked=True)
    # and allows what the package needs made before records can go (its items, say), as asked
    allowed = nominals.give_every_consent()
    run.connection = nominals.connection
    check = nominals.check()
    if not check.clean:
        problems = "; ".join(problem.message for problem in check.problems[:5])
        raise DemoStopped(f"the mapping check is not clean: {problems}")
    consented = "".join(f"; allowed: {item.consent.action.lower()}" for item in allowed)
    return (
        f"{accepted} sure mappings taken by Accept all, {confirmed} suggestions checked and taken "
        f"one by one{consented}; the check is clean"
    )


def mid_year(first: date) -> date:
    """The demo company moves to the package six months into its books: the first of that month."""
    month = first.month + 6
    return date(first.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def open_items_step(run: DemoRun) -> str:
    connection = _connection(run)
    run.open_items = open_items(run.store, connection.company_id)
    if not run.open_items:
        return "nothing dated before the cut-off was still open on it"
    owed = sum((item.open_amount for item in run.open_items), Decimal(0))
    found = f"{len(run.open_items):,} documents dated before the cut-off, £{owed:,.2f} still open on it"
    way = opening_items_way(connection)
    if way is not None:
        return f"{found}: each goes in as {way.how}"
    # a package that cannot take them from ledgerlink: the bookkeeper enters them there by hand
    settle_outside(run.store, connection.company_id, [item.source_id for item in run.open_items])
    return f"{found}: the package takes no opening items from ledgerlink, so they are marked settled outside"


def send_step(run: DemoRun) -> str:
    connectors, connection = _connectors(run), _connection(run)
    bars = run.progress
    advance: Progress | None = None
    last = 0

    def tick(done: int, total: int) -> None:
        nonlocal advance, last
        if bars is None:
            return
        if advance is None:
            advance = bars("Sending", total)
        advance(done - last)
        last = done

    run.sent = asyncio.run(dashboard.send_now(connectors, connection.company_id, progress=tick))
    run.status = dashboard.status(run.store, connection.company_id)
    run.open_items = open_items(run.store, connection.company_id)  # now with the package's copies
    sent = run.status.counts.get(EntryState.SENT, 0)
    unsent = sum(count for state, count in run.status.counts.items() if state is not EntryState.SENT)
    detail = f"{sent:,} sent in {run.sent.calls:,} calls"
    if run.sent.stopped:
        detail += f"; stopped: {run.sent.stopped}"
    return detail + (f"; {unsent:,} not sent (see `ledgerlink failures`)" if unsent else "; nothing left")


def reconcile_step(run: DemoRun) -> str:
    connectors, connection = _connectors(run), _connection(run)

    async def compare() -> ReconcileReport:
        connector = connectors.connector(connection)
        try:
            return await reconcile(run.store, connection, connector)
        finally:
            await connector.aclose()

    run.reconciled = asyncio.run(compare())
    if run.reconciled.clean:
        return f"{run.reconciled.checked:,} balances agree to the penny"
    return f"{len(run.reconciled.differences):,} of {run.reconciled.checked:,} balances differ"


def summarise(store: Store, company: str) -> Summary:
    """Counts, totals and balances for one company, from the store alone."""
    with store.unit_of_work() as uow:
        found = uow.companies.get(company)
        records = uow.records(found.id)
        kinds = tuple(records.summary())
        findings = records.findings_count()
        refunds = records.refunded()
    gross = {k.kind: k.gross for k in kinds}
    received = gross[RecordKind.CUSTOMER_PAYMENT] - refunds
    customers_owe = gross[RecordKind.INVOICE] - gross[RecordKind.CREDIT_NOTE] - received + refunds
    owed = (
        gross[RecordKind.SUPPLIER_INVOICE]
        - gross[RecordKind.SUPPLIER_CREDIT_NOTE]
        - gross[RecordKind.SUPPLIER_PAYMENT]
    )
    dates = [d for k in kinds for d in (k.first_date, k.last_date) if d is not None]
    return Summary(
        company=found.name,
        slug=found.slug,
        kinds=kinds,
        first_date=min(dates, default=None),
        last_date=max(dates, default=None),
        warnings=findings["warning"],
        errors=findings["error"],
        customers_owe=customers_owe,
        owed_to_suppliers=owed,
    )


def feed_demo_data(
    store: Store,
    company: str,
    *,
    seed: int,
    invoices: int,
    today: date | None = None,
    progress: Callable[[str, int], Progress] | None = None,
    part_invoices: int = 0,
) -> IngestReport:
    """Add a seed's demo books to a company (made if missing); the same seed again changes nothing.

    The books are made and stored a part at a time (`demo_data.generate_parts`), in one transaction,
    so 100,000 invoices never sit in memory whole and a failure stores nothing.
    """
    nominals, rates, methods = demo_data.reference_lists()
    parts = demo_data.generate_parts(seed=seed, invoices=invoices, today=today, part_invoices=part_invoices)
    if progress is not None:
        documents = invoices + demo_data.bills_for(invoices)
        parts = _advancing(parts, progress("Making and storing invoices and bills", documents))
    with store.unit_of_work() as uow:
        found = uow.companies.ensure(company)
        reference = uow.reference(found.id)
        reference.put_nominal_accounts(nominals)
        reference.put_vat_rates(rates)
        reference.put_payment_methods(methods)
        report = ingest_parts(uow, found.id, parts)
        uow.commit()
    return report


def _advancing(parts: Iterator[list[Record]], advance: Progress) -> Iterator[list[Record]]:
    """The parts, advancing the bar by a part's invoices and bills once the next part is asked for
    (that is, once the part has been stored)."""
    for part in parts:
        yield part
        advance(sum(1 for record in part if isinstance(record, Invoice | SupplierInvoice)))
