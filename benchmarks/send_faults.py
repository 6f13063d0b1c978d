"""Faults: the sender as its own process, killed at random moments, against a misbehaving sandbox.

The sandbox answers 10% of requests with 500, drops 5% of replies after storing the record, and bursts
429s; the sender (`ledgerlink send`, a separate process) is SIGKILLed at random moments and started
again, until everything is sent. Then the sandbox is counted: duplicates and missing records must both
be zero. Prints its figures; `tests/e2e/test_send_faults.py` runs a shorter version in the suite.

    .venv/bin/python benchmarks/send_faults.py --package sage --kills 60 --invoices 400
    .venv/bin/python benchmarks/send_faults.py --package sage --sage-ignores-idempotency --time-scale 10
    .venv/bin/python benchmarks/send_faults.py --package sage --postgres postgresql+psycopg://postgres@127.0.0.1:5432/test
    LEDGERLINK_TRYTON_PYTHON=... .venv/bin/python benchmarks/send_faults.py --package tryton --kills-only \
        --kills 15 --invoices 30 --customers 8

Tryton's sandbox is a real `trytond` per business (LEDGERLINK_TRYTON_PYTHON names a python that has it);
its counts are read from Tryton's own books. Its door can inject the same faults before a call reaches
Tryton (a 429 becomes a 503: Tryton has none) and drop a reply after Tryton has committed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from ledgerlink.domain.outbox import EntryState, Step
from ledgerlink.domain.records import CustomerPayment, RecordKind
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit.server import BackgroundServer
from ledgerlink.services.demo.books import generate
from ledgerlink.services.demo.sandbox_session import connect_to_sandbox, seed_business
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.store.connection_tables import OutboxAttemptRow
from ledgerlink.store.outbox import OutboxRepository

SECRET = "fault-trial-secret"


def _apps(package: str, time_scale: float, ignore_idempotency: bool) -> Any:
    # Only Sage's sandbox can ignore its key: Sage's `idempotency_id` is unpublished, Xero's is documented.
    extra = {"ignore_idempotency_id": True} if ignore_idempotency else {}
    return sandbox_app(package, limits=False, fault_seed=7, time_scale=time_scale, **extra)


# What each kind of outbox step becomes in each sandbox's own counts.
RESOURCES: dict[str, dict[tuple[RecordKind, Step], str]] = {
    "sage": {
        (RecordKind.CUSTOMER, Step.CREATE): "contacts",
        (RecordKind.SUPPLIER, Step.CREATE): "contacts",
        (RecordKind.INVOICE, Step.CREATE): "sales_invoices",
        (RecordKind.CREDIT_NOTE, Step.CREATE): "sales_credit_notes",
        (RecordKind.CREDIT_NOTE, Step.ALLOCATE): "contact_allocations",
        (RecordKind.SUPPLIER_INVOICE, Step.CREATE): "purchase_invoices",
        (RecordKind.CUSTOMER_PAYMENT, Step.CREATE): "contact_payments",
        (RecordKind.SUPPLIER_PAYMENT, Step.CREATE): "contact_payments",
    },
    "xero": {
        (RecordKind.CUSTOMER, Step.CREATE): "contacts",
        (RecordKind.SUPPLIER, Step.CREATE): "contacts",
        (RecordKind.INVOICE, Step.CREATE): "invoices",
        (RecordKind.SUPPLIER_INVOICE, Step.CREATE): "invoices",
        (RecordKind.CREDIT_NOTE, Step.CREATE): "credit_notes",
        (RecordKind.CREDIT_NOTE, Step.ALLOCATE): "allocations",
    },
    # Tryton is a real engine in its own processes: its counts are read from its own books.
    "tryton": {
        (RecordKind.CUSTOMER, Step.CREATE): "parties",
        (RecordKind.SUPPLIER, Step.CREATE): "parties",
        (RecordKind.INVOICE, Step.CREATE): "sales_documents",
        (RecordKind.CREDIT_NOTE, Step.CREATE): "sales_documents",
        (RecordKind.SUPPLIER_INVOICE, Step.CREATE): "purchase_documents",
        (RecordKind.SUPPLIER_CREDIT_NOTE, Step.CREATE): "purchase_documents",
        (RecordKind.CUSTOMER_PAYMENT, Step.CREATE): "payments",
        (RecordKind.SUPPLIER_PAYMENT, Step.CREATE): "payments",
        (RecordKind.CREDIT_NOTE, Step.ALLOCATE): "allocations",
        (RecordKind.SUPPLIER_CREDIT_NOTE, Step.ALLOCATE): "allocations",
    },
    "quickbooks": {
        (RecordKind.CUSTOMER, Step.CREATE): "Customer",
        (RecordKind.SUPPLIER, Step.CREATE): "Vendor",
        (RecordKind.INVOICE, Step.CREATE): "Invoice",
        (RecordKind.CREDIT_NOTE, Step.CREATE): "CreditMemo",
        (RecordKind.SUPPLIER_INVOICE, Step.CREATE): "Bill",
        (RecordKind.CUSTOMER_PAYMENT, Step.CREATE): "Payment",
        (RecordKind.CREDIT_NOTE, Step.ALLOCATE): "Payment",  # a payment of nothing linking both
        (RecordKind.SUPPLIER_PAYMENT, Step.CREATE): "BillPayment",
    },
}
# What a refund to a customer becomes where it is not counted as the package's payments: QuickBooks
# pays one back as a cheque (a Purchase) linked to the credit it refunds.
REFUNDS: dict[str, str] = {"quickbooks": "Purchase"}


@dataclass
class TrialResult:
    package: str
    kills: int
    runs: int
    seconds: float
    entries: int
    expected: dict[str, int]
    found: dict[str, int]
    unsent: list[str] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        return sum(max(self.found.get(name, 0) - count, 0) for name, count in self.expected.items())

    @property
    def missing(self) -> int:
        return sum(max(count - self.found.get(name, 0), 0) for name, count in self.expected.items()) + len(
            self.unsent
        )


async def _prepare(
    store: Store, connectors: ConnectorFactory, package: str, invoices: int, customers: int
) -> int:
    demo = generate(seed=3, invoices=invoices, customers=customers, today=date(2026, 11, 1))
    with store.unit_of_work() as uow:
        company = uow.companies.add("Fault Trial Heating", slug="fault-trial")
        reference = uow.reference(company.id)
        reference.put_nominal_accounts(demo.nominal_accounts)
        reference.put_vat_rates(demo.vat_rates)
        reference.put_payment_methods(demo.payment_methods)
        ingest(uow, company.id, demo.records)
        uow.commit()
    await seed_business(connectors, package, "Fault Trial Books")
    connection = await connect_to_sandbox(connectors, company.id, package, "Fault Trial Books")
    connection = save_settings(connectors, company.id, connection.id, cut_off_date=date(2020, 1, 1))
    connector = connectors.connector(connection)
    try:
        nominals = Nominals(store, connection)
        await nominals.read_lists(connector)
        nominals.accept_suggestions(checked=True)
        nominals.give_every_consent()  # what the package needs made, as QuickBooks' items, is allowed
    finally:
        await connector.aclose()
    return company.id


def _sender(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "ledgerlink", "send", "--company", "fault-trial", "--json"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def run_trial(
    package: str = "sage",
    *,
    kills: int = 30,
    invoices: int = 200,
    customers: int = 40,
    error_rate: float = 0.10,
    drop_rate: float = 0.05,
    latency_ms: int = 15,
    workdir: Path | None = None,
    seed: int = 1,
    max_gap: float = 1.5,
    most_attempts: int = 40,
    time_scale: float = 1.0,
    ignore_idempotency: bool = False,
    faults: bool = True,
    database_url: str = "",
) -> TrialResult:
    """Kill each sender run once it has begun sending, after a random time up to `max_gap` seconds or a
    random number of attempts up to `most_attempts`, whichever comes first, so the kills land all
    through the send however fast it goes. `time_scale` runs the sandbox (and so the sender's pacing)
    faster than real time; `ignore_idempotency` makes Sage's sandbox ignore `idempotency_id`; without
    `faults` the sandbox answers every call as it should, and the kills are the only trouble. The
    store is SQLite in the work folder, or the database at `database_url`."""
    started = time.monotonic()
    folder = workdir or Path(tempfile.mkdtemp(prefix="ledgerlink-faults-"))
    if ignore_idempotency and package != "sage":
        raise ValueError("only the Sage sandbox can ignore its idempotency key")
    app = _apps(package, time_scale, ignore_idempotency)
    with BackgroundServer(app) as server:
        env = {
            **os.environ,
            "LEDGERLINK_DATA_DIR": str(folder),
            "LEDGERLINK_SECRET_KEY": SECRET,
            f"LEDGERLINK_{package.upper()}_SANDBOX_URL": server.url,
            **({"LEDGERLINK_DATABASE_URL": database_url} if database_url else {}),
        }
        url_variable = f"LEDGERLINK_{package.upper()}_SANDBOX_URL"
        earlier_url = os.environ.get(url_variable)
        os.environ[url_variable] = server.url  # this process seeds and connects through it too
        settings = Settings(data_dir=folder, secret_key=SECRET, database_url=database_url)
        store = Store.from_settings(settings)
        connectors = ConnectorFactory.from_settings(store, settings)
        company_id = asyncio.run(_prepare(store, connectors, package, invoices, customers))
        injected = {
            "error_rate": error_rate,
            "drop_after_store_rate": drop_rate,
            "rate_limit_rate": 0.02,
            "retry_after": 0.2,
            "latency_ms": latency_ms,
        }
        httpx.post(f"{server.url}/_sandbox/faults", json=injected if faults else {}).raise_for_status()
        dice = random.Random(seed)
        log = folder / "senders.log"
        killed = runs = 0
        while killed < kills:
            process = _sender(env, log)
            runs += 1
            # A kill during start-up proves little: wait until this sender has begun to send, then
            # kill it at a random moment of its work.
            if _started_sending(store, process, _attempts(store)):
                _wait_a_little(store, process, dice.uniform(0.0, max_gap), dice.randint(1, most_attempts))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait()
                killed += 1
            elif not _unsent(store, company_id):
                break  # everything went before it could be killed again
        for _ in range(40):  # then let it finish, faults still on
            process = _sender(env, log)
            runs += 1
            process.wait()
            if not _unsent(store, company_id):
                break
        httpx.post(f"{server.url}/_sandbox/faults", json={}).raise_for_status()
        state = httpx.get(f"{server.url}/_sandbox/state", timeout=60).json()
        httpx.post(
            f"{server.url}/_sandbox/reset", timeout=60
        ).raise_for_status()  # a real engine's servers end
        if earlier_url is None:
            del os.environ[url_variable]
        else:
            os.environ[url_variable] = earlier_url
    found_all = next(b for b in state["businesses"] if b["name"] == "Fault Trial Books")["counts"]
    expected, entries = _expected(store, company_id, package)
    found = {name: int(found_all.get(name, 0)) for name in expected}
    unsent = _unsent(store, company_id)
    store.close()
    return TrialResult(package, killed, runs, time.monotonic() - started, entries, expected, found, unsent)


def _attempts(store: Store) -> int:
    with store.unit_of_work() as uow:
        return int(uow.session.execute(select(func.count()).select_from(OutboxAttemptRow)).scalar_one())


def _started_sending(store: Store, process: subprocess.Popen[bytes], before: int) -> bool:
    """Wait until the sender records an attempt (or ends); answers whether it began sending."""
    while process.poll() is None:
        if _attempts(store) > before:
            return True
        time.sleep(0.05)
    return False


def _wait_a_little(store: Store, process: subprocess.Popen[bytes], seconds: float, attempts: int) -> None:
    """Until `seconds` have passed, `attempts` more are recorded, or the sender ends."""
    deadline, goal = time.monotonic() + seconds, _attempts(store) + attempts
    while process.poll() is None and time.monotonic() < deadline and _attempts(store) < goal:
        time.sleep(0.02)


def _unsent(store: Store, company_id: int) -> list[str]:
    with store.unit_of_work() as uow:
        from ledgerlink.store.connections import ConnectionRepository

        connection = ConnectionRepository(uow.session, company_id).current()
        assert connection is not None
        entries = OutboxRepository(uow.session, connection.id, company_id).in_states(
            [state for state in EntryState if state is not EntryState.SENT]
        )
    return [f"{entry.label}: {entry.state.label} {entry.reason or entry.blocked_by}" for entry in entries]


def _expected(store: Store, company_id: int, package: str) -> tuple[dict[str, int], int]:
    with store.unit_of_work() as uow:
        from ledgerlink.store.connections import ConnectionRepository

        connection = ConnectionRepository(uow.session, company_id).current()
        assert connection is not None
        entries = OutboxRepository(uow.session, connection.id, company_id).in_states(list(EntryState))
        payments = uow.records(company_id).load(
            (entry.kind, entry.source_id) for entry in entries if entry.kind is RecordKind.CUSTOMER_PAYMENT
        )
        refunds = {
            stored.source_id
            for stored in payments
            if isinstance(stored.record, CustomerPayment) and stored.record.is_refund
        }
    counts: Counter[str] = Counter()
    for entry in entries:
        resource = RESOURCES[package].get((entry.kind, entry.step))
        if package in REFUNDS and entry.kind is RecordKind.CUSTOMER_PAYMENT and entry.source_id in refunds:
            resource = REFUNDS[package]
        if resource is not None:
            counts[resource] += 1
    return dict(counts), len(entries)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--package", choices=["sage", "xero", "quickbooks", "tryton"], default="sage")
    parser.add_argument("--kills", type=int, default=60)
    parser.add_argument("--invoices", type=int, default=400)
    parser.add_argument("--customers", type=int, default=80)
    parser.add_argument("--time-scale", type=float, default=1.0, help="run the sandbox's clock faster")
    parser.add_argument(
        "--sage-ignores-idempotency",
        action="store_true",
        help="the Sage sandbox ignores idempotency_id, so only look-ups by natural key keep each record once",
    )
    parser.add_argument(
        "--kills-only",
        action="store_true",
        help="no injected faults: the sender's kills are the only trouble (Tryton's own test)",
    )
    parser.add_argument(
        "--postgres", default="", help="keep the store on this PostgreSQL server (a database is made)"
    )
    args = parser.parse_args()
    if args.sage_ignores_idempotency and args.package != "sage":
        parser.error("--sage-ignores-idempotency needs --package sage")
    from scratch_database import scratch_database  # beside this script; only its own run needs it

    with scratch_database(args.postgres, label="faults") if args.postgres else nullcontext("") as url:
        result = run_trial(
            args.package,
            kills=args.kills,
            invoices=args.invoices,
            customers=args.customers,
            time_scale=args.time_scale,
            ignore_idempotency=args.sage_ignores_idempotency,
            faults=not args.kills_only,
            database_url=url,
        )
    print(f"package            {result.package}")
    print(f"store              {'PostgreSQL' if args.postgres else 'SQLite'}")
    if args.sage_ignores_idempotency:
        print("idempotency keys   ignored by the sandbox (a repeated create makes a second record)")
    print(f"outbox entries     {result.entries:,}")
    print(
        f"sender kills       {result.kills} (SIGKILL at a random moment once each run began sending),"
        f" sender runs {result.runs}"
    )
    if args.kills_only:
        print("faults             none injected: kills only")
    else:
        print("faults             10% 500s, 5% replies dropped after storing, 2% 429s")
    for name, count in sorted(result.expected.items()):
        print(f"  {name:<22} expected {count:>6,}  in the sandbox {result.found.get(name, 0):>6,}")
    print(f"duplicates         {result.duplicates}")
    print(f"missing            {result.missing}")
    print(f"wall time          {result.seconds:.1f} s")
    if result.unsent:
        print("not sent:", *result.unsent[:10], sep="\n  ")


if __name__ == "__main__":
    main()
