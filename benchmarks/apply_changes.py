"""Reading and applying many changes at once: how long a read takes, and what applying costs a change.

A company sends its invoices to a sandbox on a socket, a bookkeeper pays each of them there, then one
read brings every payment back and applies it; a second read finds nothing new. Prints the figures.

    .venv/bin/python -m benchmarks.apply_changes --package sage --invoices 300   # from the repository
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import tempfile
import time
import tracemalloc
from pathlib import Path

from benchmarks.read_faults import SECRET, Bookkeeper, _prepare

from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit.server import BackgroundServer
from ledgerlink.services.inbound.run import read_and_apply
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.settings import Settings
from ledgerlink.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--package", default="sage", choices=["sage", "xero"])
    parser.add_argument("--invoices", type=int, default=300)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="ledgerlink-apply-"))
    variable = f"LEDGERLINK_{args.package.upper()}_SANDBOX_URL"
    with BackgroundServer(sandbox_app(args.package, limits=False)) as server:
        os.environ[variable] = server.url
        settings = Settings(data_dir=folder, secret_key=SECRET)
        store = Store.from_settings(settings)
        connectors = ConnectorFactory.from_settings(store, settings)
        connection = asyncio.run(_prepare(store, connectors, args.package, args.invoices))
        person = Bookkeeper(server.url, args.package, store, connection, random.Random(1))
        started = time.perf_counter()
        for _ in range(args.invoices):
            person.pay()
        paying = time.perf_counter() - started
        tracemalloc.start()
        started = time.perf_counter()
        first = asyncio.run(read_and_apply(connectors, connection.company_id))
        reading = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        started = time.perf_counter()
        again = asyncio.run(read_and_apply(connectors, connection.company_id))
        rereading = time.perf_counter() - started
        store.close()
    applied = first.applied.counts.get("applied", 0)
    print(f"package              {args.package}")
    print(f"payments made        {len(person.made)} in the package ({paying:.1f} s)")
    print(
        f"first read           {first.read.new_total} new changes, {first.applied.counts} in {reading:.1f} s"
    )
    print(f"per change applied   {1000 * reading / max(applied, 1):.1f} ms (reading included)")
    print(f"peak memory traced   {peak / 1_048_576:.1f} MiB")
    print(
        f"second read          {again.read.new_total} new, {again.applied.counts or 'nothing applied'} in {rereading:.2f} s"
    )


if __name__ == "__main__":
    main()
