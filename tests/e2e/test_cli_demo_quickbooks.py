"""`ledgerlink demo --package quickbooks`: the new-package path on QuickBooks Online, end to end.

The demo company's sales accounts each need a service item to sell through; at the mapping step the
demo, playing the bookkeeper, allows ledgerlink to create them, as the step asks (no setting does it
for every connection here). Everything is sent in batches, the books reconcile, and a second run sends
to a fresh company with nothing duplicated.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerlink.services.operations import local_sandboxes as sandbox_host
from ledgerlink.settings import Settings
from tests.support.command_line import cli_environment, free_port, run_ledgerlink

pytestmark = pytest.mark.slow


@pytest.fixture
def env(tmp_path: Path) -> Iterator[dict[str, str]]:
    data_dir = tmp_path / "data"
    values = cli_environment(data_dir, company="demo")
    values["LEDGERLINK_QUICKBOOKS_SANDBOX_URL"] = f"http://127.0.0.1:{free_port()}"
    try:
        yield values
    finally:
        sandbox_host.stop("quickbooks", Settings(data_dir=data_dir))


def demo(env: dict[str, str]) -> dict[str, Any]:
    answer = run_ledgerlink(
        "demo", "--invoices", "120", "--package", "quickbooks", "--json", env=env, timeout=300
    )
    assert answer.code == 0, answer.stderr
    found: dict[str, Any] = json.loads(answer.stdout)
    return found


def test_the_demo_sends_the_whole_company_to_quickbooks_and_ends_on_a_clean_reconcile(
    env: dict[str, str],
) -> None:
    first = demo(env)
    second = demo(env)
    state = httpx.get(f"{env['LEDGERLINK_QUICKBOOKS_SANDBOX_URL']}/_sandbox/state", timeout=5).json()

    for shown in (first, second):
        counts = shown["status"]["counts"]
        assert shown["open_items"]["count"] > 0  # the company starts mid-year
        assert shown["open_items"]["in_package"] == shown["open_items"]["count"]  # as opening items
        assert sum(count for state, count in counts.items() if state != "sent") == 0
        assert shown["reconcile"]["clean"] is True
    held = [
        (c["counts"]["Customer"], c["counts"]["Vendor"], c["counts"]["Invoice"]) for c in state["businesses"]
    ]
    kinds = first["summary"]["kinds"]
    assert held == [(kinds["customer"]["count"], kinds["supplier"]["count"], held[0][2])] * 2
