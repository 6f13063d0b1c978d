"""`ledgerlink demo` (the main job, on the embedded defaults) and `ledgerlink demo-data`."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

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
    progress_bars,
    reports_errors,
    shown,
)
from ledgerlink.cli.sending import reconcile_json, show_reconcile, show_status, status_json
from ledgerlink.domain.money import format_money
from ledgerlink.packages.registry import DEFAULT_PACKAGE, get_package, package_names
from ledgerlink.services.demo import books as demo_data
from ledgerlink.services.demo.steps import DemoOptions, DemoRun, Summary, feed_demo_data, summarise
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.settings import load_settings

SizeOption = Annotated[
    demo_data.SizeName | None,
    typer.Option(
        help="small: 1,000 invoices; medium: 10,000; large: 100,000. Without it, small, unless the "
        "package answers too slowly for that (the demo says so)."
    ),
]


@reports_errors
def demo(
    size: SizeOption = None,
    invoices: Annotated[
        int | None, typer.Option(min=1, help="Exactly this many invoices (overrides --size).")
    ] = None,
    seed: Annotated[int, typer.Option(help="The same seed makes the same books.")] = 1,
    package: Annotated[
        str,
        typer.Option(
            help="The package whose local sandbox the demo connects to and sends to: "
            f"{', '.join(package_names())}."
        ),
    ] = DEFAULT_PACKAGE,
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
    if package not in package_names():
        raise typer.BadParameter(f"choose one of: {', '.join(package_names())}", param_hint="--package")
    entry = get_package(package)
    count = invoices or demo_data.SIZES[size or "small"]
    if invoices is None and size is None and entry.demo_invoices is not None and not books_only:
        count = entry.demo_invoices
        if not as_json:
            console.print(
                f"{entry.label} answers slowly (it runs on this machine, a fraction of a second a call): "
                f"the demo makes {count:,} invoices, not {demo_data.SIZES['small']:,}; "
                "--size small makes them all."
            )
    options = DemoOptions(seed=seed, invoices=count, package=None if books_only else package)
    settings = load_settings()
    if "sandbox_time_scale" not in settings.model_fields_set:
        settings = settings.model_copy(update={"sandbox_time_scale": time_scale})
    store = open_store()
    connectors = ConnectorFactory.from_settings(store, settings)
    with progress_bars(enabled=not as_json) as progress:
        run = DemoRun(store, options, progress=progress, connectors=connectors)
        for result in run.steps():
            if not as_json:
                console.print(
                    f"[green]✓[/] {shown(result.title)}: {shown(result.detail)} [dim]({result.seconds:.1f}s)[/]"
                )
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
                "open_items": {
                    "count": len(run.open_items),
                    "open": str(sum((item.open_amount for item in run.open_items), Decimal(0))),
                    "in_package": sum(1 for item in run.open_items if item.package_id),
                    "settled_outside": sum(1 for item in run.open_items if item.settled_outside),
                },
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
    from ledgerlink.services.access import company_named, ensure_demo_administrator

    store = open_store()
    company = company_named(store, DemoOptions().slug)
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
        title=Text(f"{summary.company} ({summary.slug})"),
        title_justify="left",
    )
    for kind in summary.kinds:
        if not kind.count:
            continue
        total = format_money(kind.gross) if not kind.kind.is_party else ""
        table.add_row(
            *cells(kind.kind.label, f"{kind.count:,}", total, kind.first_date or "", kind.last_date or "")
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
