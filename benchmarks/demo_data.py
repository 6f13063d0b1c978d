"""How long demo books take to make and store, and the memory it takes: 100,000 invoices by default.

    .venv/bin/python benchmarks/demo_data.py [--invoices 100000] [--url postgresql+psycopg://...] [--whole]

Feeds the books as `ledgerlink demo-data` does, a part at a time in one transaction, and prints wall and
CPU seconds for making the records and for checking and storing them, the records per second, and the
peak resident memory of the process. `--whole` makes every record first and feeds them in one batch,
as a caller of `ingest` with a list does. `--again` feeds the same books a second time (nothing changes).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from ledgerlink.domain.records import Record
from ledgerlink.services.demo.books import generate, generate_parts, reference_lists
from ledgerlink.services.feeding.records import IngestReport, ingest, ingest_parts
from ledgerlink.store import Store

TODAY = date(2026, 1, 31)


class Clock:
    """Wall and CPU seconds spent inside the parts' making, however it interleaves with the storing."""

    def __init__(self) -> None:
        self.wall = 0.0
        self.cpu = 0.0

    def timed(self, parts: Iterable[list[Record]]) -> Iterator[list[Record]]:
        iterator = iter(parts)
        while True:
            wall, cpu = time.perf_counter(), time.process_time()
            part = next(iterator, None)
            self.wall += time.perf_counter() - wall
            self.cpu += time.process_time() - cpu
            if part is None:
                return
            yield part


def feed(
    url: str, seed: int, invoices: int, whole: bool, clock: Clock, slug: str
) -> tuple[IngestReport, Counter[str]]:
    kinds: Counter[str] = Counter()

    def counted(parts: Iterable[list[Record]]) -> Iterator[list[Record]]:
        for part in parts:
            kinds.update(record.kind.value for record in part)
            yield part

    if whole:
        made = (generate(seed=seed, invoices=invoices, today=TODAY).records for _ in range(1))
        records = next(clock.timed(made))
    store = Store.open(url)
    nominals, rates, methods = reference_lists()
    with store.unit_of_work() as uow:
        company = uow.companies.ensure(slug)
        reference = uow.reference(company.id)
        reference.put_nominal_accounts(nominals)
        reference.put_vat_rates(rates)
        reference.put_payment_methods(methods)
        if whole:
            report = ingest(uow, company.id, next(counted([records])))
        else:
            parts = generate_parts(seed=seed, invoices=invoices, today=TODAY)
            report = ingest_parts(uow, company.id, counted(clock.timed(parts)))
        uow.commit()
    store.close()
    return report, kinds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--url", default="", help="a database URL; a fresh SQLite file when empty")
    parser.add_argument("--whole", action="store_true", help="make every record first, then feed one batch")
    parser.add_argument("--again", action="store_true", help="feed the same books a second time")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite:///{Path(folder) / 'bench.db'}"
        slug = f"bench-{time.time_ns()}"
        rounds = ("first", "again") if args.again else ("first",)
        print(f"backend            {url.split(':', 1)[0]}")
        print(f"invoices           {args.invoices:,} ({'one batch' if args.whole else 'in parts'})")
        for name in rounds:
            clock = Clock()
            wall, cpu = time.perf_counter(), time.process_time()
            report, kinds = feed(url, args.seed, args.invoices, args.whole, clock, slug)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            records = sum(kinds.values())
            if name == "first":
                print(
                    f"records            {records:,} ({', '.join(f'{k} {v:,}' for k, v in sorted(kinds.items()))})"
                )
            else:
                print("fed again")
            print(f"generate           {clock.wall:.1f} s wall, {clock.cpu:.1f} s CPU")
            print(
                f"validate + store   {wall - clock.wall:.1f} s wall, {cpu - clock.cpu:.1f} s CPU ({report.counts})"
            )
            print(f"total              {wall:.1f} s wall, {cpu:.1f} s CPU, {records / wall:,.0f} records/s")
            if report.counts["rejected"]:
                sys.exit("demo records were rejected: the generator and the validation disagree")
        if args.url:  # a shared database keeps nothing of the benchmark
            store = Store.open(url)
            with store.unit_of_work() as uow:
                uow.companies.delete(uow.companies.get(slug).id)
                uow.commit()
            store.close()
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory        {peak_mib:,.0f} MiB (ru_maxrss)")


if __name__ == "__main__":
    main()
