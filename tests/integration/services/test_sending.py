"""The outbox delivers exactly once, in order, and says plainly what could not go and why."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from ledgerlink.domain.outbox import EntryState, Step
from ledgerlink.domain.records import (
    Allocation,
    CreditNote,
    Customer,
    CustomerPayment,
    DocumentLine,
    Invoice,
    RecordKind,
)
from ledgerlink.errors import RateLimited
from ledgerlink.packages.drafts import DocumentDraft, DocumentType, PaymentDraft
from ledgerlink.services.feeding.records import ingest
from ledgerlink.services.sending.controls import dry_run
from ledgerlink.services.sending.engine import Sender
from ledgerlink.store.connections import LinkRepository, MappingRepository
from ledgerlink.store.outbox import OutboxRepository
from tests.integration.services.conftest import World


def customer(source_id: str, last_name: str = "Smith") -> Customer:
    return Customer(source_id=source_id, first_name="John", last_name=last_name)


def invoice(
    source_id: str, customer_id: str, net: str, *, nominal: str = "4000", when: date = date(2025, 3, 1)
) -> Invoice:
    return Invoice(
        source_id=source_id,
        number=source_id,
        customer_id=customer_id,
        date=when,
        lines=(
            DocumentLine(
                description="Boiler service", unit_price=Decimal(net), vat_rate="S", nominal_code=nominal
            ),
        ),
    )


def payment(source_id: str, customer_id: str, invoice_id: str, amount: str) -> CustomerPayment:
    return CustomerPayment(
        source_id=source_id,
        customer_id=customer_id,
        date=date(2025, 3, 5),
        amount=Decimal(amount),
        method="card",
        allocations=(Allocation(document_id=invoice_id, amount=Decimal(amount)),),
    )


async def send(world: World) -> Sender:
    sender = Sender(world.store, connection=world.refreshed(), connector=world.connector())
    await sender.run()
    return sender


def entry_state(
    world: World, kind: RecordKind, source_id: str, step: Step = Step.CREATE
) -> tuple[EntryState, str]:
    with world.store.unit_of_work() as uow:
        entry = OutboxRepository(uow.session, world.connection.id, world.company_id).find(
            kind, source_id, step
        )
    assert entry is not None
    return entry.state, entry.reason or entry.blocked_by


async def test_everything_is_sent_once_in_order_and_a_second_send_sends_nothing(world: World) -> None:
    world.feed(
        customer("C1"),
        invoice("INV-1", "C1", "100.00"),
        payment("P1", "C1", "INV-1", "60.00"),
        CreditNote(
            source_id="CN-1",
            number="CN-1",
            customer_id="C1",
            invoice_id="INV-1",
            date=date(2025, 3, 10),
            lines=(
                DocumentLine(
                    description="Refund part", unit_price=Decimal("10.00"), vat_rate="S", nominal_code="4000"
                ),
            ),
        ),
    )
    sender = await send(world)
    assert sender.report.sent == {"customer": 1, "invoice": 1, "credit note": 2, "customer payment": 1}
    types = [draft.document_type for draft in world.package.objects.values()]
    assert types == [
        DocumentType.CONTACT,
        DocumentType.SALES_INVOICE,
        DocumentType.SALES_CREDIT_NOTE,
        DocumentType.CREDIT_ALLOCATION,
        DocumentType.CUSTOMER_RECEIPT,
    ]
    sent_invoice = world.package.of_type(DocumentType.SALES_INVOICE)[0]
    assert isinstance(sent_invoice, DocumentDraft)
    assert sent_invoice.gross == Decimal("120.00")
    assert world.package.balance(sent_invoice.contact_id) == Decimal("120.00") - Decimal("12.00") - Decimal(
        "60.00"
    )

    objects_before = len(world.package.objects)
    again = await send(world)
    assert sum(again.report.sent.values()) == 0
    assert len(world.package.objects) == objects_before


async def test_a_dry_run_lists_what_would_go_in_the_order_it_would_go_and_sends_nothing(world: World) -> None:
    with world.store.unit_of_work() as uow:  # checked and totalled as records arriving are
        report = ingest(
            uow,
            world.company_id,
            [
                payment("P1", "C1", "INV-1", "60.00"),
                invoice("INV-2", "C1", "10.00"),
                invoice("INV-1", "C1", "100.00"),
                customer("C1"),
            ],
        )
        uow.commit()
    assert not report.rejected

    preview = dry_run(world.store, world.company_id)

    assert [(line.kind, line.step, line.count, line.gross) for line in preview.lines] == [
        (RecordKind.CUSTOMER, Step.CREATE, 1, Decimal("0")),
        (RecordKind.INVOICE, Step.CREATE, 2, Decimal("132.00")),
        (RecordKind.CUSTOMER_PAYMENT, Step.CREATE, 1, Decimal("60.00")),
    ]
    assert preview.contacts_to_create == 1
    assert world.package.objects == {}


async def test_records_dated_before_the_cut_off_are_never_sent(world: World) -> None:
    world.feed(
        customer("C1"),
        invoice("OLD-1", "C1", "50.00", when=date(2024, 12, 31)),
        invoice("NEW-1", "C1", "50.00"),
    )
    await send(world)
    numbers = [
        d.number for d in world.package.of_type(DocumentType.SALES_INVOICE) if isinstance(d, DocumentDraft)
    ]
    assert numbers == ["NEW-1"]


async def test_a_failed_invoice_blocks_its_payment_until_the_cause_is_fixed(world: World) -> None:
    world.feed(
        customer("C1"), invoice("INV-9", "C1", "80.00", nominal="4010"), payment("P9", "C1", "INV-9", "96.00")
    )
    world.package.refuse = lambda draft: (
        "Account code '4010' is not a valid code for this document."
        if isinstance(draft, DocumentDraft) and draft.lines[0].account_code == "4010"
        else None
    )
    await send(world)
    state, reason = entry_state(world, RecordKind.INVOICE, "INV-9")
    assert state is EntryState.FAILED
    assert "not a valid code" in reason
    state, reason = entry_state(world, RecordKind.CUSTOMER_PAYMENT, "P9")
    assert state is EntryState.BLOCKED
    assert reason.startswith("invoice INV-9 failed")

    # the bookkeeper maps 4010 to the general sales account and re-sends
    with world.store.unit_of_work() as uow:
        MappingRepository(uow.session, world.connection.id).set("nominal", "4010", "acc-4000")
        outbox = OutboxRepository(uow.session, world.connection.id, world.company_id)
        failed = outbox.in_states([EntryState.FAILED])
        assert outbox.resend([entry.id for entry in failed]) == 1
        uow.commit()
    await send(world)
    assert entry_state(world, RecordKind.INVOICE, "INV-9")[0] is EntryState.SENT
    assert entry_state(world, RecordKind.CUSTOMER_PAYMENT, "P9")[0] is EntryState.SENT
    paid = world.package.of_type(DocumentType.CUSTOMER_RECEIPT)[0]
    assert isinstance(paid, PaymentDraft)
    assert paid.amount == Decimal("96.00")


async def test_an_unmapped_nominal_fails_the_record_naming_the_account(world: World) -> None:
    with world.store.unit_of_work() as uow:
        MappingRepository(uow.session, world.connection.id).remove("nominal", "4010")
        uow.commit()
    world.feed(customer("C1"), invoice("INV-2", "C1", "10.00", nominal="4010"))
    sender = await send(world)
    state, reason = entry_state(world, RecordKind.INVOICE, "INV-2")
    assert state is EntryState.FAILED
    assert reason == "line 1: nominal account 4010 is not mapped"
    assert sender.report.calls == 1  # the customer went; nothing was asked of the package for the invoice


async def test_a_tax_rate_the_package_refuses_on_an_account_is_refused_before_sending(world: World) -> None:
    world.feed(customer("C1"), invoice("INV-7", "C1", "10.00", nominal="5000"))
    await send(world)
    state, reason = entry_state(world, RecordKind.INVOICE, "INV-7")
    assert state is EntryState.FAILED
    assert (
        reason
        == "line 1: tax rate 20% sales is for sales and cannot be used on the expense account 5000 Materials"
    )
    assert world.package.of_type(DocumentType.SALES_INVOICE) == []


async def test_a_reply_lost_after_the_package_stored_the_record_resolves_to_exactly_one(world: World) -> None:
    world.feed(customer("C1"), invoice("INV-3", "C1", "10.00"))
    world.package.drop_after_store.add("INV-3")
    first = await send(world)
    assert entry_state(world, RecordKind.INVOICE, "INV-3")[0] is EntryState.UNCERTAIN
    assert sum(first.report.sent.values()) == 1  # the customer
    await send(world)
    assert entry_state(world, RecordKind.INVOICE, "INV-3")[0] is EntryState.SENT
    assert len(world.package.of_type(DocumentType.SALES_INVOICE)) == 1


async def test_a_sender_stopped_mid_request_leaves_nothing_lost_and_nothing_twice(world: World) -> None:
    world.feed(customer("C1"), invoice("INV-4", "C1", "10.00"))
    await send(world)
    # pretend the process died while the invoice was on its way after it reached the package
    with world.store.unit_of_work() as uow:
        outbox = OutboxRepository(uow.session, world.connection.id, world.company_id)
        entry = outbox.find(RecordKind.INVOICE, "INV-4")
        assert entry is not None
        # a sent entry never goes back on its way: it gets there as a waiting one does
        outbox.set_state([entry.id], EntryState.WAITING)
        outbox.set_state([entry.id], EntryState.PROCESSING)
        LinkRepository(uow.session, world.connection.id).remove(RecordKind.INVOICE, "INV-4")
        uow.commit()
    await send(world)
    assert entry_state(world, RecordKind.INVOICE, "INV-4")[0] is EntryState.SENT
    assert len(world.package.of_type(DocumentType.SALES_INVOICE)) == 1


async def test_a_daily_limit_pauses_the_connection_and_fails_nothing(world: World) -> None:
    world.feed(customer("C1"), invoice("INV-5", "C1", "10.00"))
    world.package.raise_next.append(RateLimited("day limit", retry_after=3600, scope="day"))
    sender = await send(world)
    assert "daily limit" in sender.report.stopped
    assert sender.report.counts[EntryState.FAILED] == 0
    assert world.refreshed().paused_until is not None
    again = await send(world)
    assert again.report.stopped.startswith("paused until")


async def test_a_record_changed_after_sending_is_updated_where_the_package_allows(world: World) -> None:
    world.feed(customer("C1"), invoice("INV-6", "C1", "10.00"))
    await send(world)
    world.feed(customer("C1", last_name="Smythe"), invoice("INV-6", "C1", "12.00"))
    world.package.updatable = frozenset({DocumentType.CONTACT})
    sender = await send(world)
    assert sender.report.updated == 1
    assert sender.report.calls == 1  # the customer's update; the invoice cannot be changed, so no call
    with world.store.unit_of_work() as uow:
        changed = OutboxRepository(uow.session, world.connection.id, world.company_id).changed_after_sending()
    assert [entry.source_id for entry in changed] == ["INV-6"]
    assert "gross 12.00 -> 14.40" in changed[0].changed_after_sending
    assert "credit it and issue it again, or leave it" in changed[0].changed_after_sending


async def test_every_time_slice_moves_the_send_on_however_short(world: World) -> None:
    world.feed(*(customer(f"C{n}") for n in range(1, 8)), invoice("INV-9", "C1", "10.00"))
    for _ in range(20):  # a slice over before the first chunk is drafted must still send something
        sender = Sender(
            world.store, connection=world.refreshed(), connector=world.connector(), slice_seconds=0
        )
        await sender.run()
        if not sender.report.more:
            break
        assert sum(sender.report.sent.values()) >= 1  # a turn that leaves work over has moved it on
    assert not sender.report.more
    assert len(world.package.of_type(DocumentType.CONTACT)) == 7
    assert len(world.package.of_type(DocumentType.SALES_INVOICE)) == 1
