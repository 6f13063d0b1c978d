"""`ledgerlink demo` (the main job, on the embedded defaults) and `ledgerlink demo-data`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from ledgerlink.cli.common import (
    CompanyOption,
    JsonFlag,
    console,
    emit_json,
    open_store,
    progress_bars,
    reports_errors,
)
from ledgerlink.cli.sending import reconcile_json, show_reconcile, show_status, status_json
from ledgerlink.domain.money import format_money
from ledgerlink.packages.registry import PACKAGES
from ledgerlink.services import demo_data
from ledgerlink.services.demo import DemoOptions, DemoRun, Summary, feed_demo_data, summarise
from ledgerlink.services.runtime import Runtime
from ledgerlink.settings import load_settings

SizeOption = Annotated[
    demo_data.SizeName,
    typer.Option(help="small: 1,000 invoices; medium: 10,000; large: 100,000."),
]


@reports_errors
def demo(
    size: SizeOption = "small",
    invoices: Annotated[
        int | None, typer.Option(min=1, help="Exactly this many invoices (overrides --size).")
    ] = None,
    seed: Annotated[int, typer.Option(help="The same seed makes the same books.")] = 1,
    package: Annotated[
        str, typer.Option(help="The package whose local sandbox the demo connects to and sends to.")
    ] = "sage",
    books_only: Annotated[
        bool, typer.Option("--books-only", help="Build the books and stop: no sandbox, no send.")
    ] = False,
    time_scale: Annotated[
        float,
        typer.Option(
            min=1.0,
            help="When the demo starts the sandbox: run the package's rate limits this many times faster.",
        ),
    ] = 60.0,
    as_json: JsonFlag = False,
    serve: Annotated[
        bool, typer.Option("--serve", help="Then open the web app on the demo company.")
    ] = False,
    port: Annotated[int, typer.Option(help="Port for --serve.")] = 8700,
) -> None:
    """The new-package path on the embedded defaults: build the demo company, connect it to a local
    sandbox, map its accounts from suggestions, send everything, and end on the dashboard and a reconcile."""
    if package not in PACKAGES:
        raise typer.BadParameter(f"choose one of: {', '.join(sorted(PACKAGES))}", param_hint="--package")
    options = DemoOptions(
        seed=seed, invoices=invoices or demo_data.SIZES[size], package=None if books_only else package
    )
    settings = load_settings()
    if "sandbox_time_scale" not in settings.model_fields_set:
        settings = settings.model_copy(update={"sandbox_time_scale": time_scale})
    store = open_store()
    runtime = Runtime.from_settings(store, settings)
    with progress_bars(enabled=not as_json) as progress:
        run = DemoRun(store, options, progress=progress, runtime=runtime)
        for result in run.steps():
            if not as_json:
                console.print(f"[green]✓[/] {result.title}: {result.detail} [dim]({result.seconds:.1f}s)[/]")
    store.close()
    if run.summary is None:
        raise RuntimeError("the demo ended without a summary")
    if as_json:
        emit_json(
            {
                "steps": run.results,
                "summary": run.summary.as_json(),
                "status": status_json(run.status) if run.status else None,
                "reconcile": reconcile_json(run.reconciled) if run.reconciled else None,
            }
        )
    else:
        show_summary(run.summary)
        if run.status is not None:
            show_status(run.status)
        if run.reconciled is not None:
            show_reconcile(run.reconciled)
    if serve:
        serve_demo(port)


def serve_demo(port: int) -> None:
    from ledgerlink.cli.web import serve_app
    from ledgerlink.services.accounts import ensure_demo_administrator

    store = open_store()
    with store.unit_of_work() as uow:
        company = uow.companies.get(DemoOptions().slug)
    email, password = ensure_demo_administrator(store, company)
    console.print(f"Open http://127.0.0.1:{port}/ and sign in as {email} with the password {password}")
    serve_app(store, host="127.0.0.1", port=port)


@reports_errors
def demo_data_command(
    company: CompanyOption = "demo",
    seed: Annotated[int, typer.Option(help="The same seed makes the same books.")] = 1,
    invoices: Annotated[
        int, typer.Option(min=1, help="How many invoices (everything else in proportion).")
    ] = 1_000,
    as_json: JsonFlag = False,
) -> None:
    """Add a believable UK trades business's books to a company (made if missing)."""
    store = open_store()
    with progress_bars(enabled=not as_json) as progress:
        report = feed_demo_data(store, company, seed=seed, invoices=invoices, progress=progress)
    summary = summarise(store, company)
    store.close()
    if as_json:
        emit_json({"fed": report.counts, "summary": summary.as_json()})
        return
    counts = report.counts
    console.print(
        f"{counts['created']:,} created, {counts['updated']:,} updated, {counts['unchanged']:,} unchanged,"
        f" {counts['rejected']:,} rejected"
    )
    show_summary(summary)


def show_summary(summary: Summary) -> None:
    table = Table(
        "kind",
        "count",
        "total",
        "from",
        "to",
        title=f"{summary.company} ({summary.slug})",
        title_justify="left",
    )
    for kind in summary.kinds:
        if not kind.count:
            continue
        total = format_money(kind.gross) if not kind.kind.is_party else ""
        table.add_row(
            kind.kind.label,
            f"{kind.count:,}",
            total,
            str(kind.first_date or ""),
            str(kind.last_date or ""),
        )
    console.print(table)
    span = f"{summary.first_date} to {summary.last_date}" if summary.first_date else "no dated records"
    console.print(f"{summary.total_records:,} records, {span}")
    console.print(
        f"Customers owe {format_money(summary.customers_owe)}; owed to suppliers {format_money(summary.owed_to_suppliers)}"
    )
    console.print(f"Findings: {summary.warnings:,} warnings, {summary.errors:,} errors")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
    app.command("demo-data")(demo_data_command)
