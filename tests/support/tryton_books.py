"""A real `trytond` beside a company's books: started from the template, connected, and read back.

Tryton is not installed with ledgerlink (it is GPL, and an optional extra run in its own environment):
these tests need `LEDGERLINK_TRYTON_PYTHON` naming a python that has trytond and the accounting
modules (`./dev test` makes one), and are skipped with that reason elsewhere. What they read back to prove
the books is read through Tryton's own model methods: the parties' receivable and payable, the
accounts' debits and credits per fiscal year, and the tax lines of the posted moves.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from ledgerlink.domain.ledger import build_ledger
from ledgerlink.domain.records import (
    CreditNote,
    Invoice,
    Record,
    RecordKind,
    SupplierCreditNote,
    SupplierInvoice,
    VatRate,
)
from ledgerlink.packages.connection import TokenSet
from ledgerlink.packages.pacing import UnlimitedPacer
from ledgerlink.packages.tryton.client import TrytonRpc
from ledgerlink.packages.tryton.server import TrytonHome, TrytonProcess, default_years, ensure_template
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.services.operations.secrets import SecretBox
from ledgerlink.services.operations.tokens import seal_tokens
from ledgerlink.settings import Settings
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection

ZERO = Decimal("0.00")


# Where the test run keeps the one template its Tryton homes copy (set for the session by conftest.py):
# made through Tryton's own methods, it takes longer than most tests, and every home would make its own.
shared_templates: Path | None = None


def tryton_home(root: Path, *, template: bool = True) -> TrytonHome:
    """The machine's Tryton environment, or the test is skipped saying how to get one; with `template`,
    the home holds this run's template already, as a home does after its first business."""
    python = os.environ.get("LEDGERLINK_TRYTON_PYTHON", "")
    if not python or not Path(python).exists():
        pytest.skip(
            "no Tryton here: set LEDGERLINK_TRYTON_PYTHON to a python with trytond 8.0 (./dev test makes one)"
        )
    home = TrytonHome(root, Path(python))
    if template and shared_templates is not None:
        _copy_template(TrytonHome(shared_templates, home.python), home)
    return home


def _copy_template(shared: TrytonHome, home: TrytonHome) -> None:
    """The run's template (made by the first test to need it, while the others wait) and the admin
    password it was made with, copied into `home`."""
    years = default_years()
    shared.root.mkdir(parents=True, exist_ok=True)
    with (shared.root / "making.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # test processes side by side make it once between them
        with ThreadPoolExecutor(1) as beside:  # a test may call this from inside its own event loop
            template = beside.submit(asyncio.run, ensure_template(shared, years)).result()
    home.root.mkdir(parents=True, exist_ok=True)
    shutil.copy2(shared.root / "admin-password", home.root / "admin-password")
    shutil.copyfile(template, home.template_file(years))


def connect(
    store: Store, tmp_path: Path, company_id: int, server: TrytonProcess, monkeypatch: pytest.MonkeyPatch
) -> tuple[ConnectorFactory, Connection]:
    """The company connected to the server's database with the admin login, as `TrytonAuth` keeps it."""
    monkeypatch.setenv("LEDGERLINK_TRYTON_API_URL", server.url)
    connectors = ConnectorFactory(
        store=store,
        settings=Settings(data_dir=tmp_path),
        box=SecretBox("tryton-books"),
        pacer_factory=lambda connection, entry: UnlimitedPacer(),
    )
    tokens = TokenSet(
        access_token=server.home.credentials(),
        refresh_token="",
        access_expires_at=datetime(9999, 1, 1, tzinfo=UTC),
    )
    with store.unit_of_work() as uow:
        connection = uow.connections(company_id).connect(
            package="tryton",
            business_id=server.database,
            business_name=server.database,
            sandbox=False,
            sealed_tokens=seal_tokens(connectors.box, tokens),
            access_expires_at=tokens.access_expires_at,
            refresh_expires_at=None,
        )
        uow.commit()
    return connectors, connection


@dataclass(frozen=True)
class TrytonFigures:
    """What Tryton's own methods say of its books."""

    debits: Decimal
    credits: Decimal
    vat: dict[tuple[str, Decimal], Decimal]  # (sale or purchase, rate percent) -> signed VAT
    invoices: int
    parties: int  # besides the company's own
    owed: dict[str, Decimal]  # party code -> a customer's receivable, or what a supplier is owed


async def figures(rpc: TrytonRpc) -> TrytonFigures:
    debits = credits = ZERO
    for year in await rpc.search_read("account.fiscalyear", [], ["id"]):
        rows = await rpc.model(
            "account.account",
            "search_read",
            [],
            0,
            None,
            None,
            ["debit", "credit", "childs"],
            context={"fiscalyear": year["id"]},
        )
        rows = [row for row in rows if not row["childs"]]  # a parent's figures are its children's again
        debits += sum((Decimal(str(row["debit"])) for row in rows), ZERO)
        credits += sum((Decimal(str(row["credit"])) for row in rows), ZERO)
    kinds = {
        int(row["id"]): str(row["kind"]) for row in await rpc.search_read("account.tax.group", [], ["kind"])
    }
    taxes = {
        int(row["id"]): (
            kinds[int(row["group"])],
            (Decimal(str(row["rate"])) * 100).quantize(Decimal("0.01")),
        )
        for row in await rpc.search_read("account.tax", [], ["group", "rate"])
    }
    vat: dict[tuple[str, Decimal], Decimal] = defaultdict(lambda: ZERO)
    lines = await rpc.search_read(
        "account.tax.line", [("type", "=", "tax"), ("move_line.move.state", "=", "posted")], ["tax", "amount"]
    )
    for line in lines:
        vat[taxes[int(line["tax"])]] += Decimal(str(line["amount"]))
    invoices = len(await rpc.search_read("account.invoice", [("state", "!=", "cancelled")], ["id"]))
    rows = await rpc.search_read("party.party", [], ["code", "receivable", "payable"])
    # Tryton's `payable` is the party's lines' debit less credit, so what a supplier is owed is its negative
    owed = {
        str(row["code"]): Decimal(str(row["receivable"] or 0)) - Decimal(str(row["payable"] or 0))
        for row in rows
        if row.get("code")
    }
    return TrytonFigures(debits, credits, dict(vat), invoices, len(rows) - 1, owed)


def jobs_vat(records: list[Record], rates: list[VatRate]) -> dict[tuple[str, Decimal], Decimal]:
    """The job system's VAT per (sale or purchase, rate), each line's own, credit notes taken off."""
    percent = {rate.code: rate.percent.quantize(Decimal("0.01")) for rate in rates}
    found: dict[tuple[str, Decimal], Decimal] = defaultdict(lambda: ZERO)
    for record in records:
        if isinstance(record, (Invoice, CreditNote)):
            kind = "sale"
        elif isinstance(record, (SupplierInvoice, SupplierCreditNote)):
            kind = "purchase"
        else:
            continue
        sign = -1 if isinstance(record, (CreditNote, SupplierCreditNote)) else 1
        for line in record.lines:
            found[(kind, percent[line.vat_rate])] += sign * line.vat(percent[line.vat_rate])
    return dict(found)


def jobs_owed(records: list[Record], rates: list[VatRate]) -> dict[str, Decimal]:
    """The job system's own ledger per party, keyed as Tryton codes the party (C- or S- and its id)."""
    ledger = build_ledger(records, {rate.code: rate.percent for rate in rates})
    prefix = {RecordKind.CUSTOMER: "C-", RecordKind.SUPPLIER: "S-"}
    owed = {prefix[r.kind] + r.source_id: ZERO for r in records if r.kind in prefix}
    for (kind, source_id), balance in ledger.balances.items():
        owed[prefix[kind] + source_id] = balance
    return owed
