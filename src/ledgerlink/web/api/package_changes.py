"""The changes feed in the REST API: what the package changed, applied to the jobs side or listed for a
person, paged by the last id the job system handled."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field

from ledgerlink.services.inbound.feed import MAX_PAGE, changes_page
from ledgerlink.web.api.routes import api_company
from ledgerlink.web.deps import Context

Company = Annotated[int, Depends(api_company)]
QUERY = ("after", "limit")


def known_query(request: Request) -> None:
    """A parameter the feed does not take is refused by name: a misspelt `afer` would read from the
    start again, quietly."""
    unknown = [name for name in request.query_params if name not in QUERY]
    if unknown:
        raise RequestValidationError(
            [
                {
                    "type": "extra_forbidden",
                    "loc": ("query", name),
                    "msg": "not a parameter of this call",
                    "input": "",
                }
                for name in unknown
            ]
        )


router = APIRouter(tags=["changes from the package"])


class DealtWithPublic(BaseModel):
    by: str = Field(description="Who marked it dealt with.")
    at: datetime
    note: str


class PackageChangePublic(BaseModel):
    id: int = Field(description="Ask for the changes after the last id handled.")
    connection_id: int
    record_kind: str = Field(description="The jobs-side kind the change touched; empty when none.")
    source_id: str = Field(description="The jobs-side record's id; empty when none.")
    what: str = Field(
        description="created, updated, deleted, voided, allocated, unallocated or needs_person."
    )
    at: datetime
    package_id: str
    state: str
    reason: str = Field(description="Why a person is needed, when one is.")
    record: dict[str, Any] | None = Field(description="The record as applied (created, updated, deleted).")
    change: dict[str, Any] | None = Field(description="The change as the package showed it.")
    dealt_with: DealtWithPublic | None = Field(
        description="For a change that needed a person: who marked it dealt with, when, and their "
        "note; null while it waits (and for every other change)."
    )


class PackageChangesPublic(BaseModel):
    changes: list[PackageChangePublic]
    after: int = Field(description="Pass as `after` for the next page.")
    more: bool = Field(description="Whether this page held any change: ask again until it holds none.")


@router.get(
    "/changes-from-package",
    response_model=PackageChangesPublic,
    summary="What changed in the package, oldest first, after the last change handled",
    dependencies=[Depends(known_query)],
)
def list_package_changes(
    context: Context,
    company: Company,
    after: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
) -> PackageChangesPublic:
    page = changes_page(context.store, company, after=after, limit=limit)
    return PackageChangesPublic(
        changes=[PackageChangePublic.model_validate(change) for change in page.changes],
        after=page.after,
        more=page.more,
    )
