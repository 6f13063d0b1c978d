"""Memory: 200,000 invoices and their 20,000 customers sent in one run; the sender's peak memory.

Three processes, so that the figure is the sender's alone:

- the sandbox (Xero by default, every limit off), which keeps all it is sent in memory;
- this one, which builds the records a chunk at a time, feeds them into a SQLite store, connects the
  company to the sandbox and maps its nominals: all before anything is measured;
- the sender: a fresh interpreter, started before the feeding (a process's ru_maxrss counts its parent's
  peak at the moment it was started), that waits for the store to be fed, opens it and runs one send
  (the outbox's 220,000 entries are made in it, then every record is sent). Its peak memory is the
  resident-set high-water mark the kernel kept for it (getrusage ru_maxrss; /proc's VmHWM beside it),
  taken when the send is done; its resident set is also sampled every 50 ms and at every tenth of the
  way, to tell a flat line from a climb.

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
import threading
import time
from itertools import islice
from pathlib import Path
from typing import Any

from ledgerlink.cli.collector import settle_collector
from ledgerlink.domain.outbox import EntryState
from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.services.demo.books import reference_lists
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.sending.engine import Sender
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
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6  # KiB on Linux


def high_water_mb() -> float:
    """The kernel's peak resident set of this process image (VmHWM), which leaves out its parent's."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) * 1024 / 1e6


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
    settle_collector()  # as `ledgerlink` does once started
    baseline = rss_mb()
    phase = ["opening the store"]  # then making the outbox, then sending from the first batch recorded
    peaks: dict[str, float] = {}
    sampling = threading.Event()

    def sample() -> None:  # the resident set every 50 ms, highest by phase
        while not sampling.wait(0.05):
            peaks[phase[0]] = max(peaks.get(phase[0], 0.0), rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    settings = Settings(data_dir=data_dir, secret_key=SECRET)
    store = Store.from_settings(settings)
    connectors = ConnectorFactory.from_settings(
        store, settings, pacer_factory=lambda connection, entry: UnlimitedPacer()
    )
    with store.unit_of_work() as uow:
        connection = ConnectionRepository(uow.session, company_id).current()
    assert connection is not None
    samples: list[tuple[int, float]] = []

    def progress(done: int, total: int) -> None:
        phase[0] = "sending"
        if not samples or done * 10 // max(total, 1) > samples[-1][0] * 10 // max(total, 1):
            samples.append((done, rss_mb()))

    async def send() -> Any:
        connector = connectors.connector(connection)
        try:
            return await Sender(store, connection=connection, connector=connector, progress=progress).run()
        finally:
            await connector.aclose()

    phase[0] = "making the outbox"
    started = time.perf_counter()
    report = asyncio.run(send())
    seconds = time.perf_counter() - started
    phase[0] = "after the send"
    time.sleep(0.1)
    sampling.set()
    sampler.join()
    return {
        "baseline_mb": baseline,
        "peak_mb": peak_rss_mb(),
        "hwm_mb": high_water_mb(),
        "samples": samples,
        "peaks": peaks,
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
    args = parser.parse_args()
    if args.send:
        company_id = int(sys.stdin.readline())  # once the store is fed
        print(json.dumps(send_in_this_process(Path(args.send), company_id)))
        return

    with (
        tempfile.TemporaryDirectory(prefix="ledgerlink-memory-") as folder,
        sandbox_process(args.package, limits=False) as url,
    ):
        data_dir = Path(folder)
        os.environ[f"LEDGERLINK_{args.package.upper()}_SANDBOX_URL"] = url
        # The sender starts now, while this process is small: a process's peak memory counts its
        # parent's at the moment it was started, and this one is about to hold 200,000 records.
        sender = subprocess.Popen(
            [sys.executable, __file__, "--send", str(data_dir)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        settings = Settings(data_dir=data_dir, secret_key=SECRET)
        store = Store.from_settings(settings)
        started = time.perf_counter()
        company_id = feed(store, args.invoices, args.customers)
        connectors = ConnectorFactory.from_settings(
            store, settings, pacer_factory=lambda connection, entry: UnlimitedPacer()
        )
        connection = asyncio.run(
            connect_company(connectors, company_id, args.package, "Memory Heating Books")
        )
        store.close()
        fed = time.perf_counter() - started
        output, _ = sender.communicate(f"{company_id}\n")
        if sender.returncode:
            raise RuntimeError(f"the sender failed ({sender.returncode})")
        result = json.loads(output.strip().splitlines()[-1])
        calls = stats(url, connection.business_id).calls
        held = business_counts(url, connection.business_id)
    print(f"package            {args.package} sandbox in its own process, no limits")
    print(
        f"records            {args.invoices:,} invoices, {args.customers:,} customers "
        f"(fed in {fed:.0f} s, before measuring)"
    )
    print(
        f"sent               {result['sent']:,} of {result['entries']:,} entries in {result['seconds']:.0f} s, "
        f"{result['calls']:,} calls"
    )
    print(f"sandbox answered   {sum(calls.values()):,} calls in all, set-up's reads included")
    print(f"sandbox holds      {', '.join(f'{n:,} {name}' for name, n in sorted(held.items()) if n)}")
    print(f"sender RSS         {result['baseline_mb']:.0f} MB after start-up; at each tenth of the send:")
    print("                   " + ", ".join(f"{mb:.0f}" for _, mb in result["samples"]) + " MB")
    print(
        "highest sampled    "
        + ", ".join(f"{mb:.0f} MB {name}" for name, mb in result["peaks"].items())
        + " (every 50 ms)"
    )
    verdict = "under" if result["peak_mb"] < LIMIT_MB else "OVER"
    print(
        f"peak RSS           {result['peak_mb']:.0f} MB, {verdict} {LIMIT_MB:.0f} MB (the sender's resident-set "
        f"high-water mark, getrusage ru_maxrss; VmHWM {result['hwm_mb']:.0f} MB)"
    )
    if result["stopped"]:
        print(f"stopped            {result['stopped']}")


if __name__ == "__main__":
    main()
