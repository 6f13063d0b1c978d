"""`ledgerlink match-files`: link two CSV exports of customers or suppliers, without a database.

For a bookkeeper's first look at a side-by-side company: export customers from the job system and
contacts from the package, say which columns hold what, and get back the proposed links with their
band and reasons, one row per link, one to one.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ledgerlink.cli.common import shown
from ledgerlink.errors import UnreadableFile
from ledgerlink.matching import MatchResult, Party, match
from ledgerlink.services.spreadsheets import SheetWriter, read_sheet

FIELDS: tuple[str, ...] = (
    "name",
    "title",
    "first_name",
    "last_name",
    "company_name",
    "address",
    "address_line_1",
    "address_line_2",
    "town",
    "postcode",
    "email",
    "phone",
    "reference",
)
"""What a column (or several joined with a space) may stand for."""

PAIR_COLUMNS: tuple[str, ...] = ("left_id", "right_id", "score", "band", "reasons")


@dataclass(frozen=True)
class FieldMap:
    """Which columns of one file feed which party field."""

    id_column: str
    fields: dict[str, tuple[str, ...]]


def parse_maps(specs: Sequence[str], option: str) -> dict[str, tuple[str, ...]]:
    """Read ``FIELD=COL[+COL...]`` options into a field -> columns mapping, refusing unknown fields."""
    mapping: dict[str, tuple[str, ...]] = {}
    for spec in specs:
        field, sep, columns = spec.partition("=")
        field = field.strip()
        if not sep or not columns.strip():
            raise typer.BadParameter(f"{spec!r} is not FIELD=COLUMN[+COLUMN...]", param_hint=option)
        if field not in FIELDS:
            raise typer.BadParameter(
                f"unknown field {field!r} in {spec!r}; choose one of: {', '.join(FIELDS)}", param_hint=option
            )
        if field in mapping:
            raise typer.BadParameter(f"field {field!r} is mapped twice", param_hint=option)
        mapping[field] = tuple(column.strip() for column in columns.split("+") if column.strip())
    return mapping


@dataclass
class Loaded:
    """The parties read from one file, and the rows that could not be used, each with its reason."""

    parties: list[Party]
    problems: list[str]


def read_parties(path: Path, field_map: FieldMap, side: str, *, encoding: str | None = None) -> Loaded:
    """Read one CSV into parties; a bad row is reported by number and skipped, never fatal."""
    try:
        sheet = read_sheet(path, encoding=encoding, skip_initial_space=True)
    except OSError as error:
        raise typer.BadParameter(f"cannot read {path}: {error.strerror}", param_hint=side.upper()) from error
    except UnreadableFile as error:
        raise typer.BadParameter(f"cannot read {path}: {error}", param_hint=side.upper()) from error
    headers = list(sheet.header)
    needed = {field_map.id_column} | {c for cols in field_map.fields.values() for c in cols}
    missing = sorted(needed - set(headers))
    if missing:
        raise typer.BadParameter(
            f"{path} has no column {', '.join(map(repr, missing))}; its columns are: {', '.join(headers)}",
            param_hint=f"--{side}-map",
        )
    parties: list[Party] = []
    problems: list[str] = []
    seen: set[str] = set()
    for read in sheet.rows:
        number, row = read.line, read.by_column(headers)
        if read.problem is not None:
            where = f"{read.problem.column}: " if read.problem.column else ""
            problems.append(
                f"{path.name} line {read.problem.line}: {where}{read.problem.message}; row skipped"
            )
            continue
        record_id = row.get(field_map.id_column, "").strip()
        if not record_id:
            problems.append(f"{path.name} line {number}: empty {field_map.id_column!r}; row skipped")
            continue
        if record_id in seen:
            problems.append(f"{path.name} line {number}: id {record_id!r} appears again; row skipped")
            continue
        seen.add(record_id)
        parties.append(_party(record_id, row, field_map))
    return Loaded(parties=parties, problems=problems)


def _party(record_id: str, row: dict[str, str], field_map: FieldMap) -> Party:
    values = {
        field: " ".join(v for v in ((row.get(c) or "").strip() for c in columns) if v)
        for field, columns in field_map.fields.items()
    }
    lines = tuple(
        v
        for v in (
            values.get("address", ""),
            values.get("address_line_1", ""),
            values.get("address_line_2", ""),
        )
        if v
    )
    return Party(
        id=record_id,
        name=values.get("name", ""),
        title=values.get("title", ""),
        first_name=values.get("first_name", ""),
        last_name=values.get("last_name", ""),
        company_name=values.get("company_name", ""),
        address_lines=lines,
        town=values.get("town", ""),
        postcode=values.get("postcode", ""),
        email=values.get("email", ""),
        phone=values.get("phone", ""),
        reference=values.get("reference", ""),
    )


def write_pairs(path: Path, result: MatchResult) -> None:
    """One row per proposed link; reasons joined with "; " so the file stays one row per link."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = SheetWriter(handle, PAIR_COLUMNS, numbers=("score",))
        for p in result.proposals:
            writer.row([p.left_id, p.right_id, f"{p.score:.4f}", p.band, "; ".join(p.reasons)])


def summary(result: MatchResult, seconds: float, out: Path, problems: list[str]) -> dict[str, object]:
    """The facts a person (or a script) wants after a run."""
    counts = result.counts()
    return {
        "left": result.stats.left,
        "right": result.stats.right,
        "sure": counts["sure"],
        "likely": counts["likely"],
        "review": counts["review"],
        "unmatched_left": counts["unmatched_left"],
        "unmatched_right": counts["unmatched_right"],
        "candidate_pairs": result.stats.candidate_pairs,
        "seconds": round(seconds, 3),
        "out": str(out),
        "skipped_rows": problems,
    }


def match_files(
    left: Path = typer.Argument(..., help="CSV of one side, e.g. the job system's customers"),
    right: Path = typer.Argument(..., help="CSV of the other side, e.g. the package's contacts"),
    left_id: str = typer.Option(..., "--left-id", help="the column holding the left file's record id"),
    right_id: str = typer.Option(..., "--right-id", help="the column holding the right file's record id"),
    left_map: list[str] = typer.Option(
        [],
        "--left-map",
        help="FIELD=COL[+COL...] for the left file, repeatable; + joins columns with a space",
    ),
    right_map: list[str] = typer.Option(
        [],
        "--right-map",
        help="FIELD=COL[+COL...] for the right file, repeatable; + joins columns with a space",
    ),
    out: Path = typer.Option(..., "--out", help="where to write the proposed links (CSV)"),
    encoding: str | None = typer.Option(
        None,
        "--encoding",
        help="the files' encoding when neither is UTF-8 nor marked (e.g. cp1252); found from a byte-order mark",
    ),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
) -> None:
    """Propose one-to-one links between two CSV files, with a band and reasons for each."""
    left_fields = FieldMap(left_id.strip(), parse_maps(left_map, "--left-map"))
    right_fields = FieldMap(right_id.strip(), parse_maps(right_map, "--right-map"))
    started = time.perf_counter()
    left_loaded = read_parties(left, left_fields, "left", encoding=encoding)
    right_loaded = read_parties(right, right_fields, "right", encoding=encoding)
    result = match(left_loaded.parties, right_loaded.parties)
    write_pairs(out, result)
    seconds = time.perf_counter() - started
    facts = summary(result, seconds, out, left_loaded.problems + right_loaded.problems)
    if as_json:
        typer.echo(json.dumps(facts))
        return
    console = Console(emoji=False)  # made now: it reads the terminal's width (COLUMNS) when it is made
    table = Table(title=f"{facts['left']} left, {facts['right']} right")
    table.add_column("outcome")
    table.add_column("count", justify="right")
    table.add_row("sure (link)", str(facts["sure"]))
    table.add_row("likely (review)", str(facts["likely"]))
    table.add_row("other candidates to review", str(facts["review"]))
    table.add_row("left without a match", str(facts["unmatched_left"]))
    table.add_row("right without a match", str(facts["unmatched_right"]))
    console.print(table)
    for problem in left_loaded.problems + right_loaded.problems:
        console.print(f"[yellow]skipped:[/yellow] {shown(problem)}")
    console.print(f"{len(result.proposals)} links written to {shown(out)} in {seconds:.2f} s")


def register(app: typer.Typer) -> None:
    """Add ``match-files`` to the command line."""
    app.command(name="match-files")(match_files)
