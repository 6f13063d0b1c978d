"""`ledgerlink nominals list|suggest|map|check|read|create`: where each kind of money goes in the package."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.table import Table

from ledgerlink.cli.common import CompanyOption, JsonFlag, console, emit_json, reports_errors
from ledgerlink.cli.connection import company_of, current_connection, open_runtime
from ledgerlink.services.nominals import MappingLine, Nominals
from ledgerlink.services.runtime import Runtime
from ledgerlink.store.connections import MappingKind

nominals_app = typer.Typer(
    help="Map nominal accounts, VAT rates and payment methods to the package.", no_args_is_help=True
)

KIND_LABELS: dict[str, str] = {
    "nominal": "nominal account",
    "vat_sales": "VAT rate (sales)",
    "vat_purchase": "VAT rate (purchases)",
    "payment_method": "payment method",
}


def _line_json(line: MappingLine) -> dict[str, object]:
    return {
        "kind": line.kind,
        "code": line.jobs_code,
        "name": line.jobs_name,
        "mapped_to": line.mapped_to or None,
        "mapped_label": line.mapped_label or None,
        "suggestion": line.suggestion.package_id if line.suggestion else None,
        "suggestion_label": line.suggestion.package_label if line.suggestion else None,
        "reason": line.suggestion.reason if line.suggestion else None,
        "problem": line.problem or None,
    }


def _table(lines: list[MappingLine], title: str) -> Table:
    table = Table(title=title)
    for column in ("kind", "code", "name", "mapped to", "suggested", "why", "problem"):
        table.add_column(column)
    for line in lines:
        table.add_row(
            KIND_LABELS[line.kind],
            line.jobs_code,
            line.jobs_name,
            line.mapped_label or "[red]unmapped[/]",
            line.suggestion.package_label if line.suggestion else "-",
            line.suggestion.reason if line.suggestion else "nothing suitable in the package",
            f"[red]{line.problem}[/]" if line.problem else "",
        )
    return table


def _nominals(company: str) -> tuple[Nominals, Runtime]:
    store, runtime = open_runtime()
    connection = current_connection(store, company_of(store, company))
    return Nominals(store, connection), runtime


@nominals_app.command("list")
@reports_errors
def list_command(company: CompanyOption = "demo", as_json: JsonFlag = False) -> None:
    """Every jobs-side code, where it goes now and what is suggested."""
    nominals, _ = _nominals(company)
    lines = nominals.lines()
    if as_json:
        emit_json([_line_json(line) for line in lines])
        return
    console.print(_table(lines, "Mappings"))


@nominals_app.command("suggest")
@reports_errors
def suggest(
    company: CompanyOption = "demo",
    accept: Annotated[
        bool, typer.Option("--accept", help="Take every suggestion for what is not mapped yet.")
    ] = False,
    replace: Annotated[
        bool, typer.Option("--replace", help="With --accept: replace existing mappings too.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Show the suggestions; with --accept, take them in one go."""
    nominals, _ = _nominals(company)
    taken = nominals.accept_suggestions(replace=replace) if accept else 0
    lines = nominals.lines()
    if as_json:
        emit_json({"accepted": taken, "lines": [_line_json(line) for line in lines]})
        return
    console.print(_table(lines, "Suggested mappings"))
    if accept:
        console.print(f"[green]✓[/] {taken} suggestions accepted. Check with `ledgerlink nominals check`.")


@nominals_app.command("map")
@reports_errors
def map_command(
    kind: Annotated[str, typer.Argument(help="nominal, vat_sales, vat_purchase or payment_method")],
    code: Annotated[str, typer.Argument(help="The jobs-side code.")],
    to: Annotated[str, typer.Argument(help="The package's account, tax rate or bank account (id or code).")],
    company: CompanyOption = "demo",
    as_json: JsonFlag = False,
) -> None:
    """Map one code; refused with the reason when the package would not accept it."""
    if kind not in KIND_LABELS:
        raise typer.BadParameter(f"choose one of: {', '.join(KIND_LABELS)}", param_hint="KIND")
    nominals, _ = _nominals(company)
    kind_value: MappingKind = kind  # type: ignore[assignment]
    line = nominals.map(kind_value, code, to)
    if as_json:
        emit_json(_line_json(line))
        return
    console.print(f"[green]✓[/] {KIND_LABELS[kind]} {code} now goes to {line.mapped_label}")


@nominals_app.command("check")
@reports_errors
def check(company: CompanyOption = "demo", as_json: JsonFlag = False) -> None:
    """What is missing or unusable, and how many records each gap holds back."""
    nominals, _ = _nominals(company)
    report = nominals.check()
    if as_json:
        emit_json(
            {
                "clean": report.clean,
                "summary": list(report.summary),
                "problems": [
                    {
                        "kind": p.kind,
                        "code": p.jobs_code,
                        "message": p.message,
                        "records_held": p.records_held,
                    }
                    for p in report.problems
                ],
            }
        )
        if not report.clean:
            raise typer.Exit(1)
        return
    if report.clean:
        console.print("[green]✓[/] every account, VAT rate and payment method in use is mapped and usable")
        return
    for line in report.summary:
        console.print(f"[bold red]{line}[/]")
    for problem in report.problems:
        console.print(f" [red]✗[/] {problem.message}")
    raise typer.Exit(1)


@nominals_app.command("read")
@reports_errors
def read(company: CompanyOption = "demo", as_json: JsonFlag = False) -> None:
    """Read the package's chart of accounts, bank accounts and tax rates again, and say what changed."""
    nominals, runtime = _nominals(company)
    connector = runtime.connector(nominals.connection)

    async def run() -> list[str]:
        try:
            return (await nominals.read_lists(connector)).changes
        finally:
            await connector.aclose()

    changes = asyncio.run(run())
    if as_json:
        emit_json({"changes": changes})
        return
    for change in changes or ["nothing changed"]:
        console.print(f" · {change}")


@nominals_app.command("create")
@reports_errors
def create(
    code: Annotated[
        str, typer.Argument(help="The jobs-side sales or expense nominal code to create in the package.")
    ],
    company: CompanyOption = "demo",
    as_json: JsonFlag = False,
) -> None:
    """Create a missing ledger account in the package, with the same code and name, and map to it."""
    nominals, runtime = _nominals(company)
    connector = runtime.connector(nominals.connection)

    async def run() -> MappingLine:
        try:
            return await nominals.create_account(connector, code)
        finally:
            await connector.aclose()

    line = asyncio.run(run())
    if as_json:
        emit_json(_line_json(line))
        return
    console.print(f"[green]✓[/] created {line.mapped_label} in the package and mapped {code} to it")


def register(app: typer.Typer) -> None:
    app.add_typer(nominals_app, name="nominals")
