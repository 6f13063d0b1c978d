"""Faults: the sender as its own process, killed at random moments, against a misbehaving sandbox.

The sandbox answers 10% of requests with 500, drops 5% of replies after storing the record, and bursts
429s; the sender (`ledgerlink send`, a separate process) is SIGKILLed at random moments and started
again, until everything is sent. Then the sandbox is counted: duplicates and missing records must both
be zero. Prints its figures; `tests/e2e/test_send_faults.py` runs a shorter version in the suite.

    .venv/bin/python benchmarks/send_faults.py --package sage --kills 60 --invoices 400
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
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from ledgerlink.domain.outbox import EntryState, Step
from ledgerlink.domain.records import RecordKind
from ledgerlink.sandbox.kit.server import BackgroundServer
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
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.store.connection_tables import OutboxAttemptRow
from ledgerlink.store.outbox import OutboxRepository

SECRET = "fault-trial-secret"


def _apps(package: str, time_scale: float) -> Any:
    if package == "sage":
        return sage_app(SageSandboxConfig(rate_limit_per_minute=None, fault_seed=7, time_scale=time_scale))
    return xero_app(
        XeroSandboxConfig(
            minute_limit=None,
            day_limit=None,
            concurrency=None,
            app_minute_limit=None,
            fault_seed=7,
            time_scale=time_scale,
        )
    )


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
}


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


async def _prepare(store: Store, runtime: Runtime, package: str, invoices: int, customers: int) -> int:
    demo = generate(seed=3, invoices=invoices, customers=customers, today=date(2026, 11, 1))
    with store.unit_of_work() as uow:
        company = uow.companies.add("Fault Trial Heating", slug="fault-trial")
        reference = uow.reference(company.id)
        reference.put_nominal_accounts(demo.nominal_accounts)
        reference.put_vat_rates(demo.vat_rates)
        reference.put_payment_methods(demo.payment_methods)
        ingest(uow, company.id, demo.records)
        uow.commit()
    await seed_business(runtime, package, "Fault Trial Books")
    connection = await connect_to_sandbox(runtime, company.id, package, "Fault Trial Books")
    connection = save_settings(runtime, company.id, connection.id, cut_off_date=date(2020, 1, 1))
    connector = runtime.connector(connection)
    try:
        nominals = Nominals(store, connection)
        await nominals.read_lists(connector)
        nominals.accept_suggestions()
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
) -> TrialResult:
    """Kill each sender run once it has begun sending, after a random time up to `max_gap` seconds or a
    random number of attempts up to `most_attempts`, whichever comes first, so the kills land all
    through the send however fast it goes. `time_scale` runs the sandbox (and so the sender's pacing)
    faster than real time."""
    started = time.monotonic()
    folder = workdir or Path(tempfile.mkdtemp(prefix="ledgerlink-faults-"))
    app = _apps(package, time_scale)
    with BackgroundServer(app) as server:
        env = {
            **os.environ,
            "LEDGERLINK_DATA_DIR": str(folder),
            "LEDGERLINK_SECRET_KEY": SECRET,
            f"LEDGERLINK_{package.upper()}_SANDBOX_URL": server.url,
        }
        url_variable = f"LEDGERLINK_{package.upper()}_SANDBOX_URL"
        earlier_url = os.environ.get(url_variable)
        os.environ[url_variable] = server.url  # this process seeds and connects through it too
        settings = Settings(data_dir=folder, secret_key=SECRET)
        store = Store.from_settings(settings)
        runtime = Runtime.from_settings(store, settings)
        company_id = asyncio.run(_prepare(store, runtime, package, invoices, customers))
        httpx.post(
            f"{server.url}/_sandbox/faults",
            json={
                "error_rate": error_rate,
                "drop_after_store_rate": drop_rate,
                "rate_limit_rate": 0.02,
                "retry_after": 0.2,
                "latency_ms": latency_ms,
            },
        ).raise_for_status()
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
        state = httpx.get(f"{server.url}/_sandbox/state").json()
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
    counts: Counter[str] = Counter()
    for entry in entries:
        resource = RESOURCES[package].get((entry.kind, entry.step))
        if resource is not None:
            counts[resource] += 1
    return dict(counts), len(entries)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--package", choices=["sage", "xero"], default="sage")
    parser.add_argument("--kills", type=int, default=60)
    parser.add_argument("--invoices", type=int, default=400)
    parser.add_argument("--customers", type=int, default=80)
    parser.add_argument("--time-scale", type=float, default=1.0, help="run the sandbox's clock faster")
    args = parser.parse_args()
    result = run_trial(
        args.package,
        kills=args.kills,
        invoices=args.invoices,
        customers=args.customers,
        time_scale=args.time_scale,
    )
    print(f"package            {result.package}")
    print(f"outbox entries     {result.entries:,}")
    print(
        f"sender kills       {result.kills} (SIGKILL at a random moment once each run began sending),"
        f" sender runs {result.runs}"
    )
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
