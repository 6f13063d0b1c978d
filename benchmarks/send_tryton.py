"""The new-package path's time on a real Tryton, beside Sage's and Xero's sandboxes: the same books.

Each run builds the demo's books (`--invoices`, seed 11), connects a fresh business, maps from
suggestions, sends everything and reconciles every customer's and supplier's balance. Sage and Xero are
their sandboxes in this process without limits (what is measured is the path, not a package's pace);
Tryton is a real `trytond` in its own process on loopback, its database copied from the template (made
once, not timed), every record posted through its own methods and checked by its own tax engine.
After the send (not timed) it reads Tryton's books through Tryton's own methods and prints them beside
the job system's: each party's receivable or payable against the jobs side's own ledger, the trial
balance (every account's debits and credits in every fiscal year), and VAT per rate from the tax lines
of posted moves against the sum of the job system's lines' VAT.

Tryton takes several calls a record (an invoice is created, its tax set, posted and read; a payment's
move is created, posted and set against each invoice it settles, which is reconciled when paid), each a
database transaction on SQLite; the sandboxes take one or fewer. Needs `LEDGERLINK_TRYTON_PYTHON`.

    .venv/bin/python benchmarks/send_tryton.py [--invoices 200] [--packages tryton,sage,xero]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

from ledgerlink.domain.outbox import EntryState
from ledgerlink.packages.base import PackageConnector
from ledgerlink.packages.connection import TokenSet
from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.packages.tryton.server import (
    TrytonHome,
    TrytonProcess,
    default_years,
    ensure_template,
    start_business,
)
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit import in_process_transport
from ledgerlink.services.demo.books import DemoData, generate
from ledgerlink.services.demo.sandbox_session import connect_to_sandbox, seed_business
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.secrets import SecretBox
from ledgerlink.services.operations.tokens import seal_tokens
from ledgerlink.services.sending.engine import Sender
from ledgerlink.services.sending.reconcile import reconcile
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.tryton_books import ZERO, figures, jobs_owed, jobs_vat

TODAY = date(2026, 11, 1)
NEVER = datetime(9999, 1, 1, tzinfo=UTC)


def company_with_books(store: Store, demo: DemoData) -> int:
    with store.unit_of_work() as uow:
        company = uow.companies.add("Demo Heating")
        reference = uow.reference(company.id)
        reference.put_nominal_accounts(demo.nominal_accounts)
        reference.put_vat_rates(demo.vat_rates)
        reference.put_payment_methods(demo.payment_methods)
        report = ingest(uow, company.id, demo.records)
        uow.commit()
    assert not report.rejected
    return int(company.id)


async def path_once(
    connectors: ConnectorFactory, connection: Connection, company_id: int
) -> tuple[int, int, bool]:
    """Map, send and reconcile; answers (records sent, calls, clean)."""
    connection = save_settings(
        connectors, company_id, connection.id, onboarding_path="new-package", cut_off_date=date(2023, 1, 1)
    )
    connector: PackageConnector = connectors.connector(connection)
    try:
        nominals = Nominals(connectors.store, connection)
        await nominals.read_lists(connector)
        nominals.accept_suggestions(checked=True)  # suggestions alone, as the demo maps
        check = nominals.check()
        for problem in check.problems:
            print(f"  {connection.package}: {problem.message}")
        report = await Sender(connectors.store, connection=connection, connector=connector).run()
        result = await reconcile(connectors.store, connection, connector)
        return report.counts.get(EntryState.SENT, 0), report.calls, result.clean
    finally:
        await connector.aclose()


async def run_sandbox(package: str, demo: DemoData, root: Path) -> tuple[int, int, bool, float]:
    store = Store.open(f"sqlite:///{root / f'{package}.db'}")
    company_id = company_with_books(store, demo)
    connectors = ConnectorFactory(
        store=store,
        settings=Settings(data_dir=root),
        box=SecretBox("bench"),
        in_process={package: in_process_transport(sandbox_app(package, limits=False))},
        pacer_factory=lambda connection, entry: UnlimitedPacer(),
    )
    started = time.perf_counter()
    await seed_business(connectors, package, "Demo Heating Books")
    connection = await connect_to_sandbox(connectors, company_id, package, "Demo Heating Books")
    records, calls, clean = await path_once(connectors, connection, company_id)
    return records, calls, clean, time.perf_counter() - started


async def tryton_books(server: TrytonProcess, demo: DemoData) -> list[str]:
    """What Tryton's own methods say of the books sent, beside the job system's own figures."""
    rpc = server.rpc()
    try:
        tryton = await figures(rpc)
    finally:
        await rpc.aclose()
    ours = jobs_owed(demo.records, demo.vat_rates)
    codes = sorted(set(ours) | set(tryton.owed))
    differing = [code for code in codes if ours.get(code, ZERO) != tryton.owed.get(code, ZERO)]

    def total(owed: dict[str, Decimal], prefix: str) -> Decimal:
        return sum((amount for code, amount in owed.items() if code.startswith(prefix)), ZERO)

    said = [
        f"  parties: {len(codes)} compared, {len(differing)} differ {', '.join(differing[:5])}".rstrip(),
        f"  receivable (customers): Tryton {total(tryton.owed, 'C-')}, jobs side {total(ours, 'C-')}; "
        f"payable (suppliers): Tryton {total(tryton.owed, 'S-')}, jobs side {total(ours, 'S-')}",
        f"  trial balance: debits {tryton.debits}, credits {tryton.credits}, "
        f"difference {tryton.debits - tryton.credits}",
    ]
    expected = jobs_vat(demo.records, demo.vat_rates)
    for key in sorted(set(expected) | set(tryton.vat)):
        theirs, jobs = tryton.vat.get(key, ZERO), expected.get(key, ZERO)
        verdict = "equal" if theirs == jobs else f"DIFFERS by {theirs - jobs}"
        said.append(f"  VAT {key[0]:8} {key[1]:>6}%: Tryton {theirs:>12}  jobs side {jobs:>12}  {verdict}")
    return said


async def run_tryton(demo: DemoData, root: Path) -> tuple[int, int, bool, float]:
    python = os.environ.get("LEDGERLINK_TRYTON_PYTHON", "")
    home = TrytonHome(root / "tryton", Path(python) if python else None)
    await ensure_template(home, default_years(TODAY))  # made once for every business: not the path's time
    store = Store.open(f"sqlite:///{root / 'tryton.db'}")
    company_id = company_with_books(store, demo)
    started = time.perf_counter()
    server = await start_business(home, "Demo Heating Books", years=default_years(TODAY))
    try:
        os.environ["LEDGERLINK_TRYTON_API_URL"] = server.url
        connectors = ConnectorFactory(
            store=store,
            settings=Settings(data_dir=root),
            box=SecretBox("bench"),
            pacer_factory=lambda connection, entry: UnlimitedPacer(),
        )
        tokens = TokenSet(access_token=home.credentials(), refresh_token="", access_expires_at=NEVER)
        with store.unit_of_work() as uow:
            connection = uow.connections(company_id).connect(
                package="tryton",
                business_id=server.database,
                business_name="Demo Heating Books",
                sandbox=False,
                sealed_tokens=seal_tokens(connectors.box, tokens),
                access_expires_at=tokens.access_expires_at,
                refresh_expires_at=None,
            )
            uow.commit()
        records, calls, clean = await path_once(connectors, connection, company_id)
        seconds = time.perf_counter() - started
        print("Tryton's own books after the send (party fields, accounts per fiscal year, tax lines):")
        print("\n".join(await tryton_books(server, demo)))
        return records, calls, clean, seconds
    finally:
        server.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=200)
    parser.add_argument("--packages", default="tryton,sage,xero")
    args = parser.parse_args()
    demo = generate(seed=11, invoices=args.invoices, today=TODAY)
    print(f"books: {len(demo.records)} records ({args.invoices} invoices), load {os.getloadavg()[0]:.1f}")
    print(f"{'package':8} {'records':>8} {'calls':>7} {'seconds':>8} {'records/s':>10}  reconciled")
    with tempfile.TemporaryDirectory() as scratch:
        for package in args.packages.split(","):
            root = Path(scratch) / package
            root.mkdir()
            if package == "tryton":
                records, calls, clean, seconds = await run_tryton(demo, root)
            else:
                records, calls, clean, seconds = await run_sandbox(package, demo, root)
            print(
                f"{package:8} {records:>8} {calls:>7} {seconds:>8.1f} {records / seconds:>10.1f}  "
                f"{'to the penny' if clean else 'DIFFERS'}"
            )


if __name__ == "__main__":
    asyncio.run(main())
