"""A connection's first sync: the outbox entries made for every record in scope, timed.

The send benchmark's books (scaled) are fed into a fresh store and connected to the Xero sandbox in
process, then the outbox is synced once, as a first send does before anything leaves: an entry and its
idempotency key for every record. Prints the sync's wall time and, on PostgreSQL, how many times the
sync had PostgreSQL take the table's statistics and how long that took.

    .venv/bin/python benchmarks/first_sync.py [--scale 4.0]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit import in_process_transport
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.secrets import SecretBox
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from scratch_database import scratch_database
from send_books import Books, Sizes, build, connect_company, store_books


class StatisticsTaken:
    """Counts the ANALYZE statements an engine runs, and the time they take."""

    def __init__(self) -> None:
        self.times = 0
        self.seconds = 0.0

    def watch(self, engine: Engine) -> None:
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info["statement_started"] = time.perf_counter()

    def _after(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.startswith("ANALYZE"):
            self.times += 1
            self.seconds += time.perf_counter() - conn.info["statement_started"]


async def instant(seconds: float) -> None:
    return None


async def first_sync(store: Store, books: Books, tmp: Path) -> str:
    connectors = ConnectorFactory(
        store=store,
        settings=Settings(data_dir=tmp),
        box=SecretBox("first-sync"),
        in_process={"xero": in_process_transport(sandbox_app("xero", limits=False))},
        sleep=instant,
        pacer_factory=lambda connection, entry: UnlimitedPacer(),
    )
    company_id = store_books(store, books, f"First sync {uuid.uuid4().hex[:6]}")
    connection = await connect_company(connectors, company_id, "xero", "First Sync Books")
    taken = StatisticsTaken()
    taken.watch(store.engine)
    with store.unit_of_work() as uow:
        started = time.perf_counter()
        counts = uow.outbox(connection).sync(connection.cut_off_date)
        uow.commit()
        seconds = time.perf_counter() - started
    statistics = (
        f"; statistics taken {taken.times} times, {taken.seconds:.2f} s"
        if store.dialect == "postgresql"
        else ""
    )
    return f"{counts.created:,} entries made in {seconds:.2f} s{statistics}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale", type=float, default=4.0, help="of the send benchmark's books (1.0: 26,800)"
    )
    parser.add_argument("--postgres", default="", help="also on this PostgreSQL server (a database is made)")
    args = parser.parse_args()
    books = build(Sizes().scaled(args.scale))
    print(f"records            {len(books.records):,}")
    for database in ["sqlite"] + (["postgresql"] if args.postgres else []):
        with tempfile.TemporaryDirectory(prefix="ledgerlink-first-sync-") as folder, ExitStack() as cleanup:
            tmp = Path(folder)
            if database == "postgresql":
                url = cleanup.enter_context(scratch_database(args.postgres, label="first_sync"))
            else:
                url = f"sqlite:///{tmp / 'ledgerlink.db'}"
            store = Store.open(url)
            cleanup.callback(store.close)
            print(f"{database:18} {asyncio.run(first_sync(store, books, tmp))}")


if __name__ == "__main__":
    main()
