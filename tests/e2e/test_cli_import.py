"""`ledgerlink import` as a person uses it, against a Sage sandbox served on a real socket."""

from __future__ import annotations

import csv
import json
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from ledgerlink.cli import build_app
from ledgerlink.sandbox.build import sandbox_app
from ledgerlink.sandbox.kit import BackgroundServer

CONTACTS = [
    {
        "name": "SMITH, JOHN",
        "type": "customer",
        "reference": "SMITH01",
        "address": {"address_line_1": "4 Elm Road, Leeds LS6 2AB"},
        "email": "john@",
        "telephone": "0113 496 0000",
    },
    {
        "name": "Acme Plumbing Ltd",
        "type": "customer",
        "reference": "ACME01",
        "address": {"address_line_1": "Unit 4", "city": "Leeds", "postal_code": "LS11 5AA"},
        "email": "accounts@acme.example.com",
    },
    {
        "name": "Acme Plumbing Limited",
        "type": "customer",
        "reference": "ACME02",
        "address": {"address_line_1": "Unit 4", "city": "Leeds", "postal_code": "LS11 5AA"},
        "email": "accounts@acme.example.com",
    },
    {"name": "?", "type": "customer", "reference": "Q"},
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    with BackgroundServer(sandbox_app("sage", limits=False)) as server:
        httpx.post(
            f"{server.url}/_sandbox/seed", json={"name": "Acme Books", "contacts": CONTACTS}
        ).raise_for_status()
        monkeypatch.setenv("LEDGERLINK_SAGE_SANDBOX_URL", server.url)
        monkeypatch.setenv("LEDGERLINK_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("LEDGERLINK_REDIRECT_URI", f"http://127.0.0.1:{free_port()}/connect/callback")
        monkeypatch.setenv("LEDGERLINK_COMPANY", "acme-heating")
        monkeypatch.delenv("LEDGERLINK_DATABASE_URL", raising=False)
        monkeypatch.setenv("COLUMNS", "200")
        runner = CliRunner()
        run(runner, "init", "--company", "Acme Heating")
        run(runner, "connect", "sage", "--sandbox", "--auto-approve", "--business", "Acme Books", "--json")
        yield runner


def run(cli: CliRunner, *args: str, ok: bool = True) -> str:
    result = cli.invoke(build_app(), list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result.output


def test_a_dry_run_shows_the_report_and_writes_a_csv_but_imports_nothing(
    cli: CliRunner, tmp_path: Path
) -> None:
    report = tmp_path / "report.csv"
    output = run(cli, "import", "customers", "--dry-run", "--report", str(report))
    assert "4 sage contacts offered as customers: 3 would be created, 1 skipped" in output
    assert "email cannot work" in output
    assert "no usable name" in output
    assert "Nothing was written (dry run)" in output
    rows = list(csv.DictReader(report.open(encoding="utf-8")))
    by_name = {row["name"]: row for row in rows}
    assert by_name["SMITH, JOHN"]["becomes"] == "residential customer John Smith"
    assert "'john@' cannot work as an email address" in by_name["SMITH, JOHN"]["warnings"]
    assert by_name["?"]["outcome"] == "skipped: no usable name"
    assert "Acme Plumbing Limited" in by_name["Acme Plumbing Ltd"]["duplicate_of"]
    assert json.loads(run(cli, "records", "counts", "--json"))["customer"] == 0


def test_import_then_again_then_undo_with_json_answers(cli: CliRunner) -> None:
    first = json.loads(run(cli, "import", "customers", "--json"))
    assert first["batch"]["summary"]["created"] == 3
    smith = next(record for record in first["records"] if record["name"] == "SMITH, JOHN")
    shown = json.loads(run(cli, "records", "show", "customer", smith["source_id"], "--json"))
    assert shown["record"]["address"]["postcode"] == "LS6 2AB"
    assert shown["record"]["phone"] == "+441134960000"

    second = json.loads(run(cli, "import", "customers", "--json"))
    assert second["batch"]["summary"]["created"] == 0
    assert second["summary"]["already_linked"] == 3

    batches = json.loads(run(cli, "import", "batches", "--json"))
    assert [batch["records"] for batch in batches] == [3, 0]
    undone = json.loads(run(cli, "import", "undo", str(first["batch"]["id"]), "--json"))
    assert (len(undone["removed"]), undone["kept"]) == (3, [])
    assert json.loads(run(cli, "records", "counts", "--json"))["customer"] == 0
    again = run(cli, "import", "undo", str(first["batch"]["id"]), ok=False)
    assert "undone already" in again
    assert "Traceback" not in again


def test_the_field_table_is_printed_for_a_package(cli: CliRunner) -> None:
    table = json.loads(run(cli, "import", "fields", "--package", "xero", "--json"))
    assert list(table) == ["xero"]
    assert {"package_field": "TaxNumber", "jobs_field": "vat_number (customers)"}.items() <= table["xero"][
        -2
    ].items()
    assert "postal_code" in run(cli, "import", "fields", "--package", "sage")
