"""The open items step: unpaid documents dated before the cut-off, linking them to the package's own
open copies (where the package holds the books already), and marking them settled outside.

It comes after the nominal accounts on every path and never holds the wizard back. On the new-package
path each item goes to the package as an opening item with the next send; on the others, the package's
open documents are read, the sure matches linked at once, and each one to check linked with a click
(or by the package's id); an item left unlinked only keeps waiting what was set against it after the
cut-off, saying so on the dashboard.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from ledgerlink.errors import ConfigurationError, LedgerlinkError
from ledgerlink.packages.registry import get_package
from ledgerlink.services.onboarding.opening_mapping import opening_items_way
from ledgerlink.services.sending.open_item_links import OpenItemMatch, link_open_item, match_open_items
from ledgerlink.services.sending.open_items import open_items, settle_outside
from ledgerlink.web.deps import Context, CurrentVisitor, Visitor, WebContext, current_connection, redirect
from ledgerlink.web.security import check_csrf
from ledgerlink.web.wizard import page

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


def _page(
    request: Request,
    context: WebContext,
    visitor: Visitor,
    matches: list[OpenItemMatch] | None = None,
    status_code: int = 200,
) -> Response:
    connection = current_connection(context, visitor.company_id)
    listed = open_items(context.store, visitor.company_id) if connection is not None else []
    opening = opening_items_way(connection) if connection is not None else None
    label = _package_label(connection.package) if connection is not None else "the package"
    return page(
        request,
        context,
        visitor,
        "wizard/open_items.html",
        {
            "connection": connection,
            "items": listed,
            "opening": opening,
            "package": label,
            "linking": connection is not None and connection.onboarding_path != "new-package",
            "to_check": [match for match in matches or [] if not match.linked],
            "matched": matches is not None,
        },
        step="open_items",
        status_code=status_code,
    )


def _package_label(name: str) -> str:
    try:
        return get_package(name).label
    except ConfigurationError:
        return name.title()


@router.get("/wizard/open-items")
def open_items_page(request: Request, context: Context, visitor: CurrentVisitor) -> Response:
    return _page(request, context, visitor)


@router.post("/wizard/open-items/match")
async def match_with_the_package(request: Request, context: Context, visitor: CurrentVisitor) -> Response:
    """Read the package's open documents, link the sure matches, and show the ones to check."""
    connection = current_connection(context, visitor.company_id)
    if connection is None:
        return redirect("/wizard/open-items", flash="Connect to a package first.", request=request)
    connector = context.connectors.connector(connection)
    try:
        matches = await match_open_items(context.store, visitor.company_id, connector)
    except LedgerlinkError as refused:
        return redirect("/wizard/open-items", flash=f"Not matched: {refused}", request=request)
    finally:
        await connector.aclose()
    linked = sum(1 for match in matches if match.linked)
    request.session["flash"] = (
        f"{linked} open item{'s' if linked != 1 else ''} linked to {_package_label(connection.package)}'s own copy; "
        f"{len(matches) - linked} to check."
    )
    return _page(request, context, visitor, matches)


@router.post("/wizard/open-items/link")
async def link_one(
    request: Request,
    context: Context,
    visitor: CurrentVisitor,
    item: Annotated[str, Form()] = "",
    package_id: Annotated[str, Form()] = "",
) -> Response:
    """A person links one open item to the package's document: a match to check, or an id they give."""
    connection = current_connection(context, visitor.company_id)
    if connection is None or not item.strip() or not package_id.strip():
        return redirect(
            "/wizard/open-items",
            flash="Choose the item and the package's document to link it to.",
            request=request,
        )
    connector = context.connectors.connector(connection)
    try:
        document = await link_open_item(
            context.store, visitor.company_id, item.strip(), package_id.strip(), connector
        )
    except LedgerlinkError as refused:
        return redirect("/wizard/open-items", flash=f"Not linked: {refused}", request=request)
    finally:
        await connector.aclose()
    return redirect(
        "/wizard/open-items",
        flash=f"{item.strip()} linked to {document.number or document.package_id} in {_package_label(connection.package)}.",
        request=request,
    )


@router.post("/wizard/open-items/settled-outside")
def mark_settled_outside(
    request: Request,
    context: Context,
    visitor: CurrentVisitor,
    item: Annotated[list[str] | None, Form()] = None,
) -> Response:
    chosen = [value for value in item or [] if value.strip()]
    if not chosen:
        return redirect(
            "/wizard/open-items", flash="Tick the items settled outside ledgerlink first.", request=request
        )
    try:
        held = settle_outside(context.store, visitor.company_id, chosen)
    except LedgerlinkError as refused:
        return redirect("/wizard/open-items", flash=str(refused), request=request)
    return redirect(
        "/wizard/open-items",
        flash=f"{held} item{'s' if held != 1 else ''} marked settled outside ledgerlink: nothing waits for them.",
        request=request,
    )
