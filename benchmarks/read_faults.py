"""Faults while reading: `ledgerlink from-package read` killed at random moments, against a faulty sandbox.

A company sends its books to the sandbox; then, all through the trial, a bookkeeper records payments
against the sent invoices in the package, deletes some of them again and voids an invoice now and then
(one with nothing left paid on it, as the package requires), while the reader (a separate
process) is SIGKILLed at random moments and started again, against a sandbox answering 10% of requests
with 500 and bursting 429s. At the end the jobs side must hold exactly the payments the package still
holds, each once with its allocation, none of the deleted ones, each announced once in the changes
feed, every voided invoice cancelled on the jobs side once and no other, and the reconcile must be
clean. Prints its figures; `tests/e2e/test_read_faults.py` runs a
shorter version in the suite.

    .venv/bin/python benchmarks/read_faults.py --package sage --kills 40
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from ledgerlink.domain.records import Customer, CustomerPayment, DocumentLine, Invoice, RecordKind
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit.server import BackgroundServer
from ledgerlink.services.demo.books import reference_lists
from ledgerlink.services.demo.sandbox_session import connect_to_sandbox, seed_business
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.inbound.settings import save_reading_settings
from ledgerlink.services.onboarding.connect import save_settings
from ledgerlink.services.onboarding.nominals import Nominals
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.sending.controls import send_now
from ledgerlink.services.sending.reconcile import reconcile
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection

SECRET = "read-trial-secret"
FAULTS = {"error_rate": 0.10, "rate_limit_rate": 0.02, "retry_after": 0.2, "latency_ms": 10}
GROSS = Decimal("120.00")  # each invoice: 100.00 and VAT
PART = Decimal("10.00")  # each payment the bookkeeper records


@dataclass
class ReadTrial:
    package: str
    kills: int
    runs: int
    seconds: float
    made: int
    deleted: int
    present: int
    duplicates: int
    missing: list[str]
    wrongly_kept: list[str]
    wrong_allocations: list[str]
    voided: int = 0
    voids_missing: list[str] = field(default_factory=list)
    wrongly_cancelled: list[str] = field(default_factory=list)
    events: Counter[str] = field(default_factory=Counter)
    reconcile_clean: bool = False
    pending: int = 0


def _books(invoices: int) -> list[Any]:
    records: list[Any] = []
    for n in range(1, invoices // 2 + 1):
        records.append(Customer(source_id=f"C{n}", first_name="Pat", last_name=f"Customer{n}"))
    for n in range(1, invoices + 1):
        line = DocumentLine(
            description="Service", unit_price=Decimal("100.00"), vat_rate="S", nominal_code="4020"
        )
        records.append(
            Invoice(
                source_id=f"J-{n}",
                number=f"INV-{n}",
                date=date(2026, 10, 1),
                customer_id=f"C{(n - 1) % (invoices // 2) + 1}",
                lines=(line,),
            )
        )
    return records


async def _prepare(store: Store, connectors: ConnectorFactory, package: str, invoices: int) -> Connection:
    nominals, rates, methods = reference_lists()
    with store.unit_of_work() as uow:
        company = uow.companies.add("Read Trial Heating", slug="read-trial")
        reference = uow.reference(company.id)
        reference.put_nominal_accounts(nominals)
        reference.put_vat_rates(rates)
        reference.put_payment_methods(methods)
        assert not ingest(uow, company.id, _books(invoices)).rejected
        uow.commit()
    await seed_business(connectors, package, "Read Trial Books")
    connection = await connect_to_sandbox(connectors, company.id, package, "Read Trial Books")
    connection = save_settings(connectors, company.id, connection.id, cut_off_date=date(2026, 1, 1))
    connector = connectors.connector(connection)
    try:
        mapping = Nominals(store, connection)
        await mapping.read_lists(connector)
        mapping.accept_suggestions(checked=True)
    finally:
        await connector.aclose()
    report = await send_now(connectors, company.id)
    assert not report.failed, report.failed
    return connection


class Bookkeeper:
    """A person in the package: pays invoices a part at a time, deletes a payment now and then, and
    voids an invoice nothing is paid on."""

    def __init__(self, url: str, package: str, store: Store, connection: Connection, dice: random.Random):
        self.url, self.package, self.dice = url, package, dice
        with store.unit_of_work() as uow:
            links = uow.links(connection.id)
            self.invoices = {link.source_id: link.package_id for link in links.all(RecordKind.INVOICE)}
            self.contacts = {link.source_id: link.package_id for link in links.all(RecordKind.CUSTOMER)}
            self.bank = uow.mappings(connection.id).as_dict()[("payment_method", "bacs")]
        self.outstanding = dict.fromkeys(self.invoices, GROSS)
        self.made: dict[str, str] = {}  # package payment id -> invoice source id
        self.deleted: set[str] = set()
        self.voided: set[str] = set()

    def _act(self, method: str, path: str, body: Any, query: dict[str, str] | None = None) -> Any:
        reply = httpx.post(
            f"{self.url}/_sandbox/as_person",
            json={"method": method, "path": path, "body": body, "query": query},
            timeout=30,
        )
        reply.raise_for_status()
        return reply.json() if reply.content else None

    def pay(self) -> None:
        open_ones = [source for source, left in self.outstanding.items() if left >= PART]
        if not open_ones:
            return
        invoice = self.dice.choice(open_ones)
        document = self.invoices[invoice]
        if self.package == "sage":
            customer = f"C{(int(invoice.split('-')[1]) - 1) % len(self.contacts) + 1}"
            body = {
                "contact_payment": {
                    "transaction_type_id": "CUSTOMER_RECEIPT",
                    "contact_id": self.contacts[customer],
                    "bank_account_id": self.bank,
                    "date": "2026-10-20",
                    "total_amount": float(PART),
                    "allocated_artefacts": [{"artefact_id": document, "amount": float(PART)}],
                }
            }
            payment_id = str(self._act("POST", "/contact_payments", body)["id"])
        else:
            body = {
                "Payments": [
                    {
                        "Invoice": {"InvoiceID": document},
                        "Account": {"AccountID": self.bank},
                        "Date": "2026-10-20",
                        "Amount": float(PART),
                    }
                ]
            }
            payment_id = str(self._act("PUT", "/Payments", body)["Payments"][0]["PaymentID"])
        self.made[payment_id] = invoice
        self.outstanding[invoice] -= PART

    def delete_one(self) -> None:
        kept = sorted(set(self.made) - self.deleted)
        if not kept:
            return
        payment_id = self.dice.choice(kept)
        if self.package == "sage":
            self._act("DELETE", f"/contact_payments/{payment_id}", None)
        else:
            self._act("POST", f"/Payments/{payment_id}", {"Payments": [{"Status": "DELETED"}]})
        self.deleted.add(payment_id)
        self.outstanding[self.made[payment_id]] += PART

    def void_one(self) -> None:
        untouched = sorted(
            invoice
            for invoice, left in self.outstanding.items()
            if left == GROSS and invoice not in self.voided
        )
        if not untouched:
            return
        invoice = self.dice.choice(untouched)
        document = self.invoices[invoice]
        if self.package == "sage":
            self._act("DELETE", f"/sales_invoices/{document}", None, {"void_reason": "raised in error"})
        else:
            body = {"Invoices": [{"InvoiceID": document, "Status": "VOIDED"}]}
            self._act("POST", f"/Invoices/{document}", body)
        self.voided.add(invoice)
        self.outstanding[invoice] = Decimal(0)


@contextmanager
def faults_off(url: str) -> Iterator[None]:
    """The bookkeeper works in the package's own screens, which the faults meant for ledgerlink spare."""
    httpx.post(f"{url}/_sandbox/faults", json={}).raise_for_status()
    try:
        yield
    finally:
        httpx.post(f"{url}/_sandbox/faults", json=FAULTS).raise_for_status()


class CountingRequests:
    """The sandbox, counting the API requests it is sent (not the admin ones), so that a reader is
    killed once it has begun talking to the package, not while Python is still starting."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.count = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and not scope["path"].startswith("/_sandbox"):
            self.count += 1
        await self.app(scope, receive, send)


def _began(counter: CountingRequests, process: subprocess.Popen[bytes], before: int) -> bool:
    while process.poll() is None:
        if counter.count > before:
            return True
        time.sleep(0.02)
    return False


def _reader(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as output:
        return subprocess.Popen(
            [sys.executable, "-m", "ledgerlink", "from-package", "read", "--company", "read-trial", "--json"],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


def run_trial(
    package: str = "sage",
    *,
    kills: int = 30,
    invoices: int = 40,
    workdir: Path | None = None,
    seed: int = 1,
    max_gap: float = 2.0,
    deletion_share: float = 0.3,
    void_share: float = 0.15,
) -> ReadTrial:
    """Between kills the bookkeeper pays one to three invoices (and sometimes deletes a payment); each
    reader is killed at a random moment up to `max_gap` seconds after its first request reached the
    sandbox, so the kills land all through reading and applying."""
    started = time.monotonic()
    folder = workdir or Path(tempfile.mkdtemp(prefix="ledgerlink-read-faults-"))
    counter = CountingRequests(sandbox_app(package, limits=False, fault_seed=11))
    url_variable = f"LEDGERLINK_{package.upper()}_SANDBOX_URL"
    with BackgroundServer(counter) as server:
        env = {
            **os.environ,
            "LEDGERLINK_DATA_DIR": str(folder),
            "LEDGERLINK_SECRET_KEY": SECRET,
            url_variable: server.url,
        }
        earlier_url = os.environ.get(url_variable)
        os.environ[url_variable] = server.url
        settings = Settings(data_dir=folder, secret_key=SECRET)
        store = Store.from_settings(settings)
        connectors = ConnectorFactory.from_settings(store, settings)
        connection = asyncio.run(_prepare(store, connectors, package, invoices))
        save_reading_settings(store, connection.company_id, kinds=["payment", "document"])
        dice = random.Random(seed)
        person = Bookkeeper(server.url, package, store, connection, dice)
        httpx.post(f"{server.url}/_sandbox/faults", json=FAULTS).raise_for_status()
        log = folder / "readers.log"
        killed = runs = 0
        while killed < kills:
            with faults_off(server.url):
                for _ in range(dice.randint(1, 3)):
                    person.pay()
                if dice.random() < deletion_share:
                    person.delete_one()
                if dice.random() < void_share:
                    person.void_one()
            before = counter.count
            process = _reader(env, log)
            runs += 1
            if _began(counter, process, before):
                time.sleep(dice.uniform(0.0, max_gap))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                process.wait()
                killed += 1
        for _ in range(30):  # then let it finish, faults still on
            process = _reader(env, log)
            runs += 1
            if process.wait() in (0, 3) and _pending(store, connection) == 0:
                break
        httpx.post(f"{server.url}/_sandbox/faults", json={}).raise_for_status()
        clean = asyncio.run(_reconciled(store, connectors, connection))
        if earlier_url is None:
            del os.environ[url_variable]
        else:
            os.environ[url_variable] = earlier_url
    result = _count(store, connection, person)
    result.package, result.kills, result.runs = package, killed, runs
    result.seconds = time.monotonic() - started
    result.reconcile_clean = clean
    result.pending = _pending(store, connection)
    store.close()
    return result


def _pending(store: Store, connection: Connection) -> int:
    with store.unit_of_work() as uow:
        return uow.inbound(connection).counts().get("pending", 0)


async def _reconciled(store: Store, connectors: ConnectorFactory, connection: Connection) -> bool:
    connector = connectors.connector(connection)
    try:
        return (await reconcile(store, connection, connector)).clean
    finally:
        await connector.aclose()


def _count(store: Store, connection: Connection, person: Bookkeeper) -> ReadTrial:
    prefix = f"{connection.package}-"
    with store.unit_of_work() as uow:
        payments = {
            stored.source_id: stored.record
            for chunk in uow.records(connection.company_id).iter_chunks(
                RecordKind.CUSTOMER_PAYMENT, chunk_size=5000
            )
            for stored in chunk
            if stored.source_id.startswith(prefix)
        }
        events = uow.package_events(connection.company_id).page(limit=1_000_000)
        cancelled = {
            stored.source_id
            for chunk in uow.records(connection.company_id).iter_chunks(RecordKind.INVOICE, chunk_size=5000)
            for stored in chunk
            if isinstance(stored.record, Invoice) and stored.record.cancelled_on is not None
        }
    announced = Counter((event.what, event.source_id) for event in events)
    expected = {
        prefix + payment_id: invoice
        for payment_id, invoice in person.made.items()
        if payment_id not in person.deleted
    }
    gone = {prefix + payment_id for payment_id in person.deleted}
    wrong = []
    for source_id, invoice in expected.items():
        record = payments.get(source_id)
        if isinstance(record, CustomerPayment) and [
            (a.document_id, a.amount) for a in record.allocations
        ] != [(invoice, PART)]:
            wrong.append(source_id)
    return ReadTrial(
        package=connection.package,
        kills=0,
        runs=0,
        seconds=0.0,
        made=len(person.made),
        deleted=len(person.deleted),
        present=len(payments),
        duplicates=sum(count - 1 for count in announced.values() if count > 1),
        missing=sorted(set(expected) - set(payments)),
        wrongly_kept=sorted(gone & set(payments)),
        wrong_allocations=wrong,
        voided=len(person.voided),
        voids_missing=sorted(person.voided - cancelled),
        wrongly_cancelled=sorted(cancelled - person.voided),
        events=Counter(event.what for event in events),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--package", default="sage", choices=["sage", "xero"])
    parser.add_argument("--kills", type=int, default=40)
    parser.add_argument("--invoices", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    result = run_trial(args.package, kills=args.kills, invoices=args.invoices, seed=args.seed)
    print(f"package            {result.package}")
    print(f"reader kills       {result.kills} (SIGKILL at a random moment of each run), {result.runs} runs")
    print("faults             10% 500s, 2% 429s, 10 ms latency")
    print(f"payments made      {result.made} in the package, {result.deleted} of them deleted again")
    print(f"on the jobs side   {result.present} payments from the package")
    print(f"events             {dict(result.events)}")
    print(f"announced twice    {result.duplicates}")
    print(f"missing            {len(result.missing)}   wrongly kept {len(result.wrongly_kept)}")
    print(f"wrong allocations  {len(result.wrong_allocations)}   pending {result.pending}")
    print(
        f"invoices voided    {result.voided} in the package; on the jobs side {len(result.voids_missing)} not"
    )
    print(f"                   cancelled, {len(result.wrongly_cancelled)} cancelled that were not voided")
    print(f"reconcile clean    {result.reconcile_clean}")
    print(f"seconds            {result.seconds:.1f}")


if __name__ == "__main__":
    main()
