"""Wait estimates against the sandboxes' limits: how far what a send says it has left is from the truth.

While a package's minute limit sets the pace, a send says what it waits for and about how long it has
left ("Sage Accounting allows 180 requests a minute: about 3 minutes left"); stopped by a daily limit,
it says when it goes on. Both are held to the sandboxes' own limits here:

- minute: each sandbox in its own process with its package's limits (Sage 200 requests a minute, one
  record a call; Xero 60 a minute and 5 at once, 50 records a call; QuickBooks 500 requests a minute
  but only 40 batch calls, 30 records each), its minute run faster than real time; the sender paced
  to the same limits. At every step of the send the estimate of the time left is
  kept, and once the send is over each is set beside the time that was really left. Printed: the error
  at a tenth, a quarter, half and three quarters of the way, and the largest while the estimate was
  shown (the last minute's worth is not said: it goes within one minute's budget). Aim: within 20%.
- day (Xero: Sage publishes no daily limit, and its sandbox keeps none): the sandbox's daily limit cut
  to `--day-limit` requests, its day run 1,440 times faster than
  real time (a day lasts a minute). The send stops when the day's requests are used; it says when it
  goes on and how many records are left. Then the sandbox is asked once a second until it takes a
  request again. Printed: the time announced beside the time measured, and the records announced
  beside those really left. Aim: within 20%, and the records exact.

    .venv/bin/python benchmarks/wait_estimates.py [--package sage|xero|quickbooks|all] [--scale 0.02]
        [--xero-scale 0.25] [--quickbooks-scale 0.25] [--sage-minute 6] [--xero-minute 3]
        [--quickbooks-minute 3] [--day-limit 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import httpx

from ledgerlink.domain.outbox import EntryState
from ledgerlink.packages.pacing import LocalPacer
from ledgerlink.packages.registry import get_package
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.sending.engine import Sender, SendReport
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection
from send_books import Books, Sizes, build, connect_company, store_books
from send_sandbox import PER_MINUTE, sandbox_process

SECRET = "benchmark-wait-estimates"
DAY_SCALE = 1440.0  # a day lasts a minute
POINTS = (0.1, 0.25, 0.5, 0.75)


@dataclass
class Sample:
    at: float  # monotonic seconds
    seconds_left: float  # what the send said it had left


def _connectors(package: str, tmp: Path, url: str, time_scale: float, per_minute: int) -> ConnectorFactory:
    os.environ[f"LEDGERLINK_{package.upper()}_SANDBOX_URL"] = url
    settings = Settings(data_dir=tmp / package, secret_key=SECRET, sandbox_time_scale=time_scale)
    store = Store.from_settings(settings)

    def pacer(connection: Connection, entry: Any) -> LocalPacer:
        limits = replace(entry.connector.limits, requests_per_minute=per_minute)
        return LocalPacer(limits, time_scale=time_scale)

    return ConnectorFactory.from_settings(store, settings, pacer_factory=pacer)


async def _send(connectors: ConnectorFactory, connection: Connection, samples: list[Sample]) -> SendReport:
    connector = connectors.connector(connection)
    sender: Sender | None = None

    def progress(done: int, total: int) -> None:
        # called once the estimate is brought up to date with this step
        if sender is not None and sender.report.seconds_left is not None:
            samples.append(Sample(time.monotonic(), sender.report.seconds_left))

    try:
        sender = Sender(connectors.store, connection=connection, connector=connector, progress=progress)
        return await sender.run()
    finally:
        await connector.aclose()


def minute_run(package: str, books: Books, minute_seconds: float, tmp: Path) -> None:
    time_scale = 60.0 / minute_seconds
    with sandbox_process(package, time_scale=time_scale) as url:
        connectors = _connectors(package, tmp, url, time_scale, PER_MINUTE[package])
        company_id = store_books(connectors.store, books, f"Wait {package.title()} Heating")
        connection = asyncio.run(
            connect_company(connectors, company_id, package, f"Wait {package.title()} Books")
        )
        time.sleep(minute_seconds * 1.1)  # the set-up's reads leave the sandbox's window before the send
        samples: list[Sample] = []
        started = time.monotonic()
        report = asyncio.run(_send(connectors, connection, samples))
        ended = time.monotonic()
        connectors.store.close()
    own = get_package(package).connector.limits.calls_per_minute
    kinds = "".join(f" ({per_minute} {kind} calls)" for kind, per_minute in sorted(own.items()))
    print(
        f"--- {package}, minute: {PER_MINUTE[package]} requests a minute{kinds}, a minute lasting {minute_seconds:g} s; "
        f"{report.calls:,} calls in {ended - started:.1f} s, {report.counts.get(EntryState.SENT, 0):,} sent"
        + (f", stopped: {report.stopped}" if report.stopped else "")
    )
    if not samples:
        print("  the send never waited on the minute limit: make the books larger (--scale)")
        return
    errors = [(s.at - started, (s.seconds_left - (ended - s.at)) / (ended - s.at)) for s in samples]
    for point in POINTS:
        at, error = errors[min(len(errors) - 1, int(point * len(errors)))]
        print(f"  {point:>4.0%} of the way ({at:6.1f} s in): estimate off by {error:+.1%}")
    worst = max(errors, key=lambda pair: abs(pair[1]))
    print(
        f"  largest while shown: {worst[1]:+.1%} at {worst[0]:.1f} s "
        f"({len(samples):,} estimates, the last {ended - samples[-1].at:.1f} s before the end)"
    )


def day_run(package: str, books: Books, day_limit: int, tmp: Path) -> None:
    with sandbox_process(package, time_scale=DAY_SCALE) as url:
        connectors = _connectors(package, tmp, url, DAY_SCALE, PER_MINUTE[package])
        company_id = store_books(connectors.store, books, f"Day {package.title()} Heating")
        connection = asyncio.run(
            connect_company(connectors, company_id, package, f"Day {package.title()} Books")
        )
        time.sleep(60.0 * 1.05)  # a whole (scaled) day: the set-up's reads are forgotten
        httpx.post(f"{url}/_sandbox/limits", json={"per_day": day_limit}, timeout=30).raise_for_status()
        report = asyncio.run(_send(connectors, connection, []))
        stopped_at = time.monotonic()
        with connectors.store.unit_of_work() as uow:
            counts = uow.outbox(connection).counts()
        left = sum(counts[s] for s in (EntryState.WAITING, EntryState.BLOCKED, EntryState.UNCERTAIN))
        token = httpx.post(
            f"{url}/_sandbox/token", json={"business_id": connection.business_id}, timeout=30
        ).json()
        probe = _probe(package, url, connection.business_id, str(token.get("access_token", "")))
        while probe() == 429:
            time.sleep(0.5)
        measured = time.monotonic() - stopped_at
        connectors.store.close()
    print(f"--- {package}, day: {day_limit:,} requests a day, a day lasting {86400 / DAY_SCALE:g} s")
    print(f"  said:     {report.stopped or '(the send did not stop)'}")
    if report.resume_in is None:
        print("  the daily limit was not reached: lower --day-limit")
        return
    print(
        f"  goes on in {report.resume_in:.1f} s announced, {measured:.1f} s measured "
        f"({(report.resume_in - measured) / measured:+.1%}); records left announced in the message, {left:,} in the outbox"
    )


def _probe(package: str, url: str, business_id: str, token: str) -> Any:
    """One cheap read of the package, as the connection's own: its status."""
    path = "/v3.1/contacts" if package == "sage" else "/api.xro/2.0/Contacts"
    headers = {"Authorization": f"Bearer {token}", "xero-tenant-id": business_id}

    def ask() -> int:
        return httpx.get(f"{url}{path}", headers=headers, timeout=30).status_code

    return ask


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--package", choices=["sage", "xero", "quickbooks", "all"], default="all")
    parser.add_argument(
        "--scale", type=float, default=0.02, help="fraction of the send benchmarks' full books"
    )
    parser.add_argument(
        "--xero-scale", type=float, default=0.25, help="the same for Xero (50 records a call)"
    )
    parser.add_argument(
        "--quickbooks-scale", type=float, default=0.25, help="the same for QuickBooks (30 records a call)"
    )
    parser.add_argument("--sage-minute", type=float, default=6.0, help="seconds a Sage minute lasts")
    parser.add_argument("--xero-minute", type=float, default=3.0, help="seconds a Xero minute lasts")
    parser.add_argument(
        "--quickbooks-minute", type=float, default=3.0, help="seconds a QuickBooks minute lasts"
    )
    parser.add_argument(
        "--day-limit", type=int, default=20, help="the sandbox's requests a day for the day run"
    )
    args = parser.parse_args()
    packages = ["sage", "xero", "quickbooks"] if args.package == "all" else [args.package]
    scales = {"sage": args.scale, "xero": args.xero_scale, "quickbooks": args.quickbooks_scale}
    minutes = {"sage": args.sage_minute, "xero": args.xero_minute, "quickbooks": args.quickbooks_minute}
    print(f"machine            {os.cpu_count()} cores, load average {load()} at the start")
    with tempfile.TemporaryDirectory(prefix="ledgerlink-wait-") as folder:
        for package in packages:
            books = build(Sizes().scaled(scales[package]))
            minute_run(package, books, minutes[package], Path(folder) / "minute")
            if package == "xero":  # Sage publishes no daily limit, and its sandbox keeps none
                day_run(package, build(Sizes().scaled(args.scale)), args.day_limit, Path(folder) / "day")
    print(f"machine            load average {load()} at the end")


def load() -> str:
    return ", ".join(f"{value:.1f}" for value in os.getloadavg()) + " (1, 5, 15 min)"


if __name__ == "__main__":
    main()
