"""Sage's list parameters: paging with `$next`/`$back` links, `attributes`, and the date filters.

`page` past the end gives the last page again; without `attributes=all` an item carries only its id,
`displayed_as` and `$path` (plus any attribute named); `updated_or_created_since` is inclusive and
`deleted_since` exclusive, as Sage's are.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import urlencode

from ledgerlink.sandbox.sage.errors import Diagnosis, SageError

MAX_ITEMS_PER_PAGE = 200
BASE_ATTRIBUTES = ("id", "displayed_as", "$path")


def parse_since(value: str, source: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise SageError(422, [Diagnosis("is not a valid date and time", source)]) from error
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def parse_date(value: str, source: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise SageError(422, [Diagnosis("is not a valid date (YYYY-MM-DD)", source)]) from error


def truthy(value: str | None) -> bool:
    return (value or "").lower() in ("true", "1", "yes")


def since_filter(params: Mapping[str, str], records: Iterable[Any]) -> list[Any]:
    """The records created or changed at or after `updated_or_created_since`, or all of them."""
    since = params.get("updated_or_created_since")
    if not since:
        return list(records)
    bound = parse_since(since, "updated_or_created_since")
    return [record for record in records if record.updated_at >= bound]


def deleted_after(
    params: Mapping[str, str], deletions: Mapping[str, dt.datetime]
) -> list[tuple[str, dt.datetime]]:
    """(id, when) of each record deleted after `deleted_since`; the caller asked for them if it is set."""
    bound = parse_since(params["deleted_since"], "deleted_since")
    return [(key, when) for key, when in deletions.items() if when > bound]


def page(
    params: Mapping[str, str],
    path: str,
    items: list[Any],
    render: Callable[[Any], dict[str, Any]],
    *,
    base: tuple[str, ...] = BASE_ATTRIBUTES,
) -> dict[str, Any]:
    """One page of `items` in Sage's list envelope; only the page asked for is rendered."""
    try:
        per_page = int(params.get("items_per_page", "20"))
        number = max(int(params.get("page", "1")), 1)
    except ValueError as error:
        raise SageError(422, [Diagnosis("must be an integer", "items_per_page")]) from error
    if not 1 <= per_page <= MAX_ITEMS_PER_PAGE:
        raise SageError(422, [Diagnosis(f"must be between 1 and {MAX_ITEMS_PER_PAGE}", "items_per_page")])
    total = len(items)
    last = max(math.ceil(total / per_page), 1)
    number = min(number, last)  # past the end: the last page again
    chunk = items[(number - 1) * per_page : number * per_page]
    attributes = params.get("attributes", "")
    wanted = None if attributes == "all" else {name.strip() for name in attributes.split(",") if name.strip()}
    rendered = []
    for item in chunk:
        full = render(item)
        if wanted is not None:
            full = {k: v for k, v in full.items() if k in base or k in wanted}
        rendered.append(full)

    def link_to(target: int) -> str:
        query = {k: v for k, v in params.items() if k != "page"}
        return f"{path}?{urlencode({**query, 'page': target})}"

    return {
        "$total": total,
        "$page": number,
        "$next": link_to(number + 1) if number < last else None,
        "$back": link_to(number - 1) if number > 1 else None,
        "$itemsPerPage": per_page,
        "$items": rendered,
    }
