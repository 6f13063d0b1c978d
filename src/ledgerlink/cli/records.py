"""`ledgerlink init`, `ledgerlink import-csv` and `ledgerlink records list|show|counts`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from ledgerlink.cli.common import (
    CompanyOption,
    EncodingOption,
    ExitCode,
    JsonFlag,
    cells,
    console,
    emit_json,
    fail,
    open_store,
    reports_errors,
    shown,
)
from ledgerlink.domain.money import format_money
from ledgerlink.domain.records import RecordKind
from ledgerlink.errors import ConfigurationError
from ledgerlink.services.access import company_named
from ledgerlink.services.feeding.books import record_counts, record_page, set_up_company, stored_record
from ledgerlink.services.feeding.csv_files import CSV_KINDS, CsvReport, csv_kind, import_csv_file
from ledgerlink.services.operations.scheduling import records_arrived
from ledgerlink.settings import load_settings
from ledgerlink.store import StoredRecord

records_app = typer.Typer(help="Look at the records a company holds.", no_args_is_help=True)


@reports_errors
def init(
    company: Annotated[str, typer.Option("--company", "-c", help="The company to create.")] = "My Company",
    as_json: JsonFlag = False,
) -> None:
    """Create the store (and the folder its key file lives in) and a company with the UK VAT rates."""
    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    settings.data_dir.chmod(0o700)
    store = open_store()
    found, created = set_up_company(store, company)
    store.close()
    if as_json:
        emit_json({"company": found, "created": created, "database": settings.resolved_database_url})
        return
    state = "created" if created else "already there"
    console.print(f"Store ready at [bold]{shown(settings.resolved_database_url)}[/]")
    console.print(
        f"Company [bold]{shown(found.name)}[/] ({shown(found.slug)}) {state}, with the standard UK VAT rates."
    )
    console.print(f"Next: ledgerlink import-csv customers customers.csv --company {shown(found.slug)}")


@reports_errors
def import_csv_command(
    kind: Annotated[
        str, typer.Argument(help="What the file holds: " + ", ".join(k.replace("_", "-") for k in CSV_KINDS))
    ],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="The CSV file.")],
    company: CompanyOption = "demo",
    encoding: EncodingOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Import one CSV file (columns in docs/csv.md); bad rows are reported, good rows still go in."""
    name = csv_kind(kind)
    store = open_store()
    found = company_named(store, company)
    report = import_csv_file(store, found.id, name, file, encoding=encoding)
    records_arrived(
        store, found.id, changed=report.created + report.updated, reason=f"{file.name} was imported"
    )
    store.close()
    if report.refused:  # nothing in the file was read: an error, not a report of rows
        raise fail("; ".join(f"{file.name}: {problem}" for problem in report.errors), kind="RefusedFile")
    if as_json:
        emit_json(report)
    else:
        _show_import(report, file)
    if report.errors:
        raise typer.Exit(ExitCode.NEEDS_ATTENTION)


def _show_import(report: CsvReport, file: Path) -> None:
    console.print(
        f"{shown(file.name)}: {report.rows} rows; [green]{report.created} created[/], {report.updated} updated,"
        f" {report.unchanged} unchanged, [red]{report.rejected} rejected[/]"
    )
    if report.problems:
        table = Table("line", "column", "record", "problem", title="Problems", title_justify="left")
        for problem in report.problems:
            style = "red" if problem.severity == "error" else "yellow"
            table.add_row(
                *cells(
                    problem.line or "", problem.field, problem.source_id, Text(problem.message, style=style)
                )
            )
        console.print(table)


def _kind(value: str | None) -> RecordKind | None:
    if value is None:
        return None
    cleaned = value.strip().lower().replace("-", "_")
    for kind in RecordKind:
        if cleaned in (kind.value, f"{kind.value}s"):
            return kind
    raise ConfigurationError(
        f"{value!r} is not a kind of record; use one of: {', '.join(k.value for k in RecordKind)}"
    )


@records_app.command("list")
@reports_errors
def list_records(
    kind: Annotated[str | None, typer.Argument(help="customer, invoice, credit-note, ...")] = None,
    company: CompanyOption = "demo",
    party: Annotated[str | None, typer.Option(help="Only this customer's or supplier's records.")] = None,
    search: Annotated[str | None, typer.Option(help="Text in the id, number or content.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000)] = 20,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: JsonFlag = False,
) -> None:
    """One page of records, newest first."""
    store = open_store()
    page = record_page(
        store,
        company_named(store, company).id,
        _kind(kind),
        party_source_id=party,
        search=search,
        offset=offset,
        limit=limit,
    )
    store.close()
    if as_json:
        emit_json({"total": page.total, "offset": page.offset, "items": [_as_json(s) for s in page.items]})
        return
    table = Table("kind", "source id", "number", "date", "party", "gross", "version")
    for stored in page.items:
        record = stored.record
        table.add_row(
            *cells(
                record.kind.label,
                record.source_id,
                getattr(record, "number", "") or getattr(record, "reference", ""),
                getattr(record, "date", ""),
                _party(stored),
                format_money(stored.gross) if stored.gross is not None else "",
                stored.version[:8],
            )
        )
    console.print(table)
    on_page = f"{page.offset + 1}-{page.offset + len(page.items)}" if page.items else "none"
    console.print(f"{on_page} of {page.total:,}")


@records_app.command("show")
@reports_errors
def show_record(
    kind: Annotated[str, typer.Argument(help="customer, invoice, credit-note, ...")],
    source_id: Annotated[str, typer.Argument(help="The job system's id for the record.")],
    company: CompanyOption = "demo",
    as_json: JsonFlag = False,
) -> None:
    """One record in full, with its version and the warnings it carries."""
    record_kind = _kind(kind)
    if record_kind is None:
        raise fail("name a kind of record")
    store = open_store()
    stored = stored_record(store, company_named(store, company).id, record_kind, source_id)
    store.close()
    if as_json:
        emit_json(_as_json(stored))
        return
    console.print(f"[bold]{record_kind.label} {shown(source_id)}[/]  version {stored.version}")
    console.print_json(stored.record.model_dump_json())
    if stored.gross is not None:
        console.print(f"gross {format_money(stored.gross)}")
    for finding in stored.findings:
        console.print(f"[yellow]{finding.severity}[/] {shown(finding.field)}: {shown(finding.message)}")


@records_app.command("counts")
@reports_errors
def counts(company: CompanyOption = "demo", as_json: JsonFlag = False) -> None:
    """How many records of each kind a company holds."""
    store = open_store()
    found = company_named(store, company)
    found_counts = record_counts(store, found.id)
    store.close()
    if as_json:
        emit_json({kind.value: count for kind, count in found_counts.items()})
        return
    table = Table("kind", "count", title=Text(found.name), title_justify="left")
    for kind, count in found_counts.items():
        table.add_row(*cells(kind.label, f"{count:,}"))
    console.print(table)


def _party(stored: StoredRecord) -> str:
    record = stored.record
    return str(getattr(record, "customer_id", "") or getattr(record, "supplier_id", ""))


def _as_json(stored: StoredRecord) -> dict[str, object]:
    return {
        "kind": stored.kind.value,
        "source_id": stored.source_id,
        "version": stored.version,
        "gross": str(stored.gross) if stored.gross is not None else None,
        "record": stored.record.model_dump(mode="json"),
        "findings": [
            {"field": f.field, "message": f.message, "severity": f.severity} for f in stored.findings
        ],
    }


def register(app: typer.Typer) -> None:
    app.command("init")(init)
    app.command("import-csv")(import_csv_command)
    app.add_typer(records_app, name="records")
