"""`ledgerlink link-open-items`: on the side-by-side path, open items at the cut-off linked to the
package's own open documents (the sure ones at once) and the ones to check linked by a person."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from ledgerlink.cli.common import CompanyOption, JsonFlag, cells, console, emit_json, reports_errors
from ledgerlink.cli.connection import company_of, open_connectors
from ledgerlink.services.sending import controls as dashboard
from ledgerlink.services.sending.open_item_links import OpenItemMatch, link_open_item, match_open_items


@reports_errors
def link_open_items(
    link: Annotated[
        list[str] | None,
        typer.Option(
            "--link",
            help="Link an open item to the package's document yourself: ITEM_ID=PACKAGE_ID (a match to check).",
        ),
    ] = None,
    company: CompanyOption = "demo",
    as_json: JsonFlag = False,
) -> None:
    """Read the package's open documents before the cut-off, link the sure matches, list the ones to check."""
    store, connectors = open_connectors()
    found = company_of(store, company)
    pairs = []
    for pair in link or []:
        item_id, _, package_id = pair.partition("=")
        if not package_id:
            raise typer.BadParameter(f"{pair!r}: give ITEM_ID=PACKAGE_ID", param_hint="--link")
        pairs.append((item_id.strip(), package_id.strip()))
    connector = connectors.connector(dashboard.connection_of(store, found.id))

    async def run() -> list[OpenItemMatch]:
        try:
            for item_id, package_id in pairs:
                document = await link_open_item(store, found.id, item_id, package_id, connector)
                if not as_json:
                    console.print(f"{item_id} linked to {document.number or package_id} ({package_id})")
            return await match_open_items(store, found.id, connector)
        finally:
            await connector.aclose()

    matches = asyncio.run(run())
    if as_json:
        emit_json(matches)
        return
    if not matches:
        console.print("no open item left to match with the package's open documents")
        return
    table = Table(title=Text(f"{found.name}: open items and the package's documents"))
    for column in ("record", "id", "package document", "match", "why"):
        table.add_column(column)
    for match in matches:
        band = "linked" if match.linked else "to check: --link ID=PACKAGE_ID"
        table.add_row(
            *cells(
                match.title,
                match.source_id,
                f"{match.package_number} ({match.package_id})",
                band,
                "; ".join(match.reasons),
            )
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    app.command(name="link-open-items")(link_open_items)
