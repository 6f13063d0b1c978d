"""Calls and time: a first send of a trades business's books to each package, at its real limits.

The books: 2,000 customers, 300 suppliers, 10,000 invoices, 1,000 credit notes (700 of them set against
their invoice), 8,000 customer payments, 3,000 supplier invoices and 2,500 supplier payments, built by
`send_books.py`; every record is valid and the whole reconciles.

Each package's sandbox runs in its own process on loopback with the package's published limits (Sage:
200 requests a minute per business, one record a call; Xero: 60 a minute, 5 at once and 5,000 a day per
organisation, 10,000 a minute per app, 50 records a call; QuickBooks Online: 500 requests a minute and
10 at once per company, of them 40 batch calls a minute, 30 operations a batch) with its windows run
faster than real time: `--sage-minute 2` makes Sage's minute last 2 seconds. The sender is told the
same limits and the same time scale; it runs in this process on SQLite. The default scales make Sage's
27,500 calls take about seven minutes (a minute lasts 3 s: 67 calls a second), Xero's 1,236 about two
(a minute lasts 6 s) and QuickBooks' 920 batch calls a little over one (a minute lasts 3 s).
At 67 calls a second the sender spends about 7 ms of CPU a Sage call (HTTP client, the outbox's one
transaction a call) and the sandbox about 2 ms: on a shared two-core machine a faster scale measures the
machine rather than the pacing.

The least number of calls is counted from the books, endpoint by endpoint:

- Sage takes one record a call and has no batch endpoint: a POST per customer, supplier, invoice, credit
  note, payment, supplier invoice and supplier payment, plus one POST /contact_allocations per credit
  note set against its invoice (a Sage credit note has no field naming the invoice it credits).
  Payments carry their allocations in the same POST, so they cost nothing more.
- Xero takes up to 50 elements a call: ceil(n / 50) for PUT /Contacts (customers and suppliers),
  PUT /Invoices (invoices and supplier invoices), PUT /CreditNotes and PUT /Payments (every payment
  settling documents; money left on account would be PUT /BankTransactions, none here), plus one
  PUT /CreditNotes/{id}/Allocations per credit note set against its invoice (the endpoint takes one
  credit note's allocations).
- QuickBooks creates everything through POST /batch, up to 30 operations a call, one kind of record to
  a batch (a batch item cannot use what another item of its batch creates): ceil(n / 30) for contacts
  (customers and suppliers), invoices, credit memos, credits applied to invoices (each a Payment of
  nothing linking both), customer payments, bills and bill payments. The service items invoice lines
  sell through (one per sales account, created with the user's consent) and the reads of the chart,
  VAT codes and items are not counted: they are the extra calls beside the least.

The floor on time is the least number of calls at the package's rate: least calls / limit a minute,
in scaled minutes; for QuickBooks the larger of that and the batch calls / 40 a minute. Prints the calls
made beside the least (aim: within 2%), the wall time of the send beside the floor (aim: within 15%),
the busiest minute (and, for QuickBooks, the busiest minute of batch calls), the 429s the sandbox
answered (aim: none) and the reconciliation.

    .venv/bin/python benchmarks/send_pace.py [--package sage|xero|quickbooks|both] [--scale 0.1]
        [--sage-minute 3.0] [--xero-minute 6.0] [--quickbooks-minute 3.0] [--timeline PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import CustomerPayment, RecordKind, SupplierPayment
from ledgerlink.packages.pacing import LocalPacer
from ledgerlink.packages.registry import get_package
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.sending.engine import Sender, SendReport
from ledgerlink.services.sending.reconcile import reconcile
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection
from send_books import Books, Sizes, build, connect_company, store_books
from send_sandbox import PER_MINUTE, Stats, sandbox_process, stats

SECRET = "benchmark-send-pace"
KIND_ENDPOINTS = {"batch": "POST /batch"}  # the endpoint of each kind of call a package limits on its own
BATCH = {"sage": 1, "xero": 50, "quickbooks": 30}


# --- the least number of calls, from the books -----------------------------------------------------


def least_calls(package: str, books: Books) -> dict[str, int]:
    """Each endpoint's least number of calls for these books (see the module's docstring)."""
    count = books.count
    allocated = books.allocated_credit_notes
    settling = sum(
        1 for r in books.records if isinstance(r, CustomerPayment | SupplierPayment) and r.allocations
    )
    on_account = sum(
        1
        for r in books.records
        if isinstance(r, CustomerPayment | SupplierPayment)
        and r.amount > sum(allocation.amount for allocation in r.allocations)
    )
    if package == "quickbooks":

        def batches(n: int) -> int:
            return math.ceil(n / BATCH["quickbooks"])

        least = {
            "POST /batch": sum(
                batches(n)
                for n in (
                    count(RecordKind.CUSTOMER) + count(RecordKind.SUPPLIER),
                    count(RecordKind.INVOICE),
                    count(RecordKind.CREDIT_NOTE),
                    allocated,
                    count(RecordKind.CUSTOMER_PAYMENT),
                    count(RecordKind.SUPPLIER_INVOICE),
                    count(RecordKind.SUPPLIER_PAYMENT),
                )
            )
        }
    elif package == "sage":
        least = {
            "POST /contacts": count(RecordKind.CUSTOMER) + count(RecordKind.SUPPLIER),
            "POST /sales_invoices": count(RecordKind.INVOICE),
            "POST /sales_credit_notes": count(RecordKind.CREDIT_NOTE),
            "POST /contact_allocations": allocated,
            "POST /contact_payments": count(RecordKind.CUSTOMER_PAYMENT) + count(RecordKind.SUPPLIER_PAYMENT),
            "POST /purchase_invoices": count(RecordKind.SUPPLIER_INVOICE),
        }
    else:

        def calls(n: int) -> int:
            return math.ceil(n / BATCH["xero"])

        least = {
            "PUT /Contacts": calls(count(RecordKind.CUSTOMER) + count(RecordKind.SUPPLIER)),
            "PUT /Invoices": calls(count(RecordKind.INVOICE) + count(RecordKind.SUPPLIER_INVOICE)),
            "PUT /CreditNotes": calls(count(RecordKind.CREDIT_NOTE)),
            "PUT /CreditNotes/{id}/Allocations": allocated,
            "PUT /Payments": calls(settling),
            "PUT /BankTransactions": calls(on_account),
        }
    return {endpoint: n for endpoint, n in least.items() if n}


# --- one send --------------------------------------------------------------------------------------


@dataclass
class Result:
    package: str
    time_scale: float
    entries: int
    sent: int
    unsent: str
    engine_calls: int
    calls: Counter[str]
    refused: int
    busiest: int
    busiest_kinds: dict[str, int]
    least: dict[str, int]
    seconds: float
    sender_cpu: float
    sandbox_cpu: float
    reconciled: str

    @property
    def kinds(self) -> dict[str, tuple[str, int]]:
        """Each kind of call the package limits on its own: its endpoint and its limit a minute."""
        own = get_package(self.package).limits.calls_per_minute
        return {kind: (KIND_ENDPOINTS[kind], limit) for kind, limit in own.items()}

    @property
    def floor(self) -> float:
        """Seconds the least number of calls takes at the package's limits, in scaled minutes."""
        minutes = [sum(self.least.values()) / PER_MINUTE[self.package]]
        minutes += [self.least.get(endpoint, 0) / limit for endpoint, limit in self.kinds.values()]
        return max(minutes) * 60.0 / self.time_scale


@dataclass
class Sent:
    report: SendReport
    seconds: float
    cpu: float
    before: Stats
    after: Stats
    reconciled: str


async def send_and_reconcile(connectors: ConnectorFactory, connection: Connection, url: str) -> Sent:
    connector = connectors.connector(connection)
    try:
        sender = Sender(connectors.store, connection=connection, connector=connector)
        before = stats(url, connection.business_id)
        started, cpu = time.perf_counter(), time.process_time()
        report = await sender.run()
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        after = stats(url, connection.business_id)
        result = await reconcile(connectors.store, connection, connector)
    finally:
        await connector.aclose()
    verdict = (
        f"clean: {result.checked:,} customers and suppliers agree to the penny"
        if result.clean
        else f"{len(result.differences)} of {result.checked:,} parties differ, e.g. {result.differences[:2]}"
    )
    return Sent(report, seconds, cpu, before, after, verdict)


def run_package(package: str, books: Books, minute_seconds: float, tmp: Path, timeline: str = "") -> Result:
    time_scale = 60.0 / minute_seconds
    with sandbox_process(package, time_scale=time_scale) as url:
        os.environ[f"LEDGERLINK_{package.upper()}_SANDBOX_URL"] = url
        settings = Settings(data_dir=tmp / package, secret_key=SECRET, sandbox_time_scale=time_scale)
        store = Store.from_settings(settings)

        def pacer(connection: Connection, entry: Any) -> LocalPacer:
            limits = replace(entry.connector.limits, requests_per_minute=PER_MINUTE[package])
            return LocalPacer(limits, time_scale=time_scale)

        connectors = ConnectorFactory.from_settings(store, settings, pacer_factory=pacer)
        company_id = store_books(store, books, f"Pace {package.title()} Heating")
        connection = asyncio.run(
            connect_company(connectors, company_id, package, f"Pace {package.title()} Books")
        )
        time.sleep(minute_seconds * 1.1)  # the set-up's reads leave the sandbox's window before the send
        sent = asyncio.run(send_and_reconcile(connectors, connection, url))
        store.close()
    before, after = sent.before, sent.after
    if timeline:  # when each answered call of the send arrived, seconds from the first
        times = sorted(t for t in after.times if t > max(before.times, default=0.0))
        Path(f"{timeline}-{package}.txt").write_text("".join(f"{t - times[0]:.4f}\n" for t in times))
    return Result(
        package=package,
        time_scale=time_scale,
        entries=sum(sent.report.counts.values()),
        sent=sent.report.counts.get(EntryState.SENT, 0),
        unsent=", ".join(
            [
                f"{n:,} {state.label}"
                for state, n in sent.report.counts.items()
                if n and state is not EntryState.SENT
            ]
            + ([f"stopped: {sent.report.stopped}"] if sent.report.stopped else [])
        ),
        engine_calls=sent.report.calls,
        calls=after.calls - before.calls,
        refused=after.refused - before.refused,
        busiest=after.busiest(minute_seconds, since=max(before.times, default=0.0)),
        busiest_kinds={
            endpoint: after.busiest(minute_seconds, since=max(before.times, default=0.0), endpoint=endpoint)
            for endpoint in KIND_ENDPOINTS.values()
        },
        least=least_calls(package, books),
        seconds=sent.seconds,
        sender_cpu=sent.cpu,
        sandbox_cpu=after.cpu - before.cpu,
        reconciled=sent.reconciled,
    )


def show(result: Result, books: Books, minute_seconds: float) -> None:
    made, least = sum(result.calls.values()), sum(result.least.values())
    limits = {
        "sage": "200 a minute per business, one record a call",
        "xero": "60 a minute, 5 at once, 5,000 a day per organisation; 50 records a call",
        "quickbooks": "500 a minute, 10 at once, 40 batch calls a minute per company; 30 operations a batch",
    }[result.package]
    print(
        f"--- {result.package}: {limits}; a minute lasts {minute_seconds:g} s (time scale {result.time_scale:g})"
    )
    print(
        f"records            {len(books.records):,}; outbox entries {result.entries:,}, sent {result.sent:,}"
    )
    if result.unsent:
        print(f"not sent           {result.unsent}")
    print(f"calls              {made:,} made, least possible {least:,} ({(made - least) / least:+.1%})")
    for endpoint in sorted(set(result.least) | set(result.calls)):
        print(
            f"  {endpoint:<34} {result.calls.get(endpoint, 0):>7,}   least {result.least.get(endpoint, 0):>7,}"
        )
    print(
        f"wall time          {result.seconds:.1f} s, floor {result.floor:.1f} s "
        f"({(result.seconds - result.floor) / result.floor:+.1%})"
    )
    print(f"busiest minute     {result.busiest} calls answered (limit {PER_MINUTE[result.package]})")
    for endpoint, limit in result.kinds.values():
        print(f"  {endpoint:<17}{result.busiest_kinds.get(endpoint, 0)} answered (limit {limit})")
    print(f"429s received      {result.refused}")
    print(f"CPU                sender {result.sender_cpu:.0f} s, sandbox {result.sandbox_cpu:.0f} s")
    print(f"reconcile          {result.reconciled}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--package", choices=["sage", "xero", "quickbooks", "both"], default="both")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full books")
    parser.add_argument("--sage-minute", type=float, default=3.0, help="seconds a Sage minute lasts")
    parser.add_argument("--xero-minute", type=float, default=6.0, help="seconds a Xero minute lasts")
    parser.add_argument(
        "--quickbooks-minute", type=float, default=3.0, help="seconds a QuickBooks minute lasts"
    )
    parser.add_argument("--timeline", default="", help="write each call's arrival time to PATH-<package>.txt")
    args = parser.parse_args()
    sizes = Sizes() if args.scale == 1.0 else Sizes().scaled(args.scale)
    books = build(sizes)
    packages = ["sage", "xero"] if args.package == "both" else [args.package]
    minutes = {"sage": args.sage_minute, "xero": args.xero_minute, "quickbooks": args.quickbooks_minute}
    print(f"books              {sizes}")
    print(f"machine            {os.cpu_count()} cores, load average {load()} at the start")
    with tempfile.TemporaryDirectory(prefix="ledgerlink-pace-") as folder:
        for package in packages:
            result = run_package(package, books, minutes[package], Path(folder), args.timeline)
            show(result, books, minutes[package])
    print(f"machine            load average {load()} at the end")


def load() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg()) + " (1, 5, 15 min)"


if __name__ == "__main__":
    main()
