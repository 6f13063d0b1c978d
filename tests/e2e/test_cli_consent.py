"""On the command line the mapping step asks consent for what the package needs made (QuickBooks'
service items), `nominals allow` gives it, and the send then makes the items its invoices need."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit import BackgroundServer
from tests.support.command_line import Answer, free_port, invoke, map_everything


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CliRunner, str]]:
    """A company with a few months of books connected to a QuickBooks sandbox company, its accounts mapped."""
    with BackgroundServer(sandbox_app("quickbooks", limits=False)) as server:
        httpx.post(f"{server.url}/_sandbox/seed", json={"name": "Acme Books"}).raise_for_status()
        monkeypatch.setenv("LEDGERLINK_QUICKBOOKS_SANDBOX_URL", server.url)
        monkeypatch.setenv("LEDGERLINK_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("LEDGERLINK_REDIRECT_URI", f"http://127.0.0.1:{free_port()}/connect/callback")
        monkeypatch.setenv("LEDGERLINK_COMPANY", "acme-heating")
        monkeypatch.delenv("LEDGERLINK_DATABASE_URL", raising=False)
        monkeypatch.delenv("LEDGERLINK_QUICKBOOKS_CREATE_ITEMS", raising=False)
        runner = CliRunner()
        for args in (
            ("init", "--company", "Acme Heating"),
            ("demo-data", "--company", "acme-heating", "--seed", "3", "--invoices", "12"),
            ("connect", "quickbooks", "--sandbox", "--auto-approve", "--business", "Acme Books", "--json"),
            ("settings", "--cut-off-date", "2020-01-01"),
        ):
            ok(runner, *args)
        yield runner, server.url


def ok(runner: CliRunner, *args: str) -> Answer:
    answer = invoke(runner, *args)
    assert answer.code == 0, answer.text
    return answer


def items_in(url: str) -> int:
    state = httpx.get(f"{url}/_sandbox/state", timeout=5).json()
    return int(state["businesses"][0]["counts"]["Item"])


def test_the_mapping_step_asks_for_the_items_and_allowing_them_lets_the_invoices_go(
    cli: tuple[CliRunner, str],
) -> None:
    runner, url = cli
    suggested = ok(runner, "nominals", "suggest", "--accept")
    map_everything(runner)
    asked = json.loads(ok(runner, "nominals", "allow", "--json").stdout)
    allowed = ok(runner, "nominals", "allow", "create_sales_items")
    listed = json.loads(ok(runner, "nominals", "allow", "--json").stdout)
    sent = invoke(runner, "send", "--json")

    assert "ledgerlink nominals allow create_sales_items" in suggested.text
    assert [(a["name"], a["given"]) for a in asked] == [("create_sales_items", False)]
    assert "allowed: create the items" in allowed.text
    assert [(a["name"], a["given"]) for a in listed] == [("create_sales_items", True)]
    assert sent.code == 0, sent.text
    assert items_in(url) >= 1
