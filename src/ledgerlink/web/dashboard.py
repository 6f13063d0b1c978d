"""The dashboard: where sending stands at a glance, what failed and why, and the buttons to put it right."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import RecordKind
from ledgerlink.errors import LedgerlinkError, PackageError, RecordNotFound
from ledgerlink.services import dashboard as board
from ledgerlink.services.reconcile import reconcile
from ledgerlink.store.connections import LinkRepository
from ledgerlink.store.outbox import OutboxRepository
from ledgerlink.web.deps import Context, CurrentVisitor, current_connection, redirect, render, wizard_state
from ledgerlink.web.security import check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)

SHOWN_STATES = (
    EntryState.WAITING,
    EntryState.PROCESSING,
    EntryState.SENT,
    EntryState.FAILED,
    EntryState.BLOCKED,
    EntryState.DO_NOT_SEND,
)


def _board(context: Any, visitor: Any) -> dict[str, Any]:
    status = board.status(context.store, visitor.company_id)
    failures = board.failures(context.store, visitor.company_id)
    grouped: dict[RecordKind, list[board.Failure]] = {}
    for failure in failures:
        grouped.setdefault(failure.kind, []).append(failure)
    return {
        "status": status,
        "shown_states": SHOWN_STATES,
        "grouped": grouped,
        "changes": board.changes(context.store, visitor.company_id),
        "job": context.sends.get(visitor.company_id),
    }


@router.get("/dashboard")
def dashboard_page(request: Request, context: Context, visitor: CurrentVisitor) -> Response:
    if current_connection(context, visitor.company_id) is None:
        return redirect("/wizard")
    values = _board(context, visitor)
    values["state"] = wizard_state(request, context, visitor.company_id)
    return render(request, context, "dashboard.html", values, visitor=visitor)


@router.get("/dashboard/counts")
def counts_partial(request: Request, context: Context, visitor: CurrentVisitor) -> Response:
    return render(request, context, "partials/counts.html", _board(context, visitor), visitor=visitor)


@router.get("/send/progress")
def send_progress(request: Request, context: Context, visitor: CurrentVisitor) -> Response:
    job = context.sends.get(visitor.company_id)
    counts = None
    if job is not None and not job.running and current_connection(context, visitor.company_id) is not None:
        counts = board.status(context.store, visitor.company_id).counts
    return render(
        request,
        context,
        "partials/progress.html",
        {"job": job, "counts": counts, "shown_states": SHOWN_STATES},
        visitor=visitor,
    )


@router.post("/dashboard/send")
async def send(request: Request, context: Context, visitor: CurrentVisitor) -> Response:
    try:
        context.sends.start(visitor.company_id)
    except LedgerlinkError as refused:
        return redirect("/dashboard", flash=str(refused), request=request)
    return redirect("/dashboard", flash="Sending has started.", request=request)


def _chosen(form_ids: list[str] | None) -> list[str]:
    return [value for value in form_ids or [] if value.strip()]


@router.post("/dashboard/resend")
def resend(
    request: Request,
    context: Context,
    visitor: CurrentVisitor,
    entry: Annotated[list[str] | None, Form()] = None,
) -> Response:
    chosen = _chosen(entry)
    if not chosen:
        return redirect("/dashboard", flash="Tick the records to re-send first.", request=request)
    moved = board.resend(context.store, visitor.company_id, chosen)
    return redirect(
        "/dashboard",
        flash=f"{moved} record{'s' if moved != 1 else ''} will be sent again with the next send.",
        request=request,
    )


@router.post("/dashboard/do-not-send")
def do_not_send(
    request: Request,
    context: Context,
    visitor: CurrentVisitor,
    entry: Annotated[list[str] | None, Form()] = None,
    undo: Annotated[bool, Form()] = False,
) -> Response:
    chosen = _chosen(entry)
    if not chosen:
        return redirect("/dashboard", flash="Tick the records first.", request=request)
    moved = board.do_not_send(context.store, visitor.company_id, chosen, undo=undo)
    what = "back to waiting" if undo else "marked do-not-send"
    return redirect("/dashboard", flash=f"{moved} record{'s' if moved != 1 else ''} {what}.", request=request)


@router.post("/dashboard/changes/{choice}")
def decide_change(
    request: Request,
    context: Context,
    visitor: CurrentVisitor,
    choice: str,
    kind: Annotated[str, Form()],
    source_id: Annotated[str, Form()],
) -> Response:
    """A sent record that changed since: leave it as sent, or credit it and issue it again."""
    try:
        record_kind = RecordKind(kind)
    except ValueError:
        raise RecordNotFound(f"there is no kind of record {kind!r}") from None
    if choice == "leave":
        board.leave_change(context.store, visitor.company_id, source_id, kind=record_kind)
        message = f"{record_kind.label.capitalize()} {source_id} is left as it was sent."
    elif choice == "reissue":
        try:
            board.credit_and_reissue(context.store, visitor.company_id, source_id, kind=record_kind)
        except LedgerlinkError as refused:
            return redirect("/dashboard", flash=str(refused), request=request)
        message = f"{record_kind.label.capitalize()} {source_id} will be credited and issued again with the next send."
    else:
        raise RecordNotFound(f"there is no choice {choice!r} for a change after sending")
    return redirect("/dashboard", flash=message, request=request)


@router.post("/dashboard/reconcile")
async def run_reconcile(request: Request, context: Context, visitor: CurrentVisitor) -> Response:
    connection = board.connection_of(context.store, visitor.company_id)
    connector = context.runtime.connector(connection)
    error = ""
    result = None
    try:
        result = await reconcile(context.store, connection, connector)
    except PackageError as problem:
        error = f"The package could not be asked: {problem}"
    finally:
        await connector.aclose()
    return render(
        request, context, "partials/reconcile.html", {"result": result, "error": error}, visitor=visitor
    )


@router.get("/dashboard/entries/{entry_id}")
def entry_page(request: Request, context: Context, visitor: CurrentVisitor, entry_id: int) -> Response:
    connection = board.connection_of(context.store, visitor.company_id)
    with context.store.unit_of_work() as uow:
        outbox = OutboxRepository(uow.session, connection.id, visitor.company_id)
        entry = outbox.get(entry_id)
        if entry is None:
            raise RecordNotFound(f"there is no outbox entry {entry_id} for this company")
        attempts = outbox.attempts(entry_id)
    return render(request, context, "entry.html", {"entry": entry, "attempts": attempts}, visitor=visitor)


@router.get("/records/{kind}/{source_id}")
def record_page(
    request: Request, context: Context, visitor: CurrentVisitor, kind: str, source_id: str
) -> Response:
    try:
        record_kind = RecordKind(kind)
    except ValueError:
        raise RecordNotFound(f"there is no kind of record {kind!r}") from None
    connection = current_connection(context, visitor.company_id)
    with context.store.unit_of_work() as uow:
        stored = uow.records(visitor.company_id).find(record_kind, source_id)
        if stored is None:
            raise RecordNotFound(f"there is no {record_kind.label} {source_id} for this company")
        entry = link = None
        if connection is not None:
            entry = OutboxRepository(uow.session, connection.id, visitor.company_id).find(
                record_kind, source_id
            )
            link = LinkRepository(uow.session, connection.id).find(record_kind, source_id)
    return render(
        request,
        context,
        "record.html",
        {
            "stored": stored,
            "content": stored.record.model_dump_json(indent=2),
            "entry": entry,
            "link": link,
        },
        visitor=visitor,
    )
