"""`ledgerlink match-files` as a bookkeeper would run it on two exports."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from ledgerlink.cli import match_files


@pytest.fixture
def app() -> typer.Typer:
    app = typer.Typer()
    match_files.register(app)

    @app.callback()
    def _root() -> None:
        """Keep match-files a sub-command, as in the real command line."""

    return app


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    jobs = _write(
        tmp_path / "jobs.csv",
        [
            {
                "Id": "J1",
                "Title": "Mr",
                "Forename": "J.",
                "Surname": "Smith",
                "Street": "4 Elm Rd",
                "Postcode": "LS6 2AB",
            },
            {
                "Id": "J2",
                "Title": "",
                "Forename": "",
                "Surname": "",
                "Street": "1 Mill Lane",
                "Postcode": "BD3 9QT",
            },
            {
                "Id": "J3",
                "Title": "Mrs",
                "Forename": "Ann",
                "Surname": "Holt",
                "Street": "9 Oak Ave",
                "Postcode": "YO1 7HH",
            },
            {"Id": "", "Title": "", "Forename": "No", "Surname": "Id", "Street": "", "Postcode": ""},
        ],
    )
    books = _write(
        tmp_path / "books.csv",
        [
            {"ContactID": "S1", "Name": "John Smith", "Address": "4 Elm Road, Leeds LS62AB", "Email": ""},
            {"ContactID": "S2", "Name": "Zed Ltd", "Address": "77 High Street, Bath BA1 1AA", "Email": ""},
        ],
    )
    return jobs, books


def _args(jobs: Path, books: Path, out: Path) -> list[str]:
    return [
        "match-files",
        str(jobs),
        str(books),
        "--left-id",
        "Id",
        "--right-id",
        "ContactID",
        "--left-map",
        "name=Title+Forename+Surname",
        "--left-map",
        "address_line_1=Street",
        "--left-map",
        "postcode=Postcode",
        "--right-map",
        "name=Name",
        "--right-map",
        "address=Address",
        "--right-map",
        "email=Email",
        "--out",
        str(out),
    ]


def test_links_are_written_one_row_each_with_band_and_reasons(
    app: typer.Typer, files: tuple[Path, Path], tmp_path: Path
) -> None:
    out = tmp_path / "pairs.csv"
    result = CliRunner().invoke(app, _args(*files, out))
    assert result.exit_code == 0, result.output
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["left_id"], r["right_id"], r["band"]) for r in rows] == [("J1", "S1", "sure")]
    assert list(rows[0]) == ["left_id", "right_id", "score", "band", "reasons"]
    assert "same postcode" in rows[0]["reasons"]
    assert 0.0 < float(rows[0]["score"]) <= 1.0
    assert "sure" in result.output
    assert "line 5" in result.output


def test_json_summary_for_scripts(app: typer.Typer, files: tuple[Path, Path], tmp_path: Path) -> None:
    out = tmp_path / "pairs.csv"
    result = CliRunner().invoke(app, [*_args(*files, out), "--json"])
    assert result.exit_code == 0, result.output
    facts = json.loads(result.output)
    assert facts["sure"] == 1
    assert facts["likely"] == 0
    assert facts["left"] == 3
    assert facts["unmatched_left"] == 2
    assert len(facts["skipped_rows"]) == 1
    assert isinstance(facts["seconds"], float)


def test_unknown_field_and_missing_column_are_named(
    app: typer.Typer, files: tuple[Path, Path], tmp_path: Path
) -> None:
    out = tmp_path / "pairs.csv"
    args = _args(*files, out)
    bad_field = CliRunner().invoke(app, [*args, "--left-map", "nickname=Forename"])
    assert bad_field.exit_code != 0
    assert "nickname" in bad_field.output
    bad_column = CliRunner().invoke(app, [*args, "--right-map", "phone=Mobile"])
    assert bad_column.exit_code != 0
    assert "Mobile" in bad_column.output
    assert not out.exists()


def test_ids_that_look_like_formulas_are_written_as_text_and_read_back_as_written(
    app: typer.Typer, tmp_path: Path
) -> None:
    jobs = _write(
        tmp_path / "jobs.csv",
        [
            # as a careful job system exports them: the quote in front keeps a spreadsheet from running it
            {
                "Id": "'=J1",
                "Title": "Mr",
                "Forename": "J.",
                "Surname": "Smith",
                "Street": "4 Elm Rd",
                "Postcode": "LS6 2AB",
            }
        ],
    )
    books = _write(
        tmp_path / "books.csv",
        [{"ContactID": "-S1", "Name": "John Smith", "Address": "4 Elm Road, Leeds LS62AB", "Email": ""}],
    )
    out = tmp_path / "pairs.csv"

    result = CliRunner().invoke(app, _args(jobs, books, out))

    assert result.exit_code == 0, result.output
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["left_id"], r["right_id"], r["band"]) for r in rows] == [("'=J1", "'-S1", "sure")]
    assert not rows[0]["score"].startswith("'")
