"""`ledgerlink send|status|failures|resend|do-not-send|changes|reconcile`: the outbox from the terminal."""

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
    fail,
    progress_bars,
    reports_errors,
    shown,
)
from ledgerlink.cli.connection import company_of, open_connectors
from ledgerlink.domain.money import format_money
from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import RecordKind
from ledgerlink.services.sending import controls as dashboard
from ledgerlink.services.sending.engine import SendReport
from ledgerlink.services.sending.open_items import open_items, settle_outside
from ledgerlink.services.sending.reconcile import ReconcileReport, reconcile
from ledgerlink.services.sending.settling import settle_uncertain

KindOption = Annotated[RecordKind | None, typer.Option("--kind", help="Only records of this kind.")]
SourceIds = Annotated[
    list[str] | None, typer.Argument(help="The records' job-system ids (or entry numbers).")
]
SEND_EXIT_CODES: dict[dashboard.SendOutcome, ExitCode] = {
    "done": ExitCode.OK,
    "needs_attention": ExitCode.NEEDS_ATTENTION,
    "needs_reconnect": ExitCode.RECONNECT,
    "try_later": ExitCode.TRY_LATER,
}


def report_json(report: SendReport) -> dict[str, object]:
    return {
        "sent": dict(report.sent),
        "failed": dict(report.failed),
        "blocked": dict(report.blocked),
        "uncertain_resolved": report.uncertain_resolved,
        "updated_after_change": report.updated,
        "calls": report.calls,
        "seconds": round(report.seconds, 2),
        "stopped": report.stopped or None,
        "waiting": report.waiting or None,
        "counts": {state.value: count for state, count in report.counts.items()},
    }


def show_report(report: SendReport) -> None:
    sent = sum(report.sent.values())
    console.print(
        f"[green]✓[/] sent {sent:,} records in {report.seconds:.1f}s with {report.calls:,} calls to the package"
    )
    for label, count in sorted(report.sent.items()):
        console.print(f"   {count:,} {label}s")
    if report.stopped:
        console.print(f"[yellow]Stopped:[/] {shown(report.stopped)}")
    failed = report.counts.get(EntryState.FAILED, 0)
    blocked = report.counts.get(EntryState.BLOCKED, 0)
    uncertain = report.counts.get(EntryState.UNCERTAIN, 0)
    if failed or blocked or uncertain:
        console.print(
            f"[red]{failed:,} failed, {uncertain:,} uncertain, {blocked:,} blocked[/]: see `ledgerlink failures`"
        )


@reports_errors
def send(
    company: CompanyOption = "demo",
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be created, send nothing.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Send everything waiting to the package, customers and suppliers first, and say what happened."""
    store, connectors = open_connectors()
    found = company_of(store, company)
    if dry_run:
        preview = dashboard.dry_run(store, found.id)
        if as_json:
            emit_json(preview)
            return
        table = Table(title=Text(f"{found.name}: what a send would create (nothing sent)"))
        for column in ("kind", "step", "records", "total"):
            table.add_column(column, justify="right" if column in ("records", "total") else "left")
        for line in preview.lines:
            total = format_money(line.gross) if line.gross else ""
            table.add_row(*cells(line.kind.label, line.step.value, f"{line.count:,}", total))
        console.print(table)
        console.print(
            f"{preview.contacts_to_create:,} customers and suppliers would be created; {preview.already_linked:,} are linked already"
        )
        return
    with progress_bars(enabled=not as_json) as bars:
        advance = None
        last = 0

        def progress(done: int, total: int) -> None:
            nonlocal advance, last
            if advance is None:
                advance = bars("Sending", total)
            advance(done - last)
            last = done

        said = [""]

        def say(note: str) -> None:
            """Once for each thing the send waits for, not at every minute of it."""
            if note and not as_json and note.split(":")[0] != said[0].split(":")[0]:
                console.print(shown(note))
            said[0] = note or said[0]

        report = asyncio.run(
            dashboard.send_now(
                connectors, found.id, progress=progress, started_by="`ledgerlink send`", on_waiting=say
            )
        )
    outcome = dashboard.send_outcome(store, found.id, report)
    store.close()
    if as_json:
        emit_json(report_json(report))
    else:
        show_report(report)
    raise typer.Exit(SEND_EXIT_CODES[outcome])


@reports_errors
def status(company: CompanyOption = "demo", as_json: JsonFlag = False) -> None:
    """Counts by state, last sent, cut-off date, and whether the connection needs anything."""
    store, _ = open_connectors()
    found = company_of(store, company)
    current = dashboard.status(store, found.id)
    if as_json:
        emit_json(status_json(current))
        return
    show_status(current)


def status_json(current: dashboard.Status) -> dict[str, object]:
    return {
        "company": current.company,
        "package": current.connection.package,
        "business": current.connection.business_name,
        "counts": {state.value: count for state, count in current.counts.items()},
        "by_kind": {
            kind.value: {s.value: c for s, c in states.items() if c}
            for kind, states in current.by_kind.items()
        },
        "last_sent_at": current.last_sent_at,
        "cut_off_date": current.cut_off_date,
        "changed_after_sending": current.changed_after_sending,
        "banner": current.banner or None,
    }


def show_status(current: dashboard.Status) -> None:
    if current.banner:
        console.print(f"[bold yellow]! {shown(current.banner)}[/]")
    table = Table(title=Text(f"{current.company} → {current.connection.label}"))
    table.add_column("kind")
    states = list(EntryState)
    for state in states:
        table.add_column(state.label, justify="right")
    for kind, counts in sorted(current.by_kind.items(), key=lambda item: list(RecordKind).index(item[0])):
        table.add_row(
            *cells(
                kind.label, *[f"{counts.get(state, 0):,}" if counts.get(state, 0) else "" for state in states]
            )
        )
    table.add_row("[bold]all[/]", *[f"[bold]{current.counts[state]:,}[/]" for state in states])
    console.print(table)
    last = f"{current.last_sent_at:%Y-%m-%d %H:%M} UTC" if current.last_sent_at else "never"
    cut_off = current.cut_off_date.isoformat() if current.cut_off_date else "not set"
    console.print(f"Last sent: {last} · cut-off date: {cut_off}")
    if current.changed_after_sending:
        console.print(
            f"{current.changed_after_sending} records changed after sending: see `ledgerlink changes`"
        )


@reports_errors
def failures(company: CompanyOption = "demo", as_json: JsonFlag = False) -> None:
    """Each failed, uncertain or blocked record with the package's reason (or what it waits for)."""
    store, _ = open_connectors()
    found = company_of(store, company)
    listed = dashboard.failures(store, found.id)
    if as_json:
        emit_json(listed)
        return
    if not listed:
        console.print("[green]✓[/] nothing has failed and nothing is blocked")
        return
    table = Table(title=Text(f"{found.name}: what could not be sent"))
    for column in ("record", "id", "state", "reason", "field"):
        table.add_column(column, overflow="fold")
    for failure in listed:
        title = failure.title + (" (allocation)" if failure.step.value == "allocate" else "")
        table.add_row(*cells(title, failure.source_id, failure.state.label, failure.reason, failure.field))
    console.print(table)
    console.print("Fix the cause, then `ledgerlink resend`; or `ledgerlink do-not-send ID`.")


@reports_errors
def resend(
    source_ids: SourceIds = None,
    company: CompanyOption = "demo",
    kind: KindOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Put failed records back to waiting (all of them, or those named), and settle uncertain ones now:
    each is replayed with its key, or looked up in the package by its number."""
    store, connectors = open_connectors()
    found = company_of(store, company)
    unknown = dashboard.unknown_names(store, found.id, source_ids or [])
    moved = dashboard.resend(store, found.id, source_ids or [], kind=kind)
    settled = asyncio.run(settle_uncertain(connectors, found.id, source_ids or [], kind=kind))
    if as_json:
        emit_json(
            {
                "waiting_again": moved,
                "unknown": unknown,
                "uncertain": {
                    "asked": settled.asked,
                    "sent": settled.sent,
                    "waiting": settled.waiting,
                    "failed": settled.failed,
                    "still_uncertain": settled.still_uncertain,
                },
            }
        )
    else:
        console.print(f"{moved:,} records will be sent again with the next `ledgerlink send`")
        if settled.asked:
            console.print(shown(settled.summary))
    _unknown(unknown, as_json)
    if settled.still_uncertain:
        raise typer.Exit(ExitCode.TRY_LATER)


@reports_errors
def do_not_send(
    source_ids: SourceIds = None,
    company: CompanyOption = "demo",
    kind: KindOption = None,
    undo: Annotated[bool, typer.Option("--undo", help="Put them back to waiting.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Mark records never to be sent (reversible with --undo)."""
    if not source_ids and kind is None:
        raise fail(
            "name the records (their job-system ids) or a --kind", code=ExitCode.USAGE, kind="UsageError"
        )
    store, _ = open_connectors()
    found = company_of(store, company)
    unknown = dashboard.unknown_names(store, found.id, source_ids or [])
    held = dashboard.do_not_send(store, found.id, source_ids or [], kind=kind, undo=undo)
    if as_json:
        emit_json({"changed": held.changed, "undo": undo, "unknown": unknown, "in_flight": held.in_flight})
    else:
        console.print(f"{held.changed:,} records {'put back' if undo else 'marked do-not-send'}")
        for name in held.in_flight:
            console.print(
                f"[yellow]![/] {shown(name)} is on its way to the package: send first, then mark it"
            )
    if held.in_flight and not unknown:
        raise typer.Exit(ExitCode.NEEDS_ATTENTION)
    _unknown(unknown, as_json)


def _unknown(names: list[str], as_json: bool) -> None:
    """Name the ids no record answers to, and say so in the exit status: a mistyped id is not done."""
    if not names:
        return
    if not as_json:
        for name in names:
            console.print(f"[red]✗[/] no record in the outbox is {shown(name)}")
    raise typer.Exit(ExitCode.NEEDS_ATTENTION)


@reports_errors
def changes(
    company: CompanyOption = "demo",
    leave: Annotated[str | None, typer.Option(help="Leave this record as sent (its job-system id).")] = None,
    reissue: Annotated[
        str | None,
        typer.Option(help="Credit this invoice and issue it again as it is now, on the next send (its id)."),
    ] = None,
    kind: KindOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Records changed after they were sent that the package could not take, and the choices:
    leave it as sent, or credit it and issue it again."""
    store, _ = open_connectors()
    found = company_of(store, company)
    if leave:
        dashboard.leave_change(store, found.id, leave, kind=kind or RecordKind.INVOICE)
        console.print(f"{shown(leave)} is left as it was sent")
        return
    if reissue:
        dashboard.credit_and_reissue(store, found.id, reissue, kind=kind or RecordKind.INVOICE)
        console.print(
            f"{shown(reissue)} will be credited and issued again on the next send (`ledgerlink send`)"
        )
        return
    listed = dashboard.changes(store, found.id)
    if as_json:
        emit_json(
            [{"kind": c.kind.value, "id": c.source_id, "change": c.note, "chosen": c.chosen} for c in listed]
        )
        return
    for change in listed:
        console.print(f" · {shown(change.title)} ({shown(change.source_id)}): {shown(change.note)}")
    if not listed:
        console.print("[green]✓[/] nothing changed after sending waits for a decision")


def reconcile_json(result: ReconcileReport) -> dict[str, object]:
    return {
        "clean": result.clean,
        "checked": result.checked,
        "jobs_total": result.jobs_total,
        "package_total": result.package_total,
        "differences": [
            {
                "kind": d.kind.value,
                "id": d.source_id,
                "name": d.name,
                "jobs_balance": d.jobs_balance,
                "package_balance": d.package_balance,
                "difference": d.difference,
                "reason": d.reason,
            }
            for d in result.differences
        ],
    }


def show_reconcile(result: ReconcileReport) -> None:
    if result.clean:
        console.print(
            f"[green]✓[/] reconciled: {result.checked:,} customers and suppliers owe the same on both sides "
            f"({format_money(result.jobs_total)} in all)"
        )
        return
    table = Table(title=f"{len(result.differences):,} of {result.checked:,} balances differ")
    for column in ("kind", "id", "name", "jobs side", "package", "difference", "why"):
        table.add_column(column)
    for d in result.differences:
        table.add_row(
            *cells(
                d.kind.label,
                d.source_id,
                d.name,
                format_money(d.jobs_balance),
                format_money(d.package_balance),
                format_money(d.difference),
                d.reason,
            )
        )
    console.print(table)


@reports_errors
def reconcile_command(company: CompanyOption = "demo", as_json: JsonFlag = False) -> None:
    """Compare every customer's and supplier's balance in the package with the jobs side's."""
    store, connectors = open_connectors()
    found = company_of(store, company)
    connection = dashboard.connection_of(store, found.id)
    connector = connectors.connector(connection)

    async def run() -> ReconcileReport:
        try:
            return await reconcile(store, connection, connector)
        finally:
            await connector.aclose()

    result = asyncio.run(run())
    if as_json:
        emit_json(reconcile_json(result))
    else:
        show_reconcile(result)
    if not result.clean:
        raise typer.Exit(ExitCode.NEEDS_ATTENTION)


@reports_errors
def open_items_command(
    settled_outside: Annotated[
        list[str] | None,
        typer.Option(
            "--settled-outside", help="Mark this open item (its job-system id) settled outside ledgerlink."
        ),
    ] = None,
    company: CompanyOption = "demo",
    as_json: JsonFlag = False,
) -> None:
    """Unpaid invoices, credit notes and bills dated before the cut-off date, with what is still open."""
    store, _ = open_connectors()
    found = company_of(store, company)
    if settled_outside:
        held = settle_outside(store, found.id, settled_outside)
        if not as_json:
            what = "open item" if held == 1 else "open items"
            console.print(f"{held:,} {what} marked settled outside ledgerlink: nothing waits for them")
    listed = open_items(store, found.id)
    if as_json:
        emit_json(listed)
        return
    if not listed:
        console.print("[green]✓[/] nothing dated before the cut-off date is still open")
        return
    table = Table(title=Text(f"{found.name}: open at the cut-off date"))
    for column in ("record", "id", "open", "settled outside"):
        table.add_column(column, justify="right" if column == "open" else "left")
    for item in listed:
        table.add_row(
            *cells(
                item.title,
                item.source_id,
                format_money(item.open_amount),
                "yes" if item.settled_outside else "",
            )
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command(name="send")(send)
    app.command(name="status")(status)
    app.command(name="failures")(failures)
    app.command(name="resend")(resend)
    app.command(name="do-not-send")(do_not_send)
    app.command(name="changes")(changes)
    app.command(name="reconcile")(reconcile_command)
    app.command(name="open-items")(open_items_command)
