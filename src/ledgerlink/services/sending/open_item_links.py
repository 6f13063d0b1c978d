"""On the side-by-side path, each open item at the cut-off linked to the package's own open document.

The bookkeeper's unpaid invoices and bills from before the cut-off are already in the package. Once one
is linked to its copy there, what was set against it after the cut-off (payments, credit allocations)
goes to the package against that copy like any other, and the reconcile counts what was open on it at
the cut-off. Sure matches (number, contact and amount open all agree) are linked at once; matches to
check wait for a person, who links them with `link_open_item`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledgerlink.domain.records import RecordKind, party_of
from ledgerlink.errors import RecordNotFound
from ledgerlink.matching.documents import Document, match_documents
from ledgerlink.matching.result import Band
from ledgerlink.packages.base import PackageConnector
from ledgerlink.packages.drafts import OpenDocument
from ledgerlink.services.sending.controls import connection_of
from ledgerlink.services.sending.drafting import DOCUMENT_TYPES
from ledgerlink.services.sending.open_items import open_items
from ledgerlink.store import Store


@dataclass(frozen=True)
class OpenItemMatch:
    kind: RecordKind
    source_id: str
    title: str
    package_id: str
    package_number: str
    band: Band
    reasons: tuple[str, ...]
    linked: bool


async def match_open_items(store: Store, company_id: int, connector: PackageConnector) -> list[OpenItemMatch]:
    """Read the package's open documents before the cut-off, link the sure matches, and answer every
    match found (the ones to check not linked)."""
    connection = connection_of(store, company_id)
    if connection.cut_off_date is None:
        return []
    items = [item for item in open_items(store, company_id) if not item.settled_outside]
    theirs = await connector.open_documents(before=connection.cut_off_date)
    by_id: dict[str, OpenDocument] = {document.package_id: document for document in theirs}
    with store.unit_of_work() as uow:
        records = uow.records(company_id)
        links = uow.links(connection.id)
        already = {(item.kind, item.source_id) for item in items if links.find(item.kind, item.source_id)}
        taken = {
            package_id
            for kind in {item.kind for item in items}
            for package_id in links.package_ids(kind).values()
        }
        ours: list[Document] = []
        for item in items:
            if (item.kind, item.source_id) in already:
                continue
            stored = records.find(item.kind, item.source_id)
            party = party_of(stored.record) if stored else None
            party_link = links.find(*party) if party else None
            contact = party_link.package_id if party_link else ""
            number = str(getattr(stored.record, "number", "") or "") if stored else ""
            ours.append(
                Document(
                    id=f"{item.kind.value}:{item.source_id}",
                    kind=DOCUMENT_TYPES[item.kind].value,
                    numbers=(number,),
                    contact_id=contact,
                    open_amount=item.open_amount,
                )
            )
        candidates = [
            Document(
                id=d.package_id,
                kind=d.document_type.value,
                numbers=(d.number, d.reference),
                contact_id=d.contact_id,
                open_amount=d.outstanding,
            )
            for d in theirs
            if d.package_id not in taken
        ]
        titles = {f"{item.kind.value}:{item.source_id}": item.title for item in items}
        found: list[OpenItemMatch] = []
        for proposal in match_documents(ours, candidates):
            kind_value, source_id = proposal.left_id.split(":", 1)
            kind = RecordKind(kind_value)
            linked = proposal.band == "sure"
            if linked:
                links.add(kind, source_id, proposal.right_id, how="matched")
            found.append(
                OpenItemMatch(
                    kind=kind,
                    source_id=source_id,
                    title=titles[proposal.left_id],
                    package_id=proposal.right_id,
                    package_number=by_id[proposal.right_id].number,
                    band=proposal.band,
                    reasons=proposal.reasons,
                    linked=linked,
                )
            )
        uow.commit()
    return found


async def link_open_item(
    store: Store, company_id: int, source_id: str, package_id: str, connector: PackageConnector
) -> OpenDocument:
    """A person links an open item at the cut-off to the package's document (a match to check, or
    one they found themselves). RecordNotFound names an id that is not an open item, or a package id
    that is not one of the package's open documents of that kind for that party."""
    connection = connection_of(store, company_id)
    item = next((i for i in open_items(store, company_id) if i.source_id == source_id), None)
    if item is None or connection.cut_off_date is None:
        raise RecordNotFound(f"not an open item dated before the cut-off date: {source_id}")
    with store.unit_of_work() as uow:
        stored = uow.records(company_id).find(item.kind, source_id)
        party = party_of(stored.record) if stored else None
        party_link = uow.links(connection.id).find(*party) if party else None
    theirs = await connector.open_documents(before=connection.cut_off_date)
    document = next((d for d in theirs if d.package_id == package_id), None)
    wanted = DOCUMENT_TYPES[item.kind]
    whose = f"{party[0].label} {party[1]}" if party else "its party"
    if document is None:
        raise RecordNotFound(
            f"{package_id} is not one of the package's open documents dated before the cut-off "
            f"(see `ledgerlink link-open-items`): {source_id} was not linked"
        )
    if document.document_type is not wanted:
        raise RecordNotFound(
            f"{package_id} is a {document.document_type.value.replace('_', ' ')} in the package, and "
            f"{item.title} is a {wanted.value.replace('_', ' ')}: {source_id} was not linked"
        )
    if party_link is None or party_link.package_id != document.contact_id:
        raise RecordNotFound(
            f"{package_id} ({document.number}) belongs to another contact in the package than {whose}"
            f"{'' if party_link else ', which is not linked to one yet'}: {source_id} was not linked"
        )
    with store.unit_of_work() as uow:
        uow.links(connection.id).add(item.kind, source_id, package_id, how="manual")
        uow.commit()
    return document
