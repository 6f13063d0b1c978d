"""A document goes to the package with the figures worked out when it was fed, not worked out again."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ledgerlink.domain.records import Customer, DocumentLine, Invoice, VatRate, VatTreatment
from ledgerlink.packages.drafts import DocumentDraft, DocumentType
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.sending.engine import Sender
from tests.integration.services.conftest import World


async def test_a_document_is_sent_with_the_vat_worked_out_when_it_was_fed(world: World) -> None:
    with world.store.unit_of_work() as uow:
        report = ingest(
            uow,
            world.company_id,
            [
                Customer(source_id="C1", first_name="John", last_name="Smith"),
                Invoice(
                    source_id="INV-1",
                    number="INV-1",
                    customer_id="C1",
                    date=date(2025, 3, 1),
                    lines=(
                        DocumentLine(
                            description="Boiler service",
                            quantity=Decimal(3),
                            unit_price=Decimal("33.33"),
                            vat_rate="S",
                            nominal_code="4000",
                        ),
                        DocumentLine(
                            description="Parts",
                            unit_price=Decimal("10.00"),
                            vat_rate="Z",
                            nominal_code="4000",
                        ),
                    ),
                ),
            ],
        )
        assert not report.rejected
        # the standard rate changes after the invoice was raised: the invoice still says what it said
        uow.reference(world.company_id).put_vat_rates(
            [
                VatRate(
                    code="S", name="Standard 17.5%", percent=Decimal("17.5"), treatment=VatTreatment.STANDARD
                )
            ]
        )
        stored = uow.records(world.company_id).get(Invoice.kind, "INV-1")
        uow.commit()
    assert stored.line_vat == (Decimal("20.00"), Decimal("0.00"))

    await Sender(world.store, connection=world.refreshed(), connector=world.connector()).run()

    [sent] = world.package.of_type(DocumentType.SALES_INVOICE)
    assert isinstance(sent, DocumentDraft)
    assert [line.vat for line in sent.lines] == [Decimal("20.00"), Decimal("0.00")]
    assert (sent.net, sent.vat, sent.gross) == (Decimal("109.99"), Decimal("20.00"), stored.gross)
