"""The wizard's import step (package-first): preview with the data-quality report, commit, undo.

The preview a person read is kept until they commit, so the commit imports exactly what they saw.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import Response

from ledgerlink.errors import LedgerlinkError
from ledgerlink.services.importing.batches import (
    ImportPreview,
    commit_import,
    list_batches,
    preview_import,
    undo_import,
)
from ledgerlink.services.importing.quality import OUTCOME_WORDS
from ledgerlink.services.importing.review import imported_records
from ledgerlink.services.importing.transform import ImportKind
from ledgerlink.web.deps import Context, CurrentVisitor, RowId, current_connection, redirect
from ledgerlink.web.security import check_csrf
from ledgerlink.web.wizard import page

router = APIRouter(dependencies=[Depends(check_csrf)], include_in_schema=False)


def _kind(value: str) -> ImportKind:
    return "supplier" if value == "supplier" else "customer"


@router.get("/wizard/import")
def import_page(
    request: Request, context: Context, visitor: CurrentVisitor, kind: Annotated[str, Query()] = "customer"
) -> Response:
    chosen = _kind(kind)
    connection = current_connection(context, visitor.company_id)
    preview: ImportPreview | None = context.previews.get((visitor.company_id, chosen))
    batches = list_batches(context.store, visitor.company_id) if connection is not None else []
    latest = next((b for b in reversed(batches) if b.kind == chosen and b.undone_at is None), None)
    order = {r.package_id: index for index, r in enumerate(preview.records)} if preview else {}
    return page(
        request,
        context,
        visitor,
        "wizard/import.html",
        {
            "connection": connection,
            "kind": chosen,
            "preview": preview,
            "batches": batches,
            "words": OUTCOME_WORDS,
            "order": order,
            "latest": latest,
            "imported": imported_records(context.store, visitor.company_id, latest.id) if latest else [],
        },
        step="import",
    )


@router.post("/wizard/import/preview")
async def preview(
    request: Request, context: Context, visitor: CurrentVisitor, kind: Annotated[str, Form()] = "customer"
) -> Response:
    chosen = _kind(kind)
    try:
        context.previews[(visitor.company_id, chosen)] = await preview_import(
            context.connectors, visitor.company_id, chosen
        )
    except LedgerlinkError as problem:
        return redirect(
            f"/wizard/import?kind={chosen}", flash=f"Could not read the package: {problem}", request=request
        )
    return redirect(f"/wizard/import?kind={chosen}")


@router.post("/wizard/import/commit")
async def commit(
    request: Request,
    context: Context,
    visitor: CurrentVisitor,
    kind: Annotated[str, Form()] = "customer",
    ticked: Annotated[list[str] | None, Form(alias="import")] = None,
    merges: Annotated[list[str] | None, Form(alias="merge")] = None,
    choosing: Annotated[str, Form()] = "",
) -> Response:
    """Imports what the preview showed, but the contacts the person unticked (every one when the form
    had no ticks to give, as from a script posting only the kind). A merge ("other:kept") imports the
    kept contact, its blanks filled from the other, and leaves the other out."""
    chosen = _kind(kind)
    shown = context.previews.pop((visitor.company_id, chosen), None)
    if shown is None:
        return redirect(f"/wizard/import?kind={chosen}", flash="Preview the import first.", request=request)
    merge = dict(pair.split(":", 1) for pair in merges or () if ":" in pair)
    keep = set(ticked or ()) | set(merge.values())
    leave_out = [
        r.package_id for r in shown.of("create") if r.package_id not in keep or r.package_id in merge
    ]
    if not choosing:
        leave_out = []
    take = [r.package_id for r in shown.of("ask") if r.package_id in keep]
    try:
        batch = await commit_import(
            context.connectors,
            visitor.company_id,
            chosen,
            preview=shown,
            leave_out=leave_out,
            merge=merge,
            take=take,
        )
    except LedgerlinkError as problem:
        return redirect(f"/wizard/import?kind={chosen}", flash=f"Not imported: {problem}", request=request)
    merged = int(batch.summary.get("merged", 0))
    left = f"; left {len(leave_out) - merged} out, as asked" if len(leave_out) > merged else ""
    left += f"; merged {merged} likely duplicates into the contact they repeat" if merged else ""
    return redirect(
        f"/wizard/import?kind={chosen}",
        flash=f"Imported {batch.created} {chosen}s, each linked to its contact in the package{left}.",
        request=request,
    )


@router.post("/wizard/import/undo/{batch_id}")
def undo(request: Request, context: Context, visitor: CurrentVisitor, batch_id: RowId) -> Response:
    report = undo_import(context.store, visitor.company_id, batch_id)
    kept = f"; kept {len(report.kept)} used since" if report.kept else ""
    return redirect(
        "/wizard/import", flash=f"Removed {len(report.removed)} imported records{kept}.", request=request
    )
