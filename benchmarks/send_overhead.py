"""The engine's own cost: the send benchmark's books against sandboxes with no latency and no limits.

Both sandboxes run in this process (httpx's ASGI transport, no sockets) with every limit off, and the
connector gets an UnlimitedPacer, so nothing waits: what is left is the engine (drafting, batching,
the outbox's bookkeeping in the store) and the sandbox answering. The sandbox's cost is measured at the
transport and shown apart, so that "engine records a second" is the engine's alone. It is the CPU time
of the event loop's thread, where the sandbox answers, while it answers: the process's CPU clock, or the
wall clock, would also count what the engine's other threads (drafting, a write waiting for a database
server) did meanwhile, and take it off the engine's figures as if the sandbox had done it.
The garbage collector is set as `ledgerlink` sets it once started (`ledgerlink.cli.collector`) for
the send, and set back after: what the process held before the send (the books, the sandboxes, the
modules) is frozen out of it, so the send's collections scan what the send holds, not this
benchmark's own books, and it looks for cycles as seldom as `ledgerlink` does.

    .venv/bin/python benchmarks/send_overhead.py [--package sage|xero|both] [--scale 0.1]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test] [--profile out.html]
        [--baseline ../other-checkout]

`--baseline` runs the same benchmark first from another checkout of ledgerlink (with its own .venv,
say the main branch before a change) and ends with both sets of figures side by side: before and
after from one run, on a machine as loaded for one as for the other.

`--profile` runs pyinstrument around the send (install it into the venv with pip; it is not a
dependency of the project) and writes its reports (HTML, and text beside it).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import re
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from ledgerlink.cli.collector import settle_collector
from ledgerlink.domain.outbox import EntryState
from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit import in_process_transport
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.secrets import SecretBox
from ledgerlink.services.sending.engine import Sender
from ledgerlink.services.sending.reconcile import reconcile
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from scratch_database import scratch_database
from send_books import Books, Sizes, build, connect_company, store_books


class TimedTransport(httpx.AsyncBaseTransport):
    """Adds up the time the in-process sandbox spends answering: the wall clock, and the CPU of the
    thread it answers on (its own cost, whatever other threads do meanwhile)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.cpu_seconds = 0.0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started, cpu = time.perf_counter(), time.thread_time()
        try:
            return await self.inner.handle_async_request(request)
        finally:
            self.seconds += time.perf_counter() - started
            self.cpu_seconds += time.thread_time() - cpu

    async def aclose(self) -> None:
        await self.inner.aclose()


def unlimited_app(package: str) -> Any:
    return sandbox_app(package, limits=False)


async def instant(seconds: float) -> None:
    return None


class Collections:
    """The garbage collector's runs while it is attached, and the time they took."""

    def __init__(self) -> None:
        self.count = 0
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
        else:
            self.count += 1
            self.seconds += time.perf_counter() - self._started


@dataclass
class Result:
    package: str
    database: str
    entries: int
    sent: int
    calls: int
    seconds: float
    cpu_seconds: float
    sandbox_seconds: float
    sandbox_cpu_seconds: float
    collections: Collections
    reconciled: str

    @property
    def engine_seconds(self) -> float:
        """The send's wall time less the sandbox's own CPU: the time the sandbox took to answer, less
        the moments another thread held the interpreter meanwhile (the engine's work, not its)."""
        return self.seconds - self.sandbox_cpu_seconds

    @property
    def engine_cpu_seconds(self) -> float:
        return self.cpu_seconds - self.sandbox_cpu_seconds


def profiler(path: str) -> tuple[AbstractContextManager[Any], Any]:
    if not path:
        return nullcontext(), None
    from pyinstrument import Profiler  # not a dependency: pip install pyinstrument into the venv

    profile = Profiler(async_mode="enabled")
    return profile, profile


async def send_once(store: Store, books: Books, package: str, tmp: Path, profile_to: str) -> Result:
    transport = TimedTransport(in_process_transport(unlimited_app(package)))
    connectors = ConnectorFactory(
        store=store,
        settings=Settings(data_dir=tmp),
        box=SecretBox("send-overhead"),
        in_process={package: transport},
        sleep=instant,
        pacer_factory=lambda connection, entry: UnlimitedPacer(),
    )
    company_id = store_books(store, books, f"Overhead {package} {uuid.uuid4().hex[:6]}")
    connection = await connect_company(connectors, company_id, package, f"Overhead {package} Books")
    connector = connectors.connector(connection)
    sender = Sender(store, connection=connection, connector=connector)
    transport.seconds = transport.cpu_seconds = 0.0
    context, profile = profiler(profile_to and f"{profile_to.removesuffix('.html')}-{package}.html")
    thresholds, collections = gc.get_threshold(), Collections()
    settle_collector()
    gc.callbacks.append(collections)
    started, cpu = time.perf_counter(), time.process_time()
    try:
        with context:
            report = await sender.run()
    finally:
        gc.callbacks.remove(collections)
        gc.unfreeze()
        gc.set_threshold(*thresholds)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu
    if profile is not None:
        stem = f"{profile_to.removesuffix('.html')}-{package}"
        Path(f"{stem}.html").write_text(profile.output_html())
        Path(f"{stem}.txt").write_text(profile.output_text(show_all=False))
    sandbox_seconds, sandbox_cpu_seconds = transport.seconds, transport.cpu_seconds
    result = await reconcile(store, connection, connector)
    await connector.aclose()
    return Result(
        package=package,
        database=store.engine.dialect.name,
        entries=sum(report.counts.values()),
        sent=report.counts.get(EntryState.SENT, 0),
        calls=report.calls,
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        sandbox_seconds=sandbox_seconds,
        sandbox_cpu_seconds=sandbox_cpu_seconds,
        collections=collections,
        reconciled=(
            f"clean, {result.checked:,} parties agree to the penny"
            if result.clean
            else f"{len(result.differences)} of {result.checked:,} parties differ"
        ),
    )


def run(database: str, packages: list[str], books: Books, profile_to: str, postgres: str) -> list[Result]:
    results = []
    for package in packages:
        with tempfile.TemporaryDirectory(prefix="ledgerlink-overhead-") as folder:
            tmp = Path(folder)
            with ExitStack() as cleanup:
                if database == "postgresql":
                    url = cleanup.enter_context(scratch_database(postgres, label="overhead"))
                else:
                    url = f"sqlite:///{tmp / 'ledgerlink.db'}"
                store = Store.open(url)
                cleanup.callback(store.close)
                results.append(asyncio.run(send_once(store, books, package, tmp, profile_to)))
    return results


ENGINE_LINE = re.compile(
    r"engine alone\s+([\d.]+) s wall: ([\d,]+) records/s; ([\d.]+) s CPU: ([\d,]+) records/s"
)


def baseline_figures(checkout: Path, argv: list[str]) -> dict[tuple[str, str], tuple[int, int]]:
    """The other checkout's engine figures (records a second by wall and by CPU), by package and
    database, from its own send_overhead.py run with the same arguments."""
    python = checkout / ".venv" / "bin" / "python"
    script = checkout / "benchmarks" / "send_overhead.py"
    print(f"baseline           {checkout} (its own figures first)", flush=True)
    output = subprocess.run(
        [str(python), str(script), *argv], cwd=checkout, capture_output=True, text=True, check=True
    ).stdout
    figures: dict[tuple[str, str], tuple[int, int]] = {}
    heading = ("", "")
    for line in output.splitlines():
        print(f"  | {line}")
        if line.startswith("--- "):
            package, _, database = line[4:].partition(" on ")
            heading = (package, database)
        elif found := ENGINE_LINE.search(line):
            figures[heading] = (int(found[2].replace(",", "")), int(found[4].replace(",", "")))
    return figures


def baseline_argv(argv: list[str]) -> list[str]:
    """This run's arguments less --baseline and its value."""
    kept: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--baseline":
            skip = True
        elif not arg.startswith("--baseline="):
            kept.append(arg)
    return kept


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--package", choices=["sage", "xero", "both"], default="both")
    parser.add_argument("--scale", type=float, default=1.0, help="fraction of the full books (1.0: 26,800)")
    parser.add_argument(
        "--postgres", default="", help="also run on this PostgreSQL server (a database is made)"
    )
    parser.add_argument("--profile", default="", help="write pyinstrument HTML reports to this path")
    parser.add_argument(
        "--baseline", default="", help="another checkout to run first, for before and after figures"
    )
    args = parser.parse_args()
    before = baseline_figures(Path(args.baseline), baseline_argv(sys.argv[1:])) if args.baseline else {}
    after: dict[tuple[str, str], tuple[int, int]] = {}
    sizes = Sizes() if args.scale == 1.0 else Sizes().scaled(args.scale)
    books = build(sizes)
    packages = ["sage", "xero"] if args.package == "both" else [args.package]
    databases = ["sqlite"] + (["postgresql"] if args.postgres else [])
    print(f"records            {len(books.records):,} ({sizes})")
    for database in databases:
        for result in run(database, packages, books, args.profile, args.postgres):
            sent = result.sent
            print(f"--- {result.package} on {result.database}")
            print(f"entries sent       {sent:,} of {result.entries:,}, in {result.calls:,} calls")
            print(
                f"whole send         {result.seconds:.1f} s wall, {result.cpu_seconds:.1f} s CPU "
                f"({sent / result.seconds:,.0f} records/s with the sandbox)"
            )
            print(
                f"sandbox answering  {result.sandbox_seconds:.1f} s wall, "
                f"{result.sandbox_cpu_seconds:.1f} s CPU"
            )
            print(
                f"engine alone       {result.engine_seconds:.1f} s wall: {sent / result.engine_seconds:,.0f} "
                f"records/s; {result.engine_cpu_seconds:.1f} s CPU: "
                f"{sent / result.engine_cpu_seconds:,.0f} records/s"
            )
            print(
                f"collections        {result.collections.count:,} during the send, "
                f"{result.collections.seconds:.2f} s"
            )
            print(f"reconcile          {result.reconciled}")
            after[(result.package, result.database)] = (
                round(sent / result.engine_seconds),
                round(sent / result.engine_cpu_seconds),
            )
    if before:
        print("--- engine alone, records/s: before (baseline) -> after (this checkout)")
        for (package, database), (wall, cpu) in after.items():
            old_wall, old_cpu = before.get((package, database), (0, 0))
            print(
                f"{package:5} {database:10}  wall {old_wall:6,} -> {wall:6,} "
                f"(x{wall / max(old_wall, 1):.2f});  CPU {old_cpu:6,} -> {cpu:6,} (x{cpu / max(old_cpu, 1):.2f})"
            )


if __name__ == "__main__":
    main()
