"""How long demo books take to make and store, and the memory it takes: 100,000 invoices by default.

    .venv/bin/python benchmarks/demo_data.py [--invoices 100000] [--url postgresql+psycopg://...]

Prints wall and CPU seconds for generating and for storing (validation included), the records per
second, and the peak resident memory of the process.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

from ledgerlink.services.demo_data import generate
from ledgerlink.services.records import ingest
from ledgerlink.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--url", default="", help="a database URL; a fresh SQLite file when empty")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        url = args.url or f"sqlite:///{Path(folder) / 'bench.db'}"
        wall, cpu = time.perf_counter(), time.process_time()
        data = generate(seed=args.seed, invoices=args.invoices, today=date(2026, 1, 31))
        generated = time.perf_counter() - wall, time.process_time() - cpu

        store = Store.open(url)
        wall, cpu = time.perf_counter(), time.process_time()
        with store.unit_of_work() as uow:
            company = uow.companies.add(f"Benchmark {args.seed}", slug=f"bench-{time.time_ns()}")
            reference = uow.reference(company.id)
            reference.put_nominal_accounts(data.nominal_accounts)
            reference.put_vat_rates(data.vat_rates)
            reference.put_payment_methods(data.payment_methods)
            report = ingest(uow, company.id, data.records)
            uow.commit()
        stored = time.perf_counter() - wall, time.process_time() - cpu
        store.close()

    kinds = Counter(record.kind.value for record in data.records)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    records = len(data.records)
    total = generated[0] + stored[0]
    print(f"backend            {url.split(':', 1)[0]}")
    print(f"invoices           {args.invoices:,}")
    print(f"records            {records:,} ({', '.join(f'{k} {v:,}' for k, v in sorted(kinds.items()))})")
    print(f"generate           {generated[0]:.1f} s wall, {generated[1]:.1f} s CPU")
    print(f"validate + store   {stored[0]:.1f} s wall, {stored[1]:.1f} s CPU ({report.counts})")
    print(f"total              {total:.1f} s wall, {records / total:,.0f} records/s")
    print(f"peak memory        {peak_mib:,.0f} MiB (ru_maxrss)")
    if report.counts["rejected"]:
        sys.exit("demo records were rejected: the generator and the validation disagree")


if __name__ == "__main__":
    main()
