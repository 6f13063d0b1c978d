"""`ledgerlink nominals list|suggest|map|check|read|create|allow`: where each kind of money goes in the
package, and consent to what the package needs made before records can go there."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from ledgerlink.cli.common import (
    CompanyOption,
    ExitCode,
    JsonFlag,
    cells,
    console,
    emit_json,
    reports_errors,
    shown,
)
from ledgerlink.cli.connection import company_of, current_connection, open_connectors
from ledgerlink.services.onboarding.nominals import Band, ConsentAsked, MappingLine, Nominals
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.store import MappingKind

nominals_app = typer.Typer(
    help="Map nominal accounts, VAT rates and payment methods to the package.", no_args_is_help=True
)

KIND_LABELS: dict[str, str] = {
    "nominal": "nominal account",
    "vat_sales": "VAT rate (sales)",
    "vat_purchase": "VAT rate (purchases)",
    "payment_method": "payment method",
    "opening": "opening items",
}


BAND_STYLES = {Band.SURE: "green", Band.CHECK: "yellow", Band.NONE: "red"}


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
        "band": line.band.value,
        "problem": line.problem or None,
    }


def _table(lines: list[MappingLine], title: str) -> Table:
    table = Table(title=title)
    for column in ("kind", "code", "name", "mapped to", "suggested", "how sure", "why", "problem"):
        table.add_column(column)
    for line in lines:
        table.add_row(
            *cells(
                KIND_LABELS[line.kind],
                line.jobs_code,
                line.jobs_name,
                line.mapped_label or Text("unmapped", style="red"),
                line.suggestion.package_label if line.suggestion else "-",
                Text(line.band.value, style=BAND_STYLES[line.band]),
                line.suggestion.reason
                if line.suggestion
                else "nothing suitable in the package: choose one, or `ledgerlink nominals create`",
                Text(line.problem, style="red"),
            )
        )
    return table


def _consent_json(item: ConsentAsked) -> dict[str, object]:
    return {
        "name": item.consent.name,
        "needs": item.consent.needs,
        "action": item.consent.action,
        "given": item.given,
    }


def _ask(nominals: Nominals) -> None:
    """Ask for each consent the package needs and the user has not given yet."""
    for item in nominals.consents():
        if not item.given:
            console.print(
                f"[yellow]?[/] {shown(item.consent.needs)}. {shown(item.consent.action)}: "
                f"`ledgerlink nominals allow {item.consent.name}`"
            )


def _nominals(company: str) -> tuple[Nominals, ConnectorFactory]:
    store, connectors = open_connectors()
    connection = current_connection(store, company_of(store, company))
    return Nominals(store, connection), connectors


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
    _ask(nominals)


@nominals_app.command("suggest")
@reports_errors
def suggest(
    company: CompanyOption = "demo",
    accept: Annotated[
        bool,
        typer.Option(
            "--accept",
            help="Accept all: take every sure suggestion for what is not mapped yet (those to check are "
            "left for `nominals map`).",
        ),
    ] = False,
    replace: Annotated[
        bool, typer.Option("--replace", help="With --accept: replace existing mappings too.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Show the suggestions and how sure each is; with --accept, take the sure ones in one go."""
    nominals, _ = _nominals(company)
    taken = nominals.accept_suggestions(replace=replace) if accept else 0
    lines = nominals.lines()
    if as_json:
        emit_json({"accepted": taken, "lines": [_line_json(line) for line in lines]})
        return
    console.print(_table(lines, "Suggested mappings"))
    if accept:
        left = sum(1 for line in lines if not line.mapped_to and line.band is Band.CHECK)
        console.print(f"[green]✓[/] {taken} sure suggestions accepted.")
        if left:
            console.print(
                f"[yellow]![/] {left} suggestions to check were left: take each with "
                "`ledgerlink nominals map KIND CODE TO` once you have looked at it."
            )
        console.print("Check with `ledgerlink nominals check`.")
    _ask(nominals)


@nominals_app.command("map")
@reports_errors
def map_command(
    kind: Annotated[
        str,
        typer.Argument(
            help="nominal, vat_sales, vat_purchase, payment_method or opening (codes account, vat-sales, vat-purchase)"
        ),
    ],
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
    console.print(f"[green]✓[/] {KIND_LABELS[kind]} {shown(code)} now goes to {shown(line.mapped_label)}")


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
            raise typer.Exit(ExitCode.NEEDS_ATTENTION)
        return
    if report.clean:
        console.print("[green]✓[/] every account, VAT rate and payment method in use is mapped and usable")
        _ask(nominals)
        return
    for line in report.summary:
        console.print(f"[bold red]{shown(line)}[/]")
    for problem in report.problems:
        console.print(f" [red]✗[/] {shown(problem.message)}")
    raise typer.Exit(ExitCode.NEEDS_ATTENTION)


@nominals_app.command("read")
@reports_errors
def read(company: CompanyOption = "demo", as_json: JsonFlag = False) -> None:
    """Read the package's chart of accounts, bank accounts and tax rates again, and say what changed."""
    nominals, connectors = _nominals(company)
    connector = connectors.connector(nominals.connection)

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
        console.print(f" · {shown(change)}")


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
    nominals, connectors = _nominals(company)
    connector = connectors.connector(nominals.connection)

    async def run() -> MappingLine:
        try:
            return await nominals.create_account(connector, code)
        finally:
            await connector.aclose()

    line = asyncio.run(run())
    if as_json:
        emit_json(_line_json(line))
        return
    console.print(
        f"[green]✓[/] created {shown(line.mapped_label)} in the package and mapped {shown(code)} to it"
    )


@nominals_app.command("allow")
@reports_errors
def allow(
    name: Annotated[
        str, typer.Argument(help="What to allow, as `nominals allow` lists it; empty lists what is asked.")
    ] = "",
    withdraw: Annotated[
        bool, typer.Option("--withdraw", help="Withdraw the consent: nothing more is made.")
    ] = False,
    company: CompanyOption = "demo",
    as_json: JsonFlag = False,
) -> None:
    """Allow ledgerlink to make what the package needs before records can go.

    Some packages sell invoice lines only through service items, made here with the user's consent.
    """
    nominals, _ = _nominals(company)
    if not name:
        asked = nominals.consents()
        if as_json:
            emit_json([_consent_json(item) for item in asked])
            return
        for item in asked:
            state = "[green]allowed[/]" if item.given else "[yellow]not allowed[/]"
            console.print(f" · {item.consent.name}: {state}. {shown(item.consent.needs)}.")
        if not asked:
            console.print("The package needs nothing made before records can go.")
        return
    item = nominals.give_consent(name, given=not withdraw)
    if as_json:
        emit_json(_consent_json(item))
        return
    if item.given:
        console.print(f"[green]✓[/] allowed: {shown(item.consent.action.lower())}, as sending needs them")
    else:
        console.print(f"[green]✓[/] withdrawn: ledgerlink makes nothing for {shown(item.consent.name)}")


def register(app: typer.Typer) -> None:
    app.add_typer(nominals_app, name="nominals")
