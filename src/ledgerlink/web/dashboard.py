"""The dashboard: where sending stands at a glance, what failed and why, and the buttons to put it right."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import RecordKind
from ledgerlink.errors import LedgerlinkError, PackageError, RecordNotFound
from ledgerlink.services.sending import controls as board
from ledgerlink.services.sending.names import title_of
from ledgerlink.services.sending.reconcile import reconcile
from ledgerlink.services.sending.record_view import record_view
from ledgerlink.services.sending.settling import settle_uncertain
from ledgerlink.web.deps import (
    Context,
    CurrentVisitor,
    RowId,
    current_connection,
    redirect,
    render,
    wizard_state,
)
from ledgerlink.web.security import check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)

SHOWN_STATES = (
    EntryState.WAITING,
    EntryState.PROCESSING,
    EntryState.SENT,
    EntryState.FAILED,
    EntryState.UNCERTAIN,
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
async def resend(
    request: Request,
    context: Context,
    visitor: CurrentVisitor,
    entry: Annotated[list[str] | None, Form()] = None,
) -> Response:
    """Failed records back to waiting; uncertain ones settled now (unless a send is running: it
    settles them first thing)."""
    chosen = _chosen(entry)
    if not chosen:
        return redirect("/dashboard", flash="Tick the records to re-send first.", request=request)
    moved = board.resend(context.store, visitor.company_id, chosen)
    message = f"{moved} record{'s' if moved != 1 else ''} will be sent again with the next send."
    job = context.sends.get(visitor.company_id)
    if job is not None and job.running:
        return redirect("/dashboard", flash=message, request=request)
    try:
        settled = await settle_uncertain(context.connectors, visitor.company_id, chosen)
    except LedgerlinkError as refused:
        return redirect("/dashboard", flash=f"{message} {refused}", request=request)
    if settled.asked:
        message = f"{message} {settled.summary}." if moved else f"{settled.summary}."
    return redirect("/dashboard", flash=message, request=request)


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
    held = board.do_not_send(context.store, visitor.company_id, chosen, undo=undo)
    what = "put back" if undo else "marked do-not-send"
    message = f"{held.changed} record{'s' if held.changed != 1 else ''} {what}."
    if held.in_flight:
        message += f" On their way to the package, so not marked yet: {', '.join(held.in_flight)}."
    return redirect("/dashboard", flash=message, request=request)


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
    connector = context.connectors.connector(connection)
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
def entry_page(request: Request, context: Context, visitor: CurrentVisitor, entry_id: RowId) -> Response:
    entry, attempts = board.entry_history(context.store, visitor.company_id, entry_id)
    title = title_of(context.store, visitor.company_id, entry.kind, entry.source_id)
    if entry.step.value == "allocate":
        title += " (allocation)"
    return render(
        request,
        context,
        "entry.html",
        {"entry": entry, "attempts": attempts, "title": title},
        visitor=visitor,
    )


@router.get("/records/{kind}/{source_id}")
def record_page(
    request: Request, context: Context, visitor: CurrentVisitor, kind: str, source_id: str
) -> Response:
    try:
        record_kind = RecordKind(kind)
    except ValueError:
        raise RecordNotFound(f"there is no kind of record {kind!r}") from None
    view = record_view(context.store, visitor.company_id, record_kind, source_id)
    return render(request, context, "record.html", {"view": view}, visitor=visitor)
