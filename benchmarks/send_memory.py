"""Memory: 200,000 invoices and their 20,000 customers sent in one run; the sender's peak memory.

Three processes, so that the figure is the sender's alone:

- the sandbox (Xero by default, every limit off), which keeps all it is sent in memory;
- this one, which builds the records a chunk at a time, feeds them into a SQLite store, connects the
  company to the sandbox and maps its nominals: all before anything is measured;
- the sender: a fresh interpreter that opens the store and runs one send (the outbox's 220,000 entries
  are made in it, then every record is sent). Its peak memory is the resident-set high-water mark the
  kernel kept for it (getrusage ru_maxrss), taken when the send is done; its resident set is also
  sampled at every tenth of the way, to tell a flat line from a climb.

    .venv/bin/python benchmarks/send_memory.py [--invoices 200000] [--customers 20000] [--package xero]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path
from typing import Any

from ledgerlink.domain.outbox import EntryState
from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.services.demo_data import reference_lists
from ledgerlink.services.records import ingest
from ledgerlink.services.runtime import Runtime
from ledgerlink.services.sending import Sender
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.store.connections import ConnectionRepository
from send_books import connect_company, sales_ledger
from send_sandbox import business_counts, sandbox_process, stats

SECRET = "benchmark-send-memory"
LIMIT_MB = 300.0
FEED_CHUNK = 10_000


def rss_mb() -> float:
    """The resident set now, from /proc (Linux)."""
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3  # kilobytes on Linux


# --- before measuring: the store, fed ----------------------------------------------------------


def feed(store: Store, invoices: int, customers: int) -> int:
    with store.unit_of_work() as uow:
        company = uow.companies.add("Memory Heating")
        nominals, rates, methods = reference_lists()
        reference = uow.reference(company.id)
        reference.put_nominal_accounts(nominals)
        reference.put_vat_rates(rates)
        reference.put_payment_methods(methods)
        uow.commit()
    records = sales_ledger(invoices, customers)
    while chunk := list(islice(records, FEED_CHUNK)):
        with store.unit_of_work() as uow:
            report = ingest(uow, company.id, chunk)
            uow.commit()
        if report.rejected:
            raise ValueError(f"{len(report.rejected)} records refused, e.g. {report.rejected[0].findings}")
    return company.id


# --- measured: the send, in a fresh process ----------------------------------------------------


def send_in_this_process(data_dir: Path, company_id: int) -> dict[str, Any]:
    baseline = rss_mb()
    settings = Settings(data_dir=data_dir, secret_key=SECRET)
    store = Store.from_settings(settings)
    runtime = Runtime.from_settings(store, settings, pacer_factory=lambda connection, entry: UnlimitedPacer())
    with store.unit_of_work() as uow:
        connection = ConnectionRepository(uow.session, company_id).current()
    assert connection is not None
    samples: list[tuple[int, float]] = []

    def progress(done: int, total: int) -> None:
        if not samples or done * 10 // max(total, 1) > samples[-1][0] * 10 // max(total, 1):
            samples.append((done, rss_mb()))

    async def send() -> Any:
        connector = runtime.connector(connection)
        try:
            return await Sender(store, connection=connection, connector=connector, progress=progress).run()
        finally:
            await connector.aclose()

    started = time.perf_counter()
    report = asyncio.run(send())
    seconds = time.perf_counter() - started
    return {
        "baseline_mb": baseline,
        "peak_mb": peak_rss_mb(),
        "samples": samples,
        "seconds": seconds,
        "sent": report.counts.get(EntryState.SENT, 0),
        "entries": sum(report.counts.values()),
        "calls": report.calls,
        "stopped": report.stopped,
        "business_id": connection.business_id,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--invoices", type=int, default=200_000)
    parser.add_argument("--customers", type=int, default=20_000)
    parser.add_argument("--package", choices=["sage", "xero"], default="xero")
    parser.add_argument("--send", default="", help=argparse.SUPPRESS)  # data dir: be the sender
    parser.add_argument("--company", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.send:
        print(json.dumps(send_in_this_process(Path(args.send), args.company)))
        return

    with (
        tempfile.TemporaryDirectory(prefix="ledgerlink-memory-") as folder,
        sandbox_process(args.package, limits=False) as url,
    ):
        data_dir = Path(folder)
        os.environ[f"LEDGERLINK_{args.package.upper()}_SANDBOX_URL"] = url
        settings = Settings(data_dir=data_dir, secret_key=SECRET)
        store = Store.from_settings(settings)
        started = time.perf_counter()
        company_id = feed(store, args.invoices, args.customers)
        runtime = Runtime.from_settings(
            store, settings, pacer_factory=lambda connection, entry: UnlimitedPacer()
        )
        connection = asyncio.run(connect_company(runtime, company_id, args.package, "Memory Heating Books"))
        store.close()
        fed = time.perf_counter() - started
        child = subprocess.run(
            [sys.executable, __file__, "--send", str(data_dir), "--company", str(company_id)],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
        calls = stats(url, connection.business_id).calls
        held = business_counts(url, connection.business_id)
    print(f"package            {args.package} sandbox in its own process, no limits")
    print(
        f"records            {args.invoices:,} invoices, {args.customers:,} customers (fed in {fed:.0f} s, before measuring)"
    )
    print(
        f"sent               {result['sent']:,} of {result['entries']:,} entries in {result['seconds']:.0f} s, {result['calls']:,} calls"
    )
    print(f"sandbox answered   {sum(calls.values()):,} calls in all, set-up's reads included")
    print(f"sandbox holds      {', '.join(f'{n:,} {name}' for name, n in sorted(held.items()) if n)}")
    print(f"sender RSS         {result['baseline_mb']:.0f} MB after start-up; at each tenth of the send:")
    print("                   " + ", ".join(f"{mb:.0f}" for _, mb in result["samples"]) + " MB")
    verdict = "under" if result["peak_mb"] < LIMIT_MB else "OVER"
    print(
        f"peak RSS           {result['peak_mb']:.0f} MB (ru_maxrss of the sender process), {verdict} {LIMIT_MB:.0f} MB"
    )
    if result["stopped"]:
        print(f"stopped            {result['stopped']}")


if __name__ == "__main__":
    main()
