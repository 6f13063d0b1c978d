"""`ledgerlink import customers|suppliers|undo|batches|fields`: bring the package's contacts in, reversibly."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from ledgerlink.cli.common import (
    CompanyOption,
    JsonFlag,
    cells,
    console,
    emit_json,
    open_store,
    reports_errors,
    shown,
)
from ledgerlink.cli.connection import company_of, open_connectors
from ledgerlink.services.importing.batches import (
    ImportBatch,
    ImportPreview,
    commit_import,
    field_table,
    list_batches,
    preview_import,
    undo_import,
)
from ledgerlink.services.importing.fields import FIELD_TABLES
from ledgerlink.services.importing.quality import OUTCOME_WORDS, RecordReport
from ledgerlink.services.importing.transform import ImportKind, IssueCode

import_app = typer.Typer(
    help="Import customers and suppliers from the package: preview, commit as a batch, undo.",
    no_args_is_help=True,
)

DryRun = Annotated[bool, typer.Option("--dry-run", help="Show what would happen; write nothing.")]
ReportFile = Annotated[
    Path | None, typer.Option("--report", help="Write the per-record report to this CSV file.")
]
Take = Annotated[
    list[str] | None,
    typer.Option(
        "--take",
        help="A package contact id the package does not say is a customer or a supplier, to import as one "
        "of these (repeat it for each); the others it asks about are left out.",
    ),
]
SHOWN = 15  # rows of each list printed to the terminal; the CSV report has them all


def _record_json(record: RecordReport) -> dict[str, Any]:
    return {
        "package_id": record.package_id,
        "name": record.name,
        "source_id": record.source_id,
        "outcome": OUTCOME_WORDS[record.outcome],
        "becomes": record.becomes,
        "jobs_side_id": record.linked_to or None,
        "reason": record.reason or None,
        "errors": [str(issue) for issue in record.errors],
        "warnings": [str(issue) for issue in record.warnings],
        "duplicate_of": [duplicate.package_id for duplicate in record.duplicates],
    }


def _batch_json(batch: ImportBatch) -> dict[str, Any]:
    return {
        "id": batch.id,
        "kind": batch.kind,
        "created_at": batch.created_at,
        "undone_at": batch.undone_at,
        "records": batch.records,
        "summary": batch.summary,
    }


def _print_preview(preview: ImportPreview, *, dry_run: bool) -> None:
    summary = preview.summary
    verb = "would be created" if dry_run else "to create"
    console.print(
        f"[bold]{summary.contacts}[/] {shown(preview.package)} contacts offered as {preview.kind}s: "
        f"[green]{summary.create}[/] {verb}, [red]{summary.skipped}[/] skipped, "
        f"[yellow]{summary.offered_for_linking}[/] offered for linking, {summary.already_linked} already linked, "
        f"[yellow]{summary.asked}[/] asked about"
    )
    if summary.problems:
        table = Table(title="Data quality")
        table.add_column("problem")
        table.add_column("records", justify="right")
        for code, count in summary.problems.items():
            table.add_row(*cells(IssueCode(code).label, count))
        console.print(table)
    if summary.duplicate_groups:
        console.print(f"{summary.duplicate_groups} groups of contacts look like one party typed twice.")
    for outcome, title in (
        ("skip", "Skipped"),
        ("offer_link", "Offered for linking"),
        ("ask", f"Customer or supplier? Imported only with --take ID, as {preview.kind}s"),
    ):
        records = preview.of(outcome)
        if not records:
            continue
        table = Table(title=f"{title} ({len(records)})")
        for column in ("package id", "name", "why"):
            table.add_column(column)
        for record in records[:SHOWN]:
            table.add_row(*cells(record.package_id, record.name, record.reason))
        console.print(table)
        if len(records) > SHOWN:
            console.print(f"[dim]... and {len(records) - SHOWN} more: see --report[/]")


def _import(
    kind: ImportKind, company: str, dry_run: bool, report: Path | None, as_json: bool, take: list[str] | None
) -> None:
    store, connectors = open_connectors()
    found = company_of(store, company)
    preview = asyncio.run(preview_import(connectors, found.id, kind))
    if report is not None:
        report.write_text(preview.to_csv(), encoding="utf-8")
    batch = (
        None
        if dry_run
        else asyncio.run(commit_import(connectors, found.id, kind, preview=preview, take=take or ()))
    )
    store.close()
    if as_json:
        emit_json(
            {
                "dry_run": dry_run,
                "package": preview.package,
                "kind": kind,
                "summary": preview.summary.as_dict(),
                "batch": _batch_json(batch) if batch else None,
                "records": [_record_json(record) for record in preview.records],
            }
        )
        return
    _print_preview(preview, dry_run=dry_run)
    if report is not None:
        console.print(f"The report, one row per contact, is in {shown(report)}.")
    if batch is None:
        console.print("Nothing was written (dry run). Run it again without --dry-run to import.")
        return
    console.print(
        f"[green]✓[/] Import batch {batch.id}: {batch.created} {kind}s created and linked to their "
        f"{shown(preview.package)} contacts. Undo it with `ledgerlink import undo {batch.id}`."
    )


@import_app.command("customers")
@reports_errors
def customers(
    company: CompanyOption = "demo",
    dry_run: DryRun = False,
    report: ReportFile = None,
    as_json: JsonFlag = False,
    take: Take = None,
) -> None:
    """Import the package's customers as jobs-side customers, each linked to its package contact."""
    _import("customer", company, dry_run, report, as_json, take)


@import_app.command("suppliers")
@reports_errors
def suppliers(
    company: CompanyOption = "demo",
    dry_run: DryRun = False,
    report: ReportFile = None,
    as_json: JsonFlag = False,
    take: Take = None,
) -> None:
    """Import the package's suppliers as jobs-side suppliers, each linked to its package contact."""
    _import("supplier", company, dry_run, report, as_json, take)


@import_app.command("undo")
@reports_errors
def undo(
    batch: Annotated[int, typer.Argument(help="The batch number `ledgerlink import batches` shows.")],
    company: CompanyOption = "demo",
    as_json: JsonFlag = False,
) -> None:
    """Remove a batch's records and links; a record used since (invoiced, paid, sent) is kept."""
    store = open_store()
    found = company_of(store, company)
    result = undo_import(store, found.id, batch)
    store.close()
    if as_json:
        emit_json(
            {
                "batch": result.batch_id,
                "removed": list(result.removed),
                "kept": [
                    {"source_id": k.source_id, "package_id": k.package_id, "reason": k.reason}
                    for k in result.kept
                ],
            }
        )
        return
    console.print(f"Import batch {batch}: {len(result.removed)} records and their links removed.")
    if result.kept:
        console.print(f"[yellow]{len(result.kept)} kept[/], used since the import:")
        for kept in result.kept[:SHOWN]:
            console.print(f"  {shown(kept.source_id)}: {shown(kept.reason)}")
        if len(result.kept) > SHOWN:
            console.print(f"  ... and {len(result.kept) - SHOWN} more (see --json)")


@import_app.command("batches")
@reports_errors
def batches(company: CompanyOption = "demo", as_json: JsonFlag = False) -> None:
    """Every import batch: when, what it created, whether it was undone."""
    store = open_store()
    found = company_of(store, company)
    listed = list_batches(store, found.id)
    store.close()
    if as_json:
        emit_json([_batch_json(batch) for batch in listed])
        return
    if not listed:
        console.print(f"{shown(found.name)} has no import batches yet.")
        return
    table = Table(title=Text(f"{found.name}: import batches"))
    for column in ("batch", "kind", "imported", "created", "still held", "undone"):
        table.add_column(column)
    for batch in listed:
        table.add_row(
            *cells(
                batch.id,
                batch.kind,
                f"{batch.created_at:%Y-%m-%d %H:%M}",
                batch.created,
                batch.records,
                f"{batch.undone_at:%Y-%m-%d %H:%M}" if batch.undone_at else "",
            )
        )
    console.print(table)


@import_app.command("fields")
@reports_errors
def fields(
    package: Annotated[
        str | None, typer.Option("--package", help=f"One of: {', '.join(sorted(FIELD_TABLES))}.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Which package field goes to which jobs-side field, and how it is tidied on the way."""
    packages = [package.lower()] if package else sorted(FIELD_TABLES)
    tables = {name: field_table(name) for name in packages}
    if as_json:
        emit_json(
            {
                name: [
                    {"package_field": row.package_field, "jobs_field": row.jobs_field, "rule": row.rule}
                    for row in rows
                ]
                for name, rows in tables.items()
            }
        )
        return
    for name, rows in tables.items():
        table = Table(title=f"{name}: package field -> jobs-side field")
        for column in ("package field", "jobs-side field", "how"):
            table.add_column(column)
        for row in rows:
            table.add_row(*cells(row.package_field, row.jobs_field, row.rule))
        console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
