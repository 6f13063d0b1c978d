"""Many companies sent by several worker processes sharing PostgreSQL: throughput, waits, limits, duplicates.

    .venv/bin/python benchmarks/workers.py [--companies 200] [--invoices 1000] [--customers 200]
        [--workers 2,4] [--concurrency 4] [--time-scale 10] [--slice-seconds 10]
        [--url postgresql+psycopg://postgres@127.0.0.1:5432/test]

For each number of workers: a fresh database, a Sage and a Xero sandbox each in its own process on
loopback with their real limits (Sage 200 requests a minute per business, Xero 60 a minute and 5,000 a
day per organisation and 10,000 a minute per app) with their windows run `--time-scale` times faster,
and the companies split between them, each with demo books and connected as a person would. Every
company asks for a send at once; then the workers start, and the run ends when every record is sent.

Prints records and calls a second, how long companies waited for their last record (median and
longest), each package's busiest window per business against its limit and the 429s it answered, and
the objects in the sandboxes beyond the records (duplicates: must be 0) or missing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.services.demo.fleet import Books, connected_company, duplicates_and_missing
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.scheduling import request_send
from ledgerlink.services.operations.secrets import SecretBox
from ledgerlink.services.operations.shared_pacer import shared_pacers
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.store.outbox import OutboxRepository
from scratch_database import scratch_database

SECRET = "benchmark-workers"
# The limit each sandbox enforces per business, over its window (seconds at time scale 1).
LIMITS = {"sage": (200, 60.0), "xero": (60, 60.0)}


# --- a sandbox in its own process, counting what every business asked ------------------------------


class CountingMiddleware:
    """Counts each business's requests (with their times) and the 429s the sandbox answered."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.times: dict[str, list[float]] = defaultdict(list)
        self.refused: dict[str, int] = defaultdict(int)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_"):
            if scope["type"] == "http" and scope["path"] == "/_bench/stats":
                body = json.dumps({"times": self.times, "refused": self.refused}).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [(b"content-type", b"application/json")],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        tenant = headers.get(b"xero-tenant-id", b"").decode()

        async def counting_send(message: Any) -> None:
            if message["type"] == "http.response.start":
                business = tenant or dict(message.get("headers") or []).get(b"x-business", b"").decode()
                if business:
                    if message["status"] == 429:
                        self.refused[business] += 1
                    else:
                        self.times[business].append(time.time())
            await send(message)

        await self.app(scope, receive, counting_send)


def serve(package: str, port: int, time_scale: float) -> None:
    import uvicorn

    uvicorn.run(
        CountingMiddleware(sandbox_app(package, time_scale=time_scale)),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan="off",
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Sandbox:
    package: str
    url: str
    process: subprocess.Popen[bytes]

    def get(self, path: str) -> Any:
        return httpx.get(f"{self.url}{path}", timeout=120).json()


def start_sandbox(package: str, time_scale: float) -> Sandbox:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", package, "--port", str(port), "--time-scale", str(time_scale)],
        stdin=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{url}/_sandbox/state", timeout=2).status_code == 200:
                return Sandbox(package, url, process)
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the {package} sandbox did not start")


# --- one run ---------------------------------------------------------------------------------------


@dataclass
class Company:
    package: str
    company_id: int
    connection_id: int
    business: str
    records: int
    finished: float | None = None


@dataclass
class Result:
    workers: int
    seconds: float
    records: int
    calls: int
    waits: list[float]
    peaks: dict[str, float]
    calls_per_company: dict[str, float]
    refused: dict[str, int]
    duplicates: int
    missing: int
    failed: int
    extra: dict[str, Any] = field(default_factory=dict)


async def set_up(connectors: ConnectorFactory, args: argparse.Namespace) -> list[Company]:
    companies: list[Company] = []
    books = Books(invoices=args.invoices, customers=args.customers)
    xero_count = round(args.companies * args.xero_share)
    for n in range(args.companies):
        package = "xero" if n < xero_count else "sage"
        connection, records = await connected_company(
            connectors, package=package, name=f"Trades {n:04d} Ltd", books=books, seed=1000 + n
        )
        companies.append(
            Company(package, connection.company_id, connection.id, connection.business_name, records)
        )
        with connectors.store.unit_of_work() as uow:  # the outbox's entries, so that "all sent" can be seen
            OutboxRepository(uow.session, connection.id, connection.company_id).sync(connection.cut_off_date)
            uow.commit()
        if (n + 1) % 20 == 0:
            print(f"  {n + 1} companies ready", flush=True)
    return companies


def unsent_by_connection(store: Store) -> dict[int, int]:
    with store.engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT connection_id, count(*) AS n FROM outbox_entries "
                "WHERE state IN ('waiting', 'blocked', 'processing', 'uncertain') GROUP BY connection_id"
            )
        )
        return {row.connection_id: int(row.n) for row in rows}


def busiest_window(times: list[float], span: float) -> int:
    ordered = sorted(times)
    return max((bisect_right(ordered, t + span) - i for i, t in enumerate(ordered)), default=0)


def run_once(workers: int, args: argparse.Namespace, tmp: Path) -> Result:
    with scratch_database(args.url, label="workers") as url:
        return run_on(url, workers, args, tmp)


def run_on(url: str, workers: int, args: argparse.Namespace, tmp: Path) -> Result:
    sandboxes = {package: start_sandbox(package, args.time_scale) for package in ("sage", "xero")}
    environ = {
        **os.environ,
        "LEDGERLINK_DATABASE_URL": url,
        "LEDGERLINK_SECRET_KEY": SECRET,
        "LEDGERLINK_DATA_DIR": str(tmp),
        "LEDGERLINK_SAGE_SANDBOX_URL": sandboxes["sage"].url,
        "LEDGERLINK_XERO_SANDBOX_URL": sandboxes["xero"].url,
    }
    os.environ.update({k: v for k, v in environ.items() if k.endswith("_SANDBOX_URL")})
    settings = Settings(data_dir=tmp, database_url=url, secret_key=SECRET)
    store = Store.from_settings(settings)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        connectors = ConnectorFactory(
            store=store,
            settings=settings,
            box=SecretBox.from_settings(settings),
            pacer_factory=shared_pacers(store, time_scale=args.time_scale),
        )
        started = time.perf_counter()
        print(f"{workers} workers: setting up {args.companies} companies", flush=True)
        companies = asyncio.run(set_up(connectors, args))
        print(f"  set up in {time.perf_counter() - started:.0f} s", flush=True)
        for company in companies:
            request_send(store, settings, company.company_id, reason="records arrived", pressed=True)

        started = time.perf_counter()
        folder = Path(args.logs) if args.logs else tmp
        folder.mkdir(parents=True, exist_ok=True)
        logs = [(folder / f"worker-{workers}-{n}.log").open("ab") for n in range(workers)]
        for n in range(workers):
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "ledgerlink",
                        "worker",
                        "--concurrency",
                        str(args.concurrency),
                        "--time-scale",
                        str(args.time_scale),
                        "--slice-seconds",
                        str(args.slice_seconds),
                        "--name",
                        f"bench-{n}",
                        *(["--verbose"] if args.logs else []),
                    ],
                    env=environ,
                    stdout=logs[n],
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                )
            )
        by_connection = {company.connection_id: company for company in companies}
        last_report = started
        while True:
            time.sleep(args.poll)
            now = time.perf_counter() - started
            unsent = unsent_by_connection(store)
            for connection_id, company in by_connection.items():
                if company.finished is None and unsent.get(connection_id, 0) == 0:
                    company.finished = now
            left = sum(unsent.values())
            if left == 0:
                break
            if time.perf_counter() - last_report > 30:
                last_report = time.perf_counter()
                print(f"  {now:.0f} s: {left:,} records to go", flush=True)
            for process in processes:
                if process.poll() is not None:
                    raise RuntimeError(f"a worker stopped; see {tmp}")
            if now > args.timeout:
                raise RuntimeError(f"not done after {args.timeout} s; {left:,} left")
        seconds = time.perf_counter() - started

        with store.engine.connect() as connection:
            states = dict(
                connection.execute(text("SELECT state, count(*) FROM outbox_entries GROUP BY state")).all()
            )
        duplicates = missing = 0
        peaks: dict[str, float] = {}
        per_company: dict[str, float] = {}
        refused: dict[str, int] = {}
        calls = 0
        for package, sandbox in sandboxes.items():
            state = sandbox.get("/_sandbox/state")
            counts = {business["name"]: business["counts"] for business in state["businesses"]}
            stats = sandbox.get("/_bench/stats")
            limit, window = LIMITS[package]
            span = window / args.time_scale
            busiest = max((busiest_window(times, span) for times in stats["times"].values()), default=0)
            peaks[package] = busiest / limit
            package_calls = sum(len(times) for times in stats["times"].values())
            calls += package_calls
            mine = [c for c in companies if c.package == package]
            per_company[package] = package_calls / max(1, len(mine))
            refused[package] = sum(stats["refused"].values())
            for company in mine:
                with store.unit_of_work() as uow:
                    records = uow.records(company.company_id).counts()
                extra, lost = duplicates_and_missing(package, records, counts[company.business])
                if extra or lost:
                    print(
                        f"  {company.business}: {extra} extra, {lost} missing: {dict(records)} -> {counts[company.business]}"
                    )
                duplicates += extra
                missing += lost
        return Result(
            workers=workers,
            seconds=seconds,
            records=int(states.get("sent", 0)),
            calls=calls,
            waits=[company.finished or seconds for company in companies],
            peaks=peaks,
            calls_per_company=per_company,
            refused=refused,
            duplicates=duplicates,
            missing=missing,
            failed=int(states.get("failed", 0)),
        )
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
        store.close()
        for sandbox in sandboxes.values():
            sandbox.process.terminate()
            sandbox.process.wait(timeout=20)


def show(result: Result, args: argparse.Namespace) -> None:
    waits = sorted(result.waits)
    print(
        f"{result.workers} workers × {args.concurrency}: {result.records:,} records in {result.seconds:.1f} s "
        f"= {result.records / result.seconds:,.0f} records/s, {result.calls / result.seconds:,.0f} calls/s"
    )
    print(
        f"  waits for a company's last record: median {statistics.median(waits):.1f} s, "
        f"longest {waits[-1]:.1f} s (first company done at {waits[0]:.1f} s)"
    )
    for package in ("sage", "xero"):
        print(
            f"  {package}: {result.calls_per_company[package]:,.0f} calls per company; busiest window per "
            f"business {result.peaks[package]:.0%} of its limit; {result.refused[package]} answered 429"
        )
    print(
        f"  duplicates in the sandboxes: {result.duplicates}; missing: {result.missing}; failed: {result.failed}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=200)
    parser.add_argument("--invoices", type=int, default=1000)
    parser.add_argument("--customers", type=int, default=200)
    parser.add_argument("--xero-share", type=float, default=0.5)
    parser.add_argument("--workers", default="2,4", help="worker counts to run, one after the other")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--time-scale", type=float, default=10.0)
    parser.add_argument("--slice-seconds", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=3600.0)
    parser.add_argument(
        "--poll",
        type=float,
        default=5.0,
        help="seconds between counts of what is left: each count reads every outbox entry, so often is costly",
    )
    parser.add_argument(
        "--url",
        default=os.environ.get("LEDGERLINK_TEST_POSTGRES_URL")
        or "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    )
    parser.add_argument("--logs", default="", help="keep the workers' logs in this folder")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.time_scale)
        return
    print(
        f"{args.companies} companies ({args.xero_share:.0%} Xero), {args.customers} customers and "
        f"{args.invoices} invoices each; limits' windows {args.time_scale:g}× faster",
        flush=True,
    )
    results = []
    for workers in [int(n) for n in args.workers.split(",")]:
        with tempfile.TemporaryDirectory() as folder:
            results.append(run_once(workers, args, Path(folder)))
        show(results[-1], args)
    if any(result.duplicates or result.missing for result in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
