"""`ledgerlink demo --package tryton`: the new-package path end to end on a real Tryton.

The demo starts Tryton's sandbox (a `trytond` per business, made from a template its first time),
connects through the consent page, maps from suggestions, sends everything and reconciles to the
penny; the sandbox's counts, read from Tryton itself, hold each record once. Needs
`LEDGERLINK_TRYTON_PYTHON` (a python with trytond; `./dev test` makes one).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerlink.services.operations import local_sandboxes as sandbox_host
from ledgerlink.settings import Settings
from tests.support.command_line import cli_environment, free_port, run_ledgerlink
from tests.support.tryton_books import tryton_home

pytestmark = pytest.mark.slow


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    home = tryton_home(tmp_path / "tryton")  # skips the test where there is no Tryton
    data_dir = tmp_path / "data"
    values = cli_environment(data_dir, company="demo")
    values["LEDGERLINK_TRYTON_SANDBOX_URL"] = f"http://127.0.0.1:{free_port()}"
    values["LEDGERLINK_TRYTON_SANDBOX_HOME"] = str(home.root)
    values["LEDGERLINK_TRYTON_PYTHON"] = os.environ["LEDGERLINK_TRYTON_PYTHON"]
    try:
        yield values
    finally:
        sandbox_host.stop("tryton", Settings(data_dir=data_dir))


def test_the_demo_on_tryton_sends_everything_and_tryton_s_books_agree(env: dict[str, str]) -> None:
    answer = run_ledgerlink("demo", "--invoices", "40", "--package", "tryton", "--json", env=env, timeout=600)
    assert answer.code == 0, answer.stderr
    shown: dict[str, Any] = json.loads(answer.stdout)
    state = httpx.get(f"{env['LEDGERLINK_TRYTON_SANDBOX_URL']}/_sandbox/state", timeout=30).json()

    status, reconciled, summary = shown["status"], shown["reconcile"], shown["summary"]
    sent = {kind: states.get("sent", 0) for kind, states in status["by_kind"].items()}
    opening = shown["open_items"]
    # the books start before the cut-off: what was open then went into Tryton as opening entries, none
    # left for a person to mark settled outside, and everything in scope (dated from the cut-off) is
    # sent, nothing left waiting or failed
    assert opening["count"] > 0
    assert (opening["in_package"], opening["settled_outside"]) == (opening["count"], 0)
    assert sent.get("invoice", 0) > 0
    assert sum(count for state, count in status["counts"].items() if state != "sent") == 0
    assert reconciled["clean"] is True
    kinds = summary["kinds"]
    assert reconciled["checked"] == kinds["customer"]["count"] + kinds["supplier"]["count"]
    [business] = state["businesses"]
    counts = business["counts"]
    # what Tryton holds is what was sent: every party, each document (an invoice, or an opening entry
    # for one open at the cut-off), and each payment once
    assert counts["parties"] == kinds["customer"]["count"] + kinds["supplier"]["count"]
    # (a credit note's entries count its allocation beside it, so credit notes bound the count)
    held = counts["sales_documents"] + counts["purchase_documents"] + counts["opening_entries"]
    invoices = sent.get("invoice", 0) + sent.get("supplier_invoice", 0)
    assert invoices <= held <= invoices + sent.get("credit_note", 0) + sent.get("supplier_credit_note", 0)
    assert counts["opening_entries"] == opening["count"]
    assert counts["payments"] == sent.get("customer_payment", 0) + sent.get("supplier_payment", 0)
