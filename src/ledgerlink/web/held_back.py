"""The do-not-send list: every record a person held back, each with its undo (back to waiting)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from ledgerlink.services.sending import controls as board
from ledgerlink.services.sending.held_back import held_back
from ledgerlink.web.deps import Context, CurrentVisitor, redirect, render
from ledgerlink.web.security import check_csrf

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


@router.get("/do-not-send")
def held_back_page(request: Request, context: Context, visitor: CurrentVisitor) -> Response:
    return render(
        request,
        context,
        "do_not_send.html",
        {"held": held_back(context.store, visitor.company_id)},
        visitor=visitor,
    )


@router.post("/do-not-send/undo")
def put_back(
    request: Request, context: Context, visitor: CurrentVisitor, entry: Annotated[str, Form()] = ""
) -> Response:
    """One record back to waiting: the next send takes it, as if it had never been held back."""
    moved = board.do_not_send(context.store, visitor.company_id, [entry], undo=True) if entry else 0
    flash = "Put back: it goes with the next send." if moved else "That record is not held back any more."
    return redirect("/do-not-send", flash=flash, request=request)
