"""The Xero connector against a sandbox as strict as Xero: names compared case and all, prices kept to
Xero's precision, and only the query parameters each operation has."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ledgerlink.packages.drafts import ContactDraft, Created, DocumentDraft, DocumentType, LineDraft
from ledgerlink.sandbox.xero.bodies import ContactBody
from tests.integration.packages.xero.conftest import XeroWorld
from tests.support.xero_spec import spec_path

TODAY = dt.date(2026, 5, 1)


def priced_invoice(number: str, contact_id: str, quantity: str, price: str, net: str) -> DocumentDraft:
    vat = (Decimal(net) * Decimal("0.2")).quantize(Decimal("0.01"))
    line = LineDraft(
        "Copper pipe", Decimal(quantity), Decimal(price), Decimal(net), vat, "", "200", "OUTPUT2"
    )
    return DocumentDraft(
        key=f"key-{number}",
        source_id=number,
        document_type=DocumentType.SALES_INVOICE,
        contact_id=contact_id,
        number=number,
        date=TODAY,
        lines=(line,),
        net=line.net,
        vat=line.vat,
        gross=line.gross,
        due_date=TODAY,
    )


async def a_customer(world: XeroWorld) -> str:
    contact, _ = world.organisation.save_contact(ContactBody(Name="Hollis Plumbing"), create_only=True)
    return contact.id


async def test_a_name_xero_holds_in_another_case_is_found_and_the_same_party_linked(world: XeroWorld) -> None:
    existing, _ = world.organisation.save_contact(
        ContactBody(Name="jane doe", EmailAddress="jane@example.com"), create_only=True
    )

    [outcome] = await world.connector.create(
        [ContactDraft(key="k1", source_id="C-1", role="customer", name="Jane Doe", email="jane@example.com")]
    )

    assert isinstance(outcome, Created)
    assert outcome.package_id == existing.id
    assert world.organisation.counts()["contacts"] == 1


async def test_another_party_with_the_name_in_another_case_gets_a_visibly_unique_name(
    world: XeroWorld,
) -> None:
    world.organisation.save_contact(ContactBody(Name="JOHN SMITH"), create_only=True)

    [outcome] = await world.connector.create(
        [ContactDraft(key="k2", source_id="C-2", role="customer", name="John Smith")]
    )

    assert isinstance(outcome, Created)
    assert world.organisation.contacts[outcome.package_id].name == "John Smith (2)"


async def test_a_price_to_the_tenth_of_a_penny_is_kept_and_the_totals_agree(world: XeroWorld) -> None:
    contact_id = await a_customer(world)

    [outcome] = await world.connector.create([priced_invoice("JOB-1", contact_id, "8", "0.125", "1.00")])

    assert isinstance(outcome, Created), outcome
    assert outcome.totals is not None
    assert outcome.totals.net == Decimal("1.00")
    [line] = world.organisation.documents[outcome.package_id].lines
    assert (line.unit_amount, line.line_amount) == (Decimal("0.125"), Decimal("1.00"))


async def test_a_price_finer_than_xero_keeps_is_rounded_only_where_our_line_total_stays(
    world: XeroWorld,
) -> None:
    contact_id = await a_customer(world)

    [stays, would_change] = await world.connector.create(
        [
            priced_invoice("JOB-2", contact_id, "3", "0.333335", "1.00"),
            priced_invoice("JOB-4", contact_id, "300", "0.33335", "100.01"),
        ]
    )

    assert isinstance(stays, Created)
    assert isinstance(would_change, Created)
    [rounded] = world.organisation.documents[stays.package_id].lines
    assert (rounded.quantity, rounded.unit_amount, rounded.line_amount) == (
        3,
        Decimal("0.3333"),
        Decimal("1.00"),
    )
    [whole] = world.organisation.documents[would_change.package_id].lines
    assert (whole.quantity, whole.unit_amount, whole.line_amount) == (1, Decimal("100.01"), Decimal("100.01"))
    assert whole.description == "Copper pipe (300 at 0.33335)"


async def test_a_void_sends_only_the_parameters_xero_gives_it(world: XeroWorld) -> None:
    contact_id = await a_customer(world)
    [made] = await world.connector.create([priced_invoice("JOB-3", contact_id, "1", "10", "10.00")])
    assert isinstance(made, Created)

    await world.connector.void(made.package_id, DocumentType.SALES_INVOICE, "raised in error")

    assert world.organisation.documents[made.package_id].status == "VOIDED"
    if spec_path().is_file():
        assert world.transport.violations == []
