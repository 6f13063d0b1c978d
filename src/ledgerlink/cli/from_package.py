"""`ledgerlink from-package read|list|dealt-with|settings|webhook|deliveries`: what the package changed."""

from __future__ import annotations

import asyncio
import getpass
from typing import Annotated

import typer
from rich.table import Table

from ledgerlink.cli.common import (
    CompanyOption,
    ExitCode,
    JsonFlag,
    cells,
    console,
    emit_json,
    reports_errors,
)
from ledgerlink.cli.connection import company_of, open_connectors
from ledgerlink.services.inbound.dealt_with import mark_dealt_with, undo_dealt_with
from ledgerlink.services.inbound.feed import changes_page, delivery_log
from ledgerlink.services.inbound.run import ChangesReport, read_and_apply
from ledgerlink.services.inbound.settings import (
    listed_for_a_person,
    reading_settings,
    save_reading_settings,
)
from ledgerlink.services.inbound.webhooks import DeliveryReport, deliver_due, set_endpoint

group = typer.Typer(
    name="from-package",
    help="What comes back from the package: payments, allocations and voids made there.",
    no_args_is_help=True,
)


@group.command("read")
@reports_errors
def read(company: CompanyOption = "demo", as_json: JsonFlag = False) -> None:
    """Read what changed in the package since the last read, apply it, and post the webhooks due."""
    store, connectors = open_connectors()
    found = company_of(store, company)

    async def run() -> tuple[ChangesReport, DeliveryReport]:
        report = await read_and_apply(connectors, found.id)
        delivered = await deliver_due(store, connectors.box, found.id)
        return report, delivered

    report, delivered = asyncio.run(run())
    waiting = listed_for_a_person(store, found.id)
    answer = {
        "read": report.read.read,
        "new": report.read.new,
        "applied": report.applied.counts,
        "webhooks": {"delivered": delivered.delivered, "failed": delivered.failed},
        "needs_person": len(waiting),
    }
    if as_json:
        emit_json(answer)
    else:
        applied = ", ".join(f"{count} {state}" for state, count in report.applied.counts.items())
        console.print(f"read {report.read.new_total} new change(s); {applied or 'nothing to apply'}")
        if waiting:
            console.print(
                f"{len(waiting)} change(s) need a person: `ledgerlink from-package list --needs-person`; "
                "once one is settled, `ledgerlink from-package dealt-with ID`"
            )
    if waiting:
        raise typer.Exit(ExitCode.NEEDS_ATTENTION)


@group.command("list")
@reports_errors
def list_changes(
    company: CompanyOption = "demo",
    after: Annotated[int, typer.Option(help="Only changes after this id (the last one handled).")] = 0,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 100,
    needs_person: Annotated[bool, typer.Option("--needs-person", help="Only what needs a person.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """The changes feed: each change applied to the jobs side, or listed for a person, oldest first."""
    store, _ = open_connectors()
    found = company_of(store, company)
    page = changes_page(store, found.id, after=after, limit=limit)
    changes = [
        c for c in page.changes if not needs_person or (c["what"] == "needs_person" and not c["dealt_with"])
    ]
    if as_json:
        emit_json({"changes": changes, "after": page.after, "more": page.more})
        return
    table = Table("id", "what", "record", "package id", "reason", "at", "dealt with")
    for column in table.columns[2:4]:
        column.overflow = "fold"  # an id cut short names nothing: wrap it whole
    for change in changes:
        record = f"{change['record_kind']} {change['source_id']}".strip()
        mark = change["dealt_with"]
        dealt = f"{mark['by']}, {mark['at']}" + (f": {mark['note']}" if mark["note"] else "") if mark else ""
        table.add_row(
            *cells(
                change["id"],
                change["what"],
                record,
                change["package_id"],
                change["reason"],
                change["at"],
                dealt,
            )
        )
    console.print(table)


@group.command("dealt-with")
@reports_errors
def dealt_with(
    change_id: Annotated[int, typer.Argument(help="The change's id, as `from-package list` shows it.")],
    company: CompanyOption = "demo",
    by: Annotated[str | None, typer.Option(help="Who dealt with it (the login name by default).")] = None,
    note: Annotated[str, typer.Option(help="What was done about it.")] = "",
    undo: Annotated[bool, typer.Option("--undo", help="It waits for a person again.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Mark a change waiting for a person dealt with (or, with --undo, waiting again): it leaves the
    waiting list and stays in the history."""
    store, _ = open_connectors()
    found = company_of(store, company)
    if undo:
        undo_dealt_with(store, found.id, change_id)
        answer: dict[str, object] = {"id": change_id, "dealt_with": None}
        said = f"change {change_id} waits for a person again"
    else:
        mark = mark_dealt_with(store, found.id, change_id, by=by or getpass.getuser(), note=note)
        answer = {
            "id": change_id,
            "dealt_with": {"by": mark.by, "at": mark.at.isoformat(), "note": mark.note},
        }
        said = f"change {change_id} dealt with by {mark.by}"
    if as_json:
        emit_json(answer)
    else:
        console.print(said)


@group.command("settings")
@reports_errors
def settings(
    company: CompanyOption = "demo",
    kinds: Annotated[
        str | None, typer.Option(help="Comma-separated: payment, credit_allocation, document.")
    ] = None,
    schedule: Annotated[str | None, typer.Option(help="on_demand or scheduled (the workers read).")] = None,
    every: Annotated[int | None, typer.Option(help="Minutes between scheduled reads.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Show, or change, which kinds of change come back and when they are read."""
    store, _ = open_connectors()
    found = company_of(store, company)
    if kinds is None and schedule is None and every is None:
        current = reading_settings(store, found.id)
    else:
        current = save_reading_settings(
            store,
            found.id,
            kinds=kinds.split(",") if kinds is not None else None,
            schedule=schedule,
            interval_minutes=every,
        )
    answer = {
        "kinds": sorted(current.kinds),
        "schedule": current.schedule,
        "interval_minutes": current.interval_minutes,
        "reading_since": current.reading_since.isoformat(),
        "last_read_at": current.last_read_at.isoformat() if current.last_read_at else None,
    }
    if as_json:
        emit_json(answer)
    else:
        for name, value in answer.items():
            console.print(f"{name}: {value}")


@group.command("webhook")
@reports_errors
def webhook(
    url: Annotated[str, typer.Argument(help="Where each change is posted (http or https).")],
    company: CompanyOption = "demo",
    new_secret: Annotated[bool, typer.Option("--new-secret", help="Make a new signing secret.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Post every change from now on to URL, signed; prints the signing secret to check them with."""
    store, connectors = open_connectors()
    found = company_of(store, company)
    secret = set_endpoint(store, connectors.box, found.id, url, new_secret=new_secret)
    if as_json:
        emit_json({"url": url, "secret": secret})
    else:
        console.print(f"changes will be posted to {url}\nsigning secret: {secret}")


@group.command("deliveries")
@reports_errors
def deliveries(
    company: CompanyOption = "demo",
    limit: Annotated[int, typer.Option(help="At most this many, newest first.")] = 50,
    as_json: JsonFlag = False,
) -> None:
    """The webhook delivery log: each change posted, its attempts and the last answer."""
    store, _ = open_connectors()
    found = company_of(store, company)
    rows = delivery_log(store, found.id, limit=limit)
    if as_json:
        emit_json(rows)
        return
    table = Table("change", "state", "attempts", "last answer", "next try", "delivered")
    for row in rows:
        answer = row["last_status"] or row["last_error"] or ""
        table.add_row(
            *cells(
                row["event_id"],
                row["state"],
                row["attempts"],
                answer,
                row["next_attempt_at"],
                row["delivered_at"],
            )
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(group)
