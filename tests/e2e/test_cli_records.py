"""The command line as a person uses it: init, import-csv, records, demo-data and demo."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ledgerlink.cli import build_app
from ledgerlink.cli.common import ExitCode


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LEDGERLINK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("LEDGERLINK_DATABASE_URL", raising=False)
    monkeypatch.delenv("LEDGERLINK_COMPANY", raising=False)
    monkeypatch.setenv("COLUMNS", "160")
    return CliRunner()


def run(cli: CliRunner, *args: str, ok: bool = True, code: int = 0) -> str:
    result = cli.invoke(build_app(), list(args))
    if ok:
        assert result.exit_code == code, result.output
    return result.output


def test_init_creates_the_store_an_owner_only_data_folder_and_a_company(
    cli: CliRunner, tmp_path: Path
) -> None:
    output = run(cli, "init", "--company", "Acme Heating")
    assert "Company Acme Heating (acme-heating) created" in output
    assert (tmp_path / "data" / "ledgerlink.db").exists()
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700
    again = json.loads(run(cli, "init", "--company", "Acme Heating", "--json"))
    assert again["created"] is False


def test_import_csv_reports_the_bad_row_and_records_list_shows_the_good_ones(
    cli: CliRunner, tmp_path: Path
) -> None:
    run(cli, "init", "--company", "Acme Heating")
    nominals = tmp_path / "nominals.csv"
    nominals.write_text("code,name,kind\n4000,Sales,sales\n")
    run(cli, "import-csv", "nominal-accounts", str(nominals), "-c", "acme-heating")
    customers = tmp_path / "customers.csv"
    customers.write_text(
        "source_id,customer_type,first_name,last_name,company_name,postcode,email\n"
        "C1,residential,Jane,Smith,,LS6 2AB,jane@example.com\n"
        "C2,commercial,,,,LS1 1AA,\n"
        "C3,residential,Raj,Patel,,NOT A CODE,\n"
    )
    output = run(
        cli,
        "import-csv",
        "customers",
        str(customers),
        "--company",
        "acme-heating",
        code=ExitCode.NEEDS_ATTENTION,
    )
    assert "2 created" in output
    assert "1 rejected" in output
    assert "a commercial customer needs a company name" in output
    assert "'NOT A CODE' is not a UK postcode" in output
    report = json.loads(
        run(
            cli,
            "import-csv",
            "customers",
            str(customers),
            "-c",
            "acme-heating",
            "--json",
            code=ExitCode.NEEDS_ATTENTION,
        )
    )
    assert (report["created"], report["unchanged"]) == (0, 2)
    assert report["problems"][0]["line"] == 3

    listing = run(cli, "records", "list", "customer", "-c", "acme-heating")
    assert "C1" in listing
    assert "C3" in listing
    assert "1-2 of 2" in listing
    shown = json.loads(run(cli, "records", "show", "customer", "C3", "-c", "acme-heating", "--json"))
    assert shown["findings"][0]["field"] == "address.postcode"
    counts = json.loads(run(cli, "records", "counts", "-c", "acme-heating", "--json"))
    assert counts["customer"] == 2


def test_a_missing_company_or_record_is_one_readable_line_not_a_traceback(cli: CliRunner) -> None:
    result = CliRunner().invoke(build_app(), ["records", "counts", "--company", "nobody"])
    assert result.exit_code == 1
    assert "there is no company 'nobody'" in result.output
    assert "Traceback" not in result.output


def test_demo_data_is_deterministic_and_a_second_run_changes_nothing(cli: CliRunner) -> None:
    first = json.loads(
        run(cli, "demo-data", "--company", "Test Plumbing", "--seed", "4", "--invoices", "120", "--json")
    )
    assert first["fed"]["created"] > 120
    assert first["fed"]["rejected"] == 0
    second = json.loads(
        run(cli, "demo-data", "--company", "Test Plumbing", "--seed", "4", "--invoices", "120", "--json")
    )
    assert second["fed"]["unchanged"] == first["fed"]["created"]
    assert second["summary"]["records"] == first["summary"]["records"]


def test_demo_builds_the_demo_company_and_ends_with_a_summary(cli: CliRunner) -> None:
    output = run(cli, "demo", "--invoices", "200", "--books-only")
    assert "Make a fresh demo company" in output
    assert "Check and store every record" in output
    assert "Demo Heating & Plumbing (demo)" in output
    assert "invoice" in output
    assert "Customers owe" in output
    assert "Findings:" in output
    rebuilt = json.loads(run(cli, "demo", "--invoices", "200", "--books-only", "--json"))
    summary = rebuilt["summary"]
    assert summary["kinds"]["invoice"]["count"] == 200
    assert summary["records"] == sum(kind["count"] for kind in summary["kinds"].values())
    assert next(step["name"] for step in rebuilt["steps"]) == "prepare_company"
    listing = run(cli, "records", "list", "invoice", "--limit", "2")
    assert "of 200" in listing
