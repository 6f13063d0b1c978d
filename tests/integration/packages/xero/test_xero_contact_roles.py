"""Which of Xero's contacts are customers and which suppliers, as the import reads them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ledgerlink.packages.drafts import ContactDraft, Created, DocumentDraft, DocumentType, LineDraft
from tests.integration.packages.xero.conftest import XeroWorld

TODAY = dt.date(2026, 5, 1)


async def contact(world: XeroWorld, name: str) -> str:
    [made] = await world.connector.create(
        [ContactDraft(key=f"k-{name}", source_id=name, role="customer", name=name)]
    )
    assert isinstance(made, Created)
    return made.package_id


async def document(world: XeroWorld, contact_id: str, kind: DocumentType, number: str) -> None:
    account, tax = ("200", "OUTPUT2") if kind is DocumentType.SALES_INVOICE else ("310", "INPUT2")
    line = LineDraft(
        "Work", Decimal(1), Decimal("10.00"), Decimal("10.00"), Decimal("2.00"), "", account, tax
    )
    draft = DocumentDraft(
        key=f"k-{number}",
        source_id=number,
        document_type=kind,
        contact_id=contact_id,
        number=number,
        date=TODAY,
        lines=(line,),
        net=Decimal("10.00"),
        vat=Decimal("2.00"),
        gross=Decimal("12.00"),
    )
    [made] = await world.connector.create([draft])
    assert isinstance(made, Created), made


async def test_a_contact_xero_has_not_flagged_yet_is_read_from_its_invoices_and_bills(
    world: XeroWorld,
) -> None:
    buyer = await contact(world, "Ada Lovelace")
    seller = await contact(world, "City Plumbing Supplies")
    both = await contact(world, "Wright Joinery Ltd")
    nobody = await contact(world, "Harbour Pipes")
    await document(world, buyer, DocumentType.SALES_INVOICE, "INV-1")
    await document(world, seller, DocumentType.PURCHASE_INVOICE, "BILL-1")
    await document(world, both, DocumentType.SALES_INVOICE, "INV-2")
    await document(world, both, DocumentType.PURCHASE_INVOICE, "BILL-2")
    for held in world.organisation.contacts.values():  # the flags lag the documents
        held.is_customer = held.is_supplier = False

    roles = {c.id: (c.is_customer, c.is_supplier) async for c in world.connector.contacts()}

    assert roles == {
        buyer: (True, False),
        seller: (False, True),
        both: (True, True),
        nobody: (False, False),
    }
