"""Changes from the package: what came back and was applied here, what waits for a person and why,
and which kinds of change come back (the connection's reading settings, an administrator's to set).

Anyone signed in (administrators and bookkeepers alike: it is their work) marks a change waiting for
a person dealt with, with a note, or takes the mark off again.

Read now asks for a read: the workers' queue takes it where they run; on SQLite the web process reads
once the page has answered, and the page shows what came back when it is loaded again.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Depends, Form, Request
from fastapi.responses import Response

from ledgerlink.errors import ConfigurationError, RecordNotFound
from ledgerlink.services.inbound.dealt_with import mark_dealt_with, undo_dealt_with
from ledgerlink.services.inbound.for_people import changes_for_people, reading_settings_in_words
from ledgerlink.services.inbound.run import ask_for_read, read_apply_and_deliver
from ledgerlink.services.inbound.settings import save_reading_settings
from ledgerlink.web.deps import (
    Administrator,
    Context,
    CurrentVisitor,
    RowId,
    current_connection,
    redirect,
    render,
)
from ledgerlink.web.security import check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


@router.get("/from-package")
def from_package_page(request: Request, context: Context, visitor: CurrentVisitor) -> Response:
    connection = current_connection(context, visitor.company_id)
    lines = changes_for_people(context.store, visitor.company_id)
    values = {
        "connection": connection,
        "waiting": [line for line in lines if line.waiting],
        "applied": [line for line in lines if not line.waiting],
        "reading": reading_settings_in_words(context.store, visitor.company_id) if connection else None,
    }
    return render(request, context, "from_package.html", values, visitor=visitor)


@router.post("/from-package/settings")
def save_settings(
    request: Request,
    context: Context,
    visitor: Administrator,
    kind: Annotated[list[str] | None, Form()] = None,
    schedule: Annotated[str, Form()] = "on_demand",
    interval_minutes: Annotated[int, Form()] = 60,
) -> Response:
    try:
        save_reading_settings(
            context.store,
            visitor.company_id,
            kinds=kind or [],
            schedule=schedule,
            interval_minutes=interval_minutes,
        )
    except ConfigurationError as refused:
        return redirect("/from-package", flash=f"Not saved: {refused}.", request=request)
    return redirect(
        "/from-package", flash="Saved: these kinds of change come back from now on.", request=request
    )


@router.post("/from-package/read")
def read_now(request: Request, context: Context, visitor: CurrentVisitor, later: BackgroundTasks) -> Response:
    if current_connection(context, visitor.company_id) is None:
        return redirect("/from-package", flash="Connect a package first.", request=request)
    here = ask_for_read(context.connectors, visitor.company_id)
    if here is None:
        return redirect(
            "/from-package", flash="A read is queued: the workers take it in a moment.", request=request
        )
    later.add_task(read_apply_and_deliver, context.connectors, here)
    return redirect("/from-package", flash="Reading now: load the page again in a moment.", request=request)


@router.post("/from-package/{event_id}/dealt-with")
def dealt_with(
    request: Request,
    context: Context,
    visitor: CurrentVisitor,
    event_id: RowId,
    note: Annotated[str, Form()] = "",
) -> Response:
    who = visitor.user.name or visitor.user.email
    try:
        mark_dealt_with(context.store, visitor.company_id, event_id, by=who, note=note)
    except RecordNotFound as missing:
        return redirect("/from-package", flash=f"Not marked: {missing}.", request=request)
    return redirect("/from-package", flash="Marked dealt with: it is in the history below.", request=request)


@router.post("/from-package/{event_id}/waiting")
def waiting_again(request: Request, context: Context, visitor: CurrentVisitor, event_id: RowId) -> Response:
    try:
        undo_dealt_with(context.store, visitor.company_id, event_id)
    except RecordNotFound as missing:
        return redirect("/from-package", flash=f"Not changed: {missing}.", request=request)
    return redirect("/from-package", flash="It waits for a person again.", request=request)
