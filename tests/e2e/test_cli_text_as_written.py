"""Text from records, files and packages is printed as written: never read as Rich markup.

An id like `x-[/]` or a name like `[bold]Smith` is what the job system holds; the command line shows it
as it is, and never fails on it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.support.command_line import Answer, invoke

MARKUP_ID = "x-[/]"
MARKUP_NAME = "[bold]Smith"
MARKUP_TOWN = "Leeds [red]north[/red]"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("LEDGERLINK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("LEDGERLINK_DATABASE_URL", raising=False)
    monkeypatch.setenv("LEDGERLINK_COMPANY", "acme-heating")
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    assert invoke(runner, "init", "--company", "Acme Heating").code == 0
    return runner


def _customers(tmp_path: Path) -> Path:
    path = tmp_path / "customers.csv"
    path.write_text(
        "source_id,last_name,town,postcode,email\n"
        f'{MARKUP_ID},{MARKUP_NAME},"{MARKUP_TOWN}",LS6 2AB,\n'
        "[b]C2,Jones,Leeds,LS6 2AB,[/]@nowhere\n",
        encoding="utf-8",
    )
    return path


def _shown(answer: Answer) -> str:
    assert "Traceback" not in answer.text, answer.text
    assert "MarkupError" not in answer.text, answer.text
    return answer.text


def test_records_with_markup_in_their_ids_and_names_are_listed_and_shown_as_written(
    cli: CliRunner, tmp_path: Path
) -> None:
    imported = invoke(cli, "import-csv", "customers", str(_customers(tmp_path)))
    listing = invoke(cli, "records", "list", "customer")
    shown = invoke(cli, "records", "show", "customer", MARKUP_ID)

    assert "'[/]@nowhere' is not an email" in _shown(imported)
    assert "[b]C2" in _shown(imported)
    assert shown.code == 0, shown.text
    assert f"customer {MARKUP_ID}" in _shown(shown)
    assert MARKUP_NAME in shown.text
    assert MARKUP_TOWN in shown.text
    assert listing.code == 0, listing.text
    assert MARKUP_ID in _shown(listing)
    assert "[b]C2" in listing.text


def test_an_error_naming_a_markup_id_is_one_readable_line(cli: CliRunner) -> None:
    missing = invoke(cli, "records", "show", "customer", "[bold]nobody[/]")

    assert missing.code == 1
    assert "[bold]nobody[/]" in _shown(missing)


def test_a_company_named_with_brackets_is_shown_as_named(cli: CliRunner) -> None:
    made = invoke(cli, "init", "--company", "Smith [and] Sons [/]", "--json")
    slug = json.loads(made.stdout)["company"]["slug"]

    again = invoke(cli, "init", "--company", "Smith [and] Sons [/]")
    counted = invoke(cli, "records", "counts", "--company", slug)

    assert "Company Smith [and] Sons [/]" in _shown(again)
    assert "Smith [and] Sons [/]" in _shown(counted)


def test_match_files_names_a_skipped_row_by_its_markup_id(cli: CliRunner, tmp_path: Path) -> None:
    left = tmp_path / "left.csv"
    left.write_text("id,name\n[/],Smith\n[/],Smith again\n", encoding="utf-8")
    right = tmp_path / "right.csv"
    right.write_text("id,name\nS1,Smith\n", encoding="utf-8")

    answer = invoke(
        cli,
        "match-files",
        str(left),
        str(right),
        "--left-id",
        "id",
        "--right-id",
        "id",
        "--left-map",
        "name=name",
        "--right-map",
        "name=name",
        "--out",
        str(tmp_path / "pairs.csv"),
    )

    assert "id '[/]' appears again" in _shown(answer)
