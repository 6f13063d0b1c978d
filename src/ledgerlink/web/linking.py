"""The wizard's linking steps (side-by-side): the two records side by side, the reasons, and decisions.

Matching runs with automatic linking off, so that a person sees the sure matches too and takes them
with one press ("accept all sure matches"); each other proposal waits for accept, reject, create new,
or a contact found by search.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from ledgerlink.errors import LedgerlinkError, RecordNotFound
from ledgerlink.services.linking.proposals import PartyKind, finish_step, link_progress, run_linking
from ledgerlink.services.linking.review import (
    ReviewItem,
    accept_sure,
    decide,
    review_items,
    search_contacts,
)
from ledgerlink.services.onboarding.steps import StepName
from ledgerlink.web.deps import Context, CurrentVisitor, anchor, current_connection, redirect, render
from ledgerlink.web.security import check_csrf
from ledgerlink.web.wizard import page

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)

DECISIONS = ("accept", "reject", "create_new", "leave", "manual", "unlink")


def _kind(side: str) -> PartyKind:
    if side not in ("customers", "suppliers"):
        raise RecordNotFound(f"there is nothing to link called {side!r}")
    return "supplier" if side == "suppliers" else "customer"


def _step(kind: PartyKind) -> StepName:
    return "link_suppliers" if kind == "supplier" else "link_customers"


@router.get("/wizard/link/{side}")
def link_page(request: Request, context: Context, visitor: CurrentVisitor, side: str) -> Response:
    kind = _kind(side)
    connection = current_connection(context, visitor.company_id)
    progress = None
    items: list[ReviewItem] = []
    linked: list[ReviewItem] = []
    to_create: list[ReviewItem] = []
    if connection is not None:
        progress = link_progress(context.store, visitor.company_id, kind)
        items = review_items(context.store, visitor.company_id, kind)
        linked = review_items(context.store, visitor.company_id, kind, statuses=("linked",))
        to_create = review_items(context.store, visitor.company_id, kind, statuses=("create_new",))
    return page(
        request,
        context,
        visitor,
        "wizard/link.html",
        {
            "connection": connection,
            "side": side,
            "kind": kind,
            "progress": progress,
            "items": items,
            "linked": linked,
            "to_create": to_create,
        },
        step=_step(kind),
    )


@router.post("/wizard/link/{side}/run")
async def run(request: Request, context: Context, visitor: CurrentVisitor, side: str) -> Response:
    kind = _kind(side)
    try:
        summary = await run_linking(context.connectors, visitor.company_id, kind, auto=False)
    except LedgerlinkError as problem:
        return redirect(f"/wizard/link/{side}", flash=f"Matching did not run: {problem}", request=request)
    counts = summary.counts()
    return redirect(
        f"/wizard/link/{side}",
        flash=(
            f"Read {summary.contacts_read} contacts from the package: {counts['sure']} sure matches, "
            f"{counts['likely']} to check, {counts['none']} with nothing like them (created on send)."
        ),
        request=request,
    )


@router.post("/wizard/link/{side}/accept-sure")
def take_sure(request: Request, context: Context, visitor: CurrentVisitor, side: str) -> Response:
    kind = _kind(side)
    report = accept_sure(context.store, visitor.company_id, kind, decided_by=visitor.user.email)
    conflicts = (
        f"; {len(report.conflicts)} could not be linked: {'; '.join(report.conflicts[:3])}"
        if report.conflicts
        else ""
    )
    return redirect(
        f"/wizard/link/{side}", flash=f"Linked {len(report.linked)} sure matches{conflicts}.", request=request
    )


@router.post("/wizard/link/{side}/decide")
def decide_one(
    request: Request,
    context: Context,
    visitor: CurrentVisitor,
    side: str,
    source_id: Annotated[str, Form()] = "",
    decision: Annotated[str, Form()] = "",
    package_id: Annotated[str, Form()] = "",
    then: Annotated[str, Form(alias="next")] = "",
) -> Response:
    """One decision; the page comes back where the person was (the next record to check, or this one
    in the list it moved to), not at the top."""
    kind = _kind(side)
    if decision not in DECISIONS:
        return redirect(f"/wizard/link/{side}", flash="Choose accept, reject or create new.", request=request)
    try:
        outcome = decide(
            context.store,
            visitor.company_id,
            kind,
            source_id,
            decision,  # type: ignore[arg-type]
            package_id=package_id,
            decided_by=visitor.user.email,
        )
    except LedgerlinkError as problem:
        return redirect(
            f"/wizard/link/{side}#{anchor(source_id)}", flash=f"Not done: {problem}", request=request
        )
    place = anchor(then or source_id)
    return redirect(f"/wizard/link/{side}#{place}", flash=outcome.message, request=request)


@router.get("/wizard/link/{side}/search")
def search(
    request: Request,
    context: Context,
    visitor: CurrentVisitor,
    side: str,
    source_id: Annotated[str, Query()] = "",
    q: Annotated[str, Query()] = "",
) -> Response:
    kind = _kind(side)
    hits = search_contacts(context.store, visitor.company_id, q, kind=kind) if q.strip() else []
    return render(
        request,
        context,
        "partials/search_hits.html",
        {"hits": hits, "side": side, "source_id": source_id, "q": q},
        visitor=visitor,
    )


@router.post("/wizard/link/{side}/finish")
def finish(request: Request, context: Context, visitor: CurrentVisitor, side: str) -> Response:
    kind = _kind(side)
    try:
        finish_step(context.store, visitor.company_id, kind)
    except LedgerlinkError as problem:
        return redirect(f"/wizard/link/{side}", flash=str(problem), request=request)
    return redirect("/wizard", flash=f"Linking {kind}s is done.", request=request)
