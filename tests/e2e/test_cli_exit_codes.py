"""Exit statuses a script can trust, and with `--json` every answer in JSON on stdout, errors too.

0 all done; 1 refused or went wrong (an error, nothing done); 2 a wrong option or argument; 3 done, but
records or rows need a person (failed, rejected, not found); 4 the connection needs a person to sign in
again; 5 the package stopped the work for now, run again later.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import typer
from typer.testing import CliRunner

from ledgerlink.cli.common import CommandLine, ExitCode
from ledgerlink.sandbox.kit import BackgroundServer
from ledgerlink.sandbox.xero.app import XeroSandboxConfig, create_app
from tests.support.command_line import (
    Answer,
    cli_environment,
    free_port,
    invoke,
    map_everything,
    run_ledgerlink,
)

PACKAGE_CONTACTS = [{"Name": "Acme Lettings Ltd", "AccountNumber": "ACC-9"}]


def test_the_codes_are_the_documented_ones() -> None:
    assert {code.name: int(code) for code in ExitCode} == {
        "OK": 0,
        "ERROR": 1,
        "USAGE": 2,
        "NEEDS_ATTENTION": 3,
        "RECONNECT": 4,
        "TRY_LATER": 5,
    }


def _error(answer: Answer) -> dict[str, Any]:
    """The one JSON document on stdout, which must be an error."""
    document = json.loads(answer.stdout)
    assert set(document) == {"error"}, document
    error: dict[str, Any] = document["error"]
    assert error["code"] == answer.code
    return error


# --- errors, as a process ----------------------------------------------------------------------------


def test_a_usage_error_exits_2_and_with_json_is_a_json_error_on_stdout(tmp_path: Path) -> None:
    env = cli_environment(tmp_path / "data", company="acme")

    plain = run_ledgerlink("records", "list", "--limit", "0", env=env)
    answered = run_ledgerlink("records", "list", "--limit", "0", "--json", env=env)

    assert plain.code == ExitCode.USAGE
    assert "--limit" in plain.stderr
    assert answered.code == ExitCode.USAGE
    assert "--limit" in _error(answered)["message"]
    assert answered.stderr == ""


def test_an_error_exits_1_with_one_line_or_one_json_error(tmp_path: Path) -> None:
    env = cli_environment(tmp_path / "data", company="nobody")

    plain = run_ledgerlink("records", "counts", env=env)
    answered = run_ledgerlink("records", "counts", "--json", env=env)

    assert plain.code == ExitCode.ERROR
    assert plain.stderr.startswith("error: there is no company 'nobody'")
    assert plain.stdout == ""
    assert answered.code == ExitCode.ERROR
    error = _error(answered)
    assert (error["code"], error["type"]) == (1, "RecordNotFound")
    assert error["message"] == plain.stderr.strip().removeprefix("error: ")
    assert answered.stderr == ""


def test_an_unexpected_error_with_json_is_still_a_json_error_and_its_traceback_goes_to_stderr() -> None:
    app = typer.Typer(cls=CommandLine)

    @app.command()
    def boom(as_json: bool = typer.Option(False, "--json")) -> None:
        raise RuntimeError("the disk is on fire")

    @app.callback()
    def _root() -> None:
        """Keep boom a sub-command."""

    answered = CliRunner().invoke(app, ["boom", "--json"])

    assert answered.exit_code == ExitCode.ERROR
    assert json.loads(answered.stdout) == {
        "error": {"message": "unexpected error: the disk is on fire", "code": 1, "type": "RuntimeError"}
    }
    assert "Traceback" in answered.stderr


# --- import-csv --------------------------------------------------------------------------------------


@pytest.fixture
def company(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LEDGERLINK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("LEDGERLINK_DATABASE_URL", raising=False)
    monkeypatch.setenv("LEDGERLINK_COMPANY", "acme-heating")
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    assert invoke(runner, "init", "--company", "Acme Heating").code == 0
    return runner


def test_import_csv_with_rejected_rows_exits_3_and_with_warnings_only_0(
    company: CliRunner, tmp_path: Path
) -> None:
    rejected = tmp_path / "rejected.csv"
    rejected.write_text("source_id,customer_type,last_name\nC1,residential,Smith\nC2,commercial,\n")
    warned = tmp_path / "warned.csv"
    warned.write_text("source_id,last_name,postcode\nC3,Jones,NOT A CODE\n")

    some_rejected = invoke(company, "import-csv", "customers", str(rejected), "--json")
    only_warned = invoke(company, "import-csv", "customers", str(warned))

    assert some_rejected.code == ExitCode.NEEDS_ATTENTION
    report = json.loads(some_rejected.stdout)
    assert (report["created"], report["rejected"]) == (1, 1)
    assert only_warned.code == ExitCode.OK, only_warned.text


def test_import_csv_of_a_file_it_cannot_read_exits_1_naming_the_line_and_the_encoding_to_pass(
    company: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "customers.csv"
    path.write_bytes("source_id,last_name\nC1,Smith\nC2,Café Nero\n".encode("cp1252"))

    refused = invoke(company, "import-csv", "customers", str(path))
    refused_json = invoke(company, "import-csv", "customers", str(path), "--json")
    read = invoke(company, "import-csv", "customers", str(path), "--encoding", "cp1252", "--json")

    assert refused.code == ExitCode.ERROR
    assert (
        "customers.csv: line 3: not UTF-8 (byte 0xe9); save the file as UTF-8, or pass --encoding cp1252"
        in refused.text
    )
    assert "line 3: not UTF-8" in _error(refused_json)["message"]
    assert read.code == ExitCode.OK, read.text
    assert json.loads(read.stdout)["created"] == 2


# --- sending -----------------------------------------------------------------------------------------


class Sandbox:
    def __init__(self, url: str) -> None:
        self.url = url

    def faults(self, **settings: object) -> None:
        httpx.post(f"{self.url}/_sandbox/faults", json=settings).raise_for_status()


@pytest.fixture
def connected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CliRunner, Sandbox]]:
    """A company with a few months of books, connected to a Xero sandbox, mapped and ready to send."""
    config = XeroSandboxConfig(minute_limit=None, day_limit=None, concurrency=None, app_minute_limit=None)
    with BackgroundServer(create_app(config)) as server:
        httpx.post(
            f"{server.url}/_sandbox/seed", json={"name": "Acme Books", "contacts": PACKAGE_CONTACTS}
        ).raise_for_status()
        monkeypatch.setenv("LEDGERLINK_XERO_SANDBOX_URL", server.url)
        monkeypatch.setenv("LEDGERLINK_DATA_DIR", str(tmp_path / "data"))
        monkeypatch.setenv("LEDGERLINK_REDIRECT_URI", f"http://127.0.0.1:{free_port()}/connect/callback")
        monkeypatch.setenv("LEDGERLINK_COMPANY", "acme-heating")
        monkeypatch.delenv("LEDGERLINK_DATABASE_URL", raising=False)
        monkeypatch.setenv("COLUMNS", "200")
        runner = CliRunner()
        for args in (
            ("init", "--company", "Acme Heating"),
            ("demo-data", "--company", "acme-heating", "--seed", "3", "--invoices", "12"),
            ("connect", "xero", "--sandbox", "--auto-approve", "--business", "Acme Books", "--json"),
            ("settings", "--cut-off-date", "2020-01-01"),
        ):
            answer = invoke(runner, *args)
            assert answer.code == 0, answer.text
        map_everything(runner)
        yield runner, Sandbox(server.url)


def _send(cli: CliRunner) -> tuple[int, dict[str, Any]]:
    answer = invoke(cli, "send", "--json")
    return answer.code, json.loads(answer.stdout)


def test_send_with_a_record_the_package_refused_exits_3_and_with_the_connection_lost_4(
    connected: tuple[CliRunner, Sandbox], tmp_path: Path
) -> None:
    cli, sandbox = connected
    duplicate = tmp_path / "duplicate.csv"
    # Xero refuses a second contact with an account number another contact holds
    duplicate.write_text(
        "source_id,customer_type,company_name,account_reference\nDUP1,commercial,Zed Ltd,ACC-9\n"
    )
    assert invoke(cli, "import-csv", "customers", str(duplicate)).code == 0

    failed = _send(cli)
    assert invoke(cli, "resend", "DUP1").code == 0
    sandbox.faults(subscription_lapsed=True)
    lapsed = _send(cli)
    again = _send(cli)

    assert failed[0] == ExitCode.NEEDS_ATTENTION, failed
    assert (failed[1]["counts"]["failed"], failed[1]["counts"]["waiting"]) == (1, 0)
    assert lapsed[0] == ExitCode.RECONNECT, lapsed
    assert "reconnect" in lapsed[1]["stopped"]
    assert again[0] == ExitCode.RECONNECT, again


def test_send_whose_replies_were_lost_exits_5_and_the_next_send_settles_them(
    connected: tuple[CliRunner, Sandbox],
) -> None:
    cli, sandbox = connected

    sandbox.faults(unavailable_rate=1.0, retry_after=0)
    unavailable = _send(cli)
    sandbox.faults()
    settled = _send(cli)

    assert unavailable[0] == ExitCode.TRY_LATER, unavailable
    assert unavailable[1]["counts"]["uncertain"] > 0  # a 503 to a write: it may have been applied
    assert settled[0] == ExitCode.OK, settled


def test_a_clean_send_exits_0(connected: tuple[CliRunner, Sandbox]) -> None:
    cli, _ = connected

    code, report = _send(cli)

    assert code == ExitCode.OK, report
    assert report["counts"]["failed"] == report["counts"]["blocked"] == 0


def test_resend_and_do_not_send_name_the_ids_they_do_not_know_and_exit_3(
    connected: tuple[CliRunner, Sandbox],
) -> None:
    cli, _ = connected
    assert _send(cli)[0] == ExitCode.OK

    resent = invoke(cli, "resend", "NOPE-1", "--json")
    held = invoke(cli, "do-not-send", "NOPE-2", "--json")
    held_text = invoke(cli, "do-not-send", "NOPE-2")
    nothing_named = invoke(cli, "do-not-send", "--json")

    assert resent.code == ExitCode.NEEDS_ATTENTION
    assert json.loads(resent.stdout) == {
        "waiting_again": 0,
        "unknown": ["NOPE-1"],
        "uncertain": {"asked": 0, "sent": 0, "waiting": 0, "failed": 0, "still_uncertain": 0},
    }
    assert held.code == ExitCode.NEEDS_ATTENTION
    assert json.loads(held.stdout) == {"changed": 0, "undo": False, "unknown": ["NOPE-2"], "in_flight": []}
    assert "no record in the outbox is NOPE-2" in held_text.text
    assert nothing_named.code == ExitCode.USAGE
    assert "name the records" in _error(nothing_named)["message"]


def test_open_items_are_listed_and_settled_outside_from_the_command_line(
    connected: tuple[CliRunner, Sandbox],
) -> None:
    cli, _ = connected
    assert invoke(cli, "settings", "--cut-off-date", "2026-11-01").code == 0  # the demo's books end here
    listed = json.loads(invoke(cli, "open-items", "--json").stdout)
    first = listed[0]["source_id"]

    settled = invoke(cli, "open-items", "--settled-outside", first)
    again = json.loads(invoke(cli, "open-items", "--json").stdout)
    wrong = invoke(cli, "open-items", "--settled-outside", "NOPE-1", "--json")

    assert listed
    assert all(item["open_amount"] and " · £" in item["title"] for item in listed)
    assert "1 open item marked settled outside ledgerlink" in settled.text
    assert [item["settled_outside"] for item in again if item["source_id"] == first] == [True]
    assert wrong.code == ExitCode.ERROR
    assert "NOPE-1" in _error(wrong)["message"]


def test_open_items_are_linked_to_the_package_s_documents_from_the_command_line(
    connected: tuple[CliRunner, Sandbox],
) -> None:
    cli, _ = connected
    assert invoke(cli, "settings", "--cut-off-date", "2026-11-01").code == 0
    first = json.loads(invoke(cli, "open-items", "--json").stdout)[0]["source_id"]

    nothing_there = invoke(cli, "link-open-items", "--json")  # the package holds none of them
    by_hand = invoke(cli, "link-open-items", "--link", f"{first}=a-document-in-the-package")
    wrong = invoke(cli, "link-open-items", "--link", "NOPE-1=x", "--json")
    half = invoke(cli, "link-open-items", "--link", first)

    assert json.loads(nothing_there.stdout) == []
    assert by_hand.code == ExitCode.ERROR  # a package id that is none of its open documents
    assert "a-document-in-the-package is not one of the package's open documents" in by_hand.text
    assert wrong.code == ExitCode.ERROR
    assert "NOPE-1" in _error(wrong)["message"]
    assert half.code == ExitCode.USAGE
