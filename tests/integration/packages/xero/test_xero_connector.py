"""The Xero connector against the Xero sandbox: batches, conflicts, payments, credits and lookups."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from ledgerlink.errors import PartlyApplied, RateLimited, Rejected, UncertainOutcome
from ledgerlink.packages.drafts import (
    AllocationLine,
    ContactDraft,
    Created,
    CreditAllocationDraft,
    DocumentDraft,
    DocumentType,
    LineDraft,
    PaymentDraft,
    Refused,
)
from ledgerlink.sandbox.kit import FaultSettings
from ledgerlink.sandbox.xero.app import XeroSandboxConfig
from ledgerlink.sandbox.xero.bodies import ContactBody
from tests.integration.packages.xero.conftest import XeroWorld, assert_spec_clean, make_world
from tests.support.xero_spec import spec_path

TODAY = dt.date(2026, 5, 1)


def line(net: str, *, account: str = "200", tax: str = "OUTPUT2", percent: str = "20") -> LineDraft:
    amount = Decimal(net)
    vat = (amount * Decimal(percent) / 100).quantize(Decimal("0.01"))
    return LineDraft("Boiler service", Decimal(1), amount, amount, vat, "", account, tax)


def invoice(number: str, contact_id: str, *, account: str = "200", net: str = "100.00") -> DocumentDraft:
    first = line(net, account=account)
    return DocumentDraft(
        key=f"key-{number}",
        source_id=number,
        document_type=DocumentType.SALES_INVOICE,
        contact_id=contact_id,
        number=number,
        date=TODAY,
        lines=(first,),
        net=first.net,
        vat=first.vat,
        gross=first.gross,
        due_date=TODAY + dt.timedelta(days=30),
    )


async def customer(world: XeroWorld, source_id: str = "C-1", name: str = "Ada Lovelace") -> str:
    [outcome] = await world.connector.create(
        [ContactDraft(key=f"k-{source_id}", source_id=source_id, role="customer", name=name)]
    )
    assert isinstance(outcome, Created)
    return outcome.package_id


async def test_a_batch_of_fifty_with_three_bad_invoices_creates_47_once_even_when_retried(
    world: XeroWorld,
) -> None:
    contact_id = await customer(world)
    drafts = [
        invoice(f"JOB-{n:04d}", contact_id, account="999" if n in (7, 21, 40) else "200") for n in range(50)
    ]

    first = await world.connector.create(drafts)
    again = await world.connector.create(drafts)

    refused = {o.key: o for o in first if isinstance(o, Refused)}
    assert set(refused) == {"key-JOB-0007", "key-JOB-0021", "key-JOB-0040"}
    assert "Account code '999' is not a valid code" in refused["key-JOB-0021"].problems[0].message
    created = [o for o in first if isinstance(o, Created)]
    assert len(created) == 47
    assert created[0].totals is not None
    assert created[0].totals.gross == Decimal("120.00")
    assert again == first
    assert world.organisation.counts()["invoices"] == 47


async def test_an_invoice_sent_again_in_another_batch_is_linked_to_the_one_xero_holds_not_refused(
    world: XeroWorld,
) -> None:
    contact_id = await customer(world)
    [first] = await world.connector.create([invoice("JOB-0001", contact_id)])
    # the reply was lost and the record travels again with others, under another batch's key
    resent = replace(invoice("JOB-0001", contact_id), key="key-JOB-0001-again")
    outcomes = await world.connector.create([resent, invoice("JOB-0002", contact_id)])

    assert isinstance(first, Created)
    assert isinstance(outcomes[0], Created)
    assert outcomes[0].package_id == first.package_id
    assert outcomes[0].warnings == ("already in Xero: linked",)
    assert world.organisation.counts()["invoices"] == 2


async def test_a_contact_whose_name_is_taken_by_another_party_is_created_under_a_visibly_unique_name(
    world: XeroWorld,
) -> None:
    await customer(world, "C-1", "John Smith")
    [outcome] = await world.connector.create(
        [ContactDraft(key="k2", source_id="C-2", role="customer", name="John Smith")]
    )

    assert isinstance(outcome, Created)
    assert world.organisation.contacts[outcome.package_id].name == "John Smith (2)"
    assert "John Smith (2)" in outcome.warnings[0]


async def test_a_contact_whose_name_is_taken_by_the_same_party_is_linked_not_duplicated(
    world: XeroWorld,
) -> None:
    existing, _ = world.organisation.save_contact(
        ContactBody(Name="Jane Doe", EmailAddress="jane@example.com"),
        create_only=True,
    )
    [outcome] = await world.connector.create(
        [ContactDraft(key="k3", source_id="C-3", role="customer", name="Jane Doe", email="JANE@example.com")]
    )

    assert isinstance(outcome, Created)
    assert outcome.package_id == existing.id
    assert outcome.warnings
    assert world.organisation.counts()["contacts"] == 1


async def test_two_sites_of_one_firm_sharing_a_name_and_an_email_get_a_contact_each(
    world: XeroWorld,
) -> None:
    sites = [
        ContactDraft(
            key=f"k-{source_id}",
            source_id=source_id,
            role="customer",
            name="Harrison Joinery Ltd",
            email="accounts@harrisonjoinery.co.uk",
            reference=reference,
        )
        for source_id, reference in (("C-79", "HAR0079"), ("C-132", "HAR0132"))
    ]

    outcomes = await world.connector.create(sites)
    # the batch's reply was lost: it travels again, and Xero replays its first answer (name taken)
    replayed = await world.connector.create(sites)
    # or the second site travels again alone, under another key
    [again] = await world.connector.create([replace(sites[1], key="k-C-132-again")])

    ids = [outcome.package_id for outcome in outcomes if isinstance(outcome, Created)]
    assert len(set(ids)) == 2
    assert world.organisation.contacts[ids[1]].name == "Harrison Joinery Ltd (HAR0132)"
    assert [outcome.package_id for outcome in replayed if isinstance(outcome, Created)] == ids
    assert isinstance(again, Created)
    assert again.package_id == ids[1]
    assert world.organisation.counts()["contacts"] == 2


async def test_payments_settle_invoices_and_the_balance_is_read_back(world: XeroWorld) -> None:
    contact_id = await customer(world)
    [a, b] = await world.connector.create([invoice("INV-A", contact_id), invoice("INV-B", contact_id)])
    assert isinstance(a, Created)
    assert isinstance(b, Created)
    receipt = PaymentDraft(
        key="pay-1",
        source_id="P-1",
        document_type=DocumentType.CUSTOMER_RECEIPT,
        contact_id=contact_id,
        bank_account_id="",
        bank_account_code="090",
        date=TODAY,
        amount=Decimal("150.00"),
        reference="BACS 1",
        allocations=(
            AllocationLine(a.package_id, DocumentType.SALES_INVOICE, Decimal("120.00")),
            AllocationLine(b.package_id, DocumentType.SALES_INVOICE, Decimal("30.00")),
        ),
    )
    on_account = PaymentDraft(
        key="pay-2",
        source_id="P-2",
        document_type=DocumentType.CUSTOMER_RECEIPT,
        contact_id=contact_id,
        bank_account_id="",
        bank_account_code="090",
        date=TODAY,
        amount=Decimal("50.00"),
        allocations=(AllocationLine(b.package_id, DocumentType.SALES_INVOICE, Decimal("10.00")),),
    )

    paid, part_on_account = await world.connector.create([receipt, on_account])

    assert isinstance(paid, Created)
    assert len(paid.related_ids) == 1
    assert isinstance(part_on_account, Created)
    assert "overpayment" in part_on_account.warnings[0]
    [overpayment] = world.organisation.overpayments.values()
    assert overpayment.total == Decimal("40.00")
    assert part_on_account.related_ids == (overpayment.id,)
    assert await world.connector.outstanding_balance(contact_id) == Decimal("40.00")
    other = await customer(world, "C-2", "Grace Hopper")
    assert await world.connector.outstanding_balances([contact_id, other]) == {
        contact_id: Decimal("40.00"),
        other: Decimal("0.00"),
    }
    assert world.organisation.documents[a.package_id].status == "PAID"
    assert await world.connector.find(receipt) == paid.package_id
    assert await world.connector.create([receipt, on_account]) == [paid, part_on_account]
    assert world.organisation.counts()["payments"] == 3


async def test_a_credit_note_is_allocated_to_its_invoice(world: XeroWorld) -> None:
    contact_id = await customer(world)
    [sent] = await world.connector.create([invoice("INV-C", contact_id)])
    first = line("25.00")
    credit = DocumentDraft(
        key="cn-1",
        source_id="CN-1",
        document_type=DocumentType.SALES_CREDIT_NOTE,
        contact_id=contact_id,
        number="CN-1",
        date=TODAY,
        lines=(first,),
        net=first.net,
        vat=first.vat,
        gross=first.gross,
    )
    [note] = await world.connector.create([credit])
    assert isinstance(sent, Created)
    assert isinstance(note, Created)
    allocation = CreditAllocationDraft(
        "al-1", "AL-1", contact_id, note.package_id, sent.package_id, Decimal("30.00"), TODAY
    )

    [allocated] = await world.connector.create([allocation])

    assert isinstance(allocated, Created)
    assert await world.connector.outstanding_balance(contact_id) == Decimal("90.00")
    assert await world.connector.find(allocation) == allocated.package_id
    assert await world.connector.find(credit) == note.package_id


async def test_find_looks_records_up_by_their_natural_keys(world: XeroWorld) -> None:
    contact_id = await customer(world, "C-9")
    draft = invoice("INV-F", contact_id)
    [sent] = await world.connector.create([draft])
    bill = DocumentDraft(
        key="bill",
        source_id="B-1",
        document_type=DocumentType.PURCHASE_INVOICE,
        contact_id=contact_id,
        number="SUP-77",
        date=TODAY,
        lines=(line("40.00", account="429", tax="INPUT2"),),
        net=Decimal("40.00"),
        vat=Decimal("8.00"),
        gross=Decimal("48.00"),
    )
    [bill_sent] = await world.connector.create([bill])

    assert isinstance(sent, Created)
    assert isinstance(bill_sent, Created)
    assert await world.connector.find(draft) == sent.package_id
    assert await world.connector.find(bill) == bill_sent.package_id
    assert await world.connector.find(ContactDraft("x", "C-9", "customer", "whoever")) == contact_id
    assert await world.connector.find(ContactDraft("x", "C-404", "customer", "nobody")) is None


async def test_reference_lists_come_back_in_the_ports_words(world: XeroWorld) -> None:
    accounts = {a.code: a for a in await world.connector.ledger_accounts()}
    banks = await world.connector.bank_accounts()
    rates = {r.id: r for r in await world.connector.tax_rates()}

    assert accounts["200"].account_class.value == "income"
    assert any(b.code == "090" for b in banks)
    assert rates["OUTPUT2"].percent == Decimal("20")
    assert rates["OUTPUT2"].usages == frozenset({"sales"})
    assert rates["EXEMPTOUTPUT"].exempt_or_outside


async def test_contacts_are_read_page_by_page(world: XeroWorld) -> None:
    for n in range(130):
        world.organisation.save_contact(
            ContactBody(Name=f"Customer {n}"),
            create_only=True,
        )
    names = [c.name async for c in world.connector.contacts()]
    assert len(names) == 130
    assert len(set(names)) == 130


async def test_the_minute_limit_is_waited_out_as_xero_asks() -> None:
    made = make_world(XeroSandboxConfig(minute_limit=3))
    try:
        for _ in range(5):
            await made.connector.tax_rates()
    finally:
        await made.connector.aclose()
    assert made.slept
    assert made.slept[0] > 0
    assert_spec_clean(made)


async def test_the_day_limit_stops_at_once_with_a_day_scoped_rate_limit() -> None:
    made = make_world(XeroSandboxConfig(day_limit=2))
    try:
        await made.connector.tax_rates()
        await made.connector.tax_rates()
        with pytest.raises(RateLimited) as raised:
            await made.connector.tax_rates()
    finally:
        await made.connector.aclose()
    assert raised.value.scope == "day"
    assert raised.value.retry_after > 3600
    assert made.slept == []


async def test_an_expired_token_is_refreshed_once_mid_run(world: XeroWorld) -> None:
    world.sandbox.oauth.expire_tokens(world.organisation.id)
    world.clock.advance(1)
    assert await world.connector.tax_rates()
    assert world.tokens.refreshes == 1


@pytest.mark.skipif(not spec_path().is_file(), reason="Xero's spec is not in ../shared/specs")
async def test_every_write_the_connector_sent_was_checked_against_the_spec(world: XeroWorld) -> None:
    contact_id = await customer(world)
    await world.connector.create([invoice("INV-S", contact_id)])
    assert ("PUT", "/api.xro/2.0/Invoices") in world.transport.checked
    assert ("PUT", "/api.xro/2.0/Contacts") in world.transport.checked


async def test_a_lost_reply_is_uncertain_and_the_replayed_batch_creates_nothing_twice(
    world: XeroWorld,
) -> None:
    contact_id = await customer(world)
    drafts = [invoice(f"JOB-{n}", contact_id) for n in range(3)]
    world.sandbox.faults.set(FaultSettings(drop_after_store_rate=1.0), business_id=world.organisation.id)

    with pytest.raises(UncertainOutcome):
        await world.connector.create(drafts)
    world.sandbox.faults.reset()
    replayed = await world.connector.create(drafts)

    assert all(isinstance(o, Created) for o in replayed)
    assert world.organisation.counts()["invoices"] == 3


async def test_an_organisation_that_saves_extra_documents_as_draft_is_reported_not_hidden(
    world: XeroWorld,
) -> None:
    contact_id = await customer(world)
    world.organisation.settings.authorised_documents_per_month = 0

    [outcome] = await world.connector.create([invoice("JOB-D", contact_id)])

    assert isinstance(outcome, Created)
    assert outcome.status == "DRAFT"
    assert "DRAFT" in outcome.warnings[0]


def purchase(kind: DocumentType, number: str, contact_id: str, net: str) -> DocumentDraft:
    first = line(net, account="429", tax="INPUT2")
    return DocumentDraft(
        key=f"key-{number}",
        source_id=number,
        document_type=kind,
        contact_id=contact_id,
        number=number,
        date=TODAY,
        lines=(first,),
        net=first.net,
        vat=first.vat,
        gross=first.gross,
    )


async def test_bills_supplier_credits_and_supplier_payments_reduce_what_is_owed(world: XeroWorld) -> None:
    [supplier] = await world.connector.create(
        [ContactDraft(key="s1", source_id="S-1", role="supplier", name="Plumb Supplies Ltd")]
    )
    assert isinstance(supplier, Created)
    [bill] = await world.connector.create(
        [purchase(DocumentType.PURCHASE_INVOICE, "PS-100", supplier.package_id, "200.00")]
    )
    [credit] = await world.connector.create(
        [purchase(DocumentType.PURCHASE_CREDIT_NOTE, "PSC-1", supplier.package_id, "50.00")]
    )
    assert isinstance(bill, Created)
    assert isinstance(credit, Created)
    allocation = CreditAllocationDraft(
        "sa-1", "SA-1", supplier.package_id, credit.package_id, bill.package_id, Decimal("60.00"), TODAY, True
    )
    payment = PaymentDraft(
        key="sp-1",
        source_id="SP-1",
        document_type=DocumentType.SUPPLIER_PAYMENT,
        contact_id=supplier.package_id,
        bank_account_id="",
        bank_account_code="090",
        date=TODAY,
        amount=Decimal("100.00"),
        reference="CHQ 7",
        allocations=(AllocationLine(bill.package_id, DocumentType.PURCHASE_INVOICE, Decimal("100.00")),),
    )

    [allocated] = await world.connector.create([allocation])
    [paid] = await world.connector.create([payment])

    assert isinstance(allocated, Created)
    assert isinstance(paid, Created)
    assert world.organisation.payments[paid.package_id].payment_type == "ACCPAYPAYMENT"
    assert await world.connector.outstanding_balance(supplier.package_id) == Decimal("80.00")


async def test_an_approved_invoice_can_be_voided_but_not_once_it_is_paid(world: XeroWorld) -> None:
    contact_id = await customer(world)
    [unpaid, paid] = await world.connector.create(
        [invoice("JOB-V", contact_id), invoice("JOB-P", contact_id)]
    )
    assert isinstance(unpaid, Created)
    assert isinstance(paid, Created)
    receipt = PaymentDraft(
        key="pv",
        source_id="PV",
        document_type=DocumentType.CUSTOMER_RECEIPT,
        contact_id=contact_id,
        bank_account_id="",
        bank_account_code="090",
        date=TODAY,
        amount=Decimal("120.00"),
        allocations=(AllocationLine(paid.package_id, DocumentType.SALES_INVOICE, Decimal("120.00")),),
    )
    await world.connector.create([receipt])

    await world.connector.void(unpaid.package_id, DocumentType.SALES_INVOICE, "raised in error")
    with pytest.raises(Rejected):
        await world.connector.void(paid.package_id, DocumentType.SALES_INVOICE, "raised in error")

    assert world.organisation.documents[unpaid.package_id].status == "VOIDED"
    assert world.organisation.documents[paid.package_id].status == "PAID"


async def test_money_received_on_account_alone_becomes_an_overpayment_found_again_by_its_reference(
    world: XeroWorld,
) -> None:
    contact_id = await customer(world)
    deposit = PaymentDraft(
        key="dep-1",
        source_id="DEP-1",
        document_type=DocumentType.CUSTOMER_RECEIPT,
        contact_id=contact_id,
        bank_account_id="",
        bank_account_code="090",
        date=TODAY,
        amount=Decimal("250.00"),
        reference="Deposit job 7",
    )
    refund = PaymentDraft(
        key="ref-1",
        source_id="REF-1",
        document_type=DocumentType.CUSTOMER_REFUND,
        contact_id=contact_id,
        bank_account_id="",
        bank_account_code="090",
        date=TODAY,
        amount=Decimal("5.00"),
    )

    [created] = await world.connector.create([deposit])
    [refused] = await world.connector.create([refund])

    assert isinstance(created, Created)
    assert isinstance(refused, Refused)
    assert "credit note" in refused.problems[0].message
    assert await world.connector.outstanding_balance(contact_id) == Decimal("-250.00")
    assert await world.connector.find(deposit) == created.package_id


async def test_a_partly_recorded_payment_batch_is_uncertain_and_its_replay_records_each_part_once() -> None:
    # contact, invoice, payments: the day's limit is spent before the money on account can go
    made = make_world(XeroSandboxConfig(day_limit=3))
    try:
        contact_id = await customer(made)
        [sent] = await made.connector.create([invoice("INV-P", contact_id)])
        assert isinstance(sent, Created)
        settles_and_leaves_some = PaymentDraft(
            key="pay-part",
            source_id="P-PART",
            document_type=DocumentType.CUSTOMER_RECEIPT,
            contact_id=contact_id,
            bank_account_id="",
            bank_account_code="090",
            date=TODAY,
            amount=Decimal("150.00"),
            reference="BACS 7",
            allocations=(AllocationLine(sent.package_id, DocumentType.SALES_INVOICE, Decimal("120.00")),),
        )

        with pytest.raises(UncertainOutcome, match="replayed under its own keys"):
            await made.connector.create([settles_and_leaves_some])
        assert len(made.organisation.payments) == 1  # recorded, though the batch did not finish

        made.clock.advance(86_400)  # the next day: the same batch again, as the engine replays it
        [replayed] = await made.connector.create([settles_and_leaves_some])
    finally:
        await made.connector.aclose()

    assert isinstance(replayed, Created)
    assert len(made.organisation.payments) == 1  # answered from the first time, not recorded twice
    assert [o.total for o in made.organisation.overpayments.values()] == [Decimal("30.00")]


async def test_a_payment_found_only_in_part_is_said_part_by_part_never_answered_found_or_absent(
    world: XeroWorld,
) -> None:
    contact_id = await customer(world)
    [a, b] = await world.connector.create([invoice("INV-A", contact_id), invoice("INV-B", contact_id)])
    assert isinstance(a, Created)
    assert isinstance(b, Created)
    receipt = PaymentDraft(
        key="pay-parts",
        source_id="P-PARTS",
        document_type=DocumentType.CUSTOMER_RECEIPT,
        contact_id=contact_id,
        bank_account_id="",
        bank_account_code="090",
        date=TODAY,
        amount=Decimal("200.00"),
        reference="BACS 9",
        allocations=(
            AllocationLine(a.package_id, DocumentType.SALES_INVOICE, Decimal("120.00")),
            AllocationLine(b.package_id, DocumentType.SALES_INVOICE, Decimal("60.00")),
        ),
    )
    [paid] = await world.connector.create([receipt])
    assert isinstance(paid, Created)
    whole = await world.connector.find(receipt)
    for payment_id in (paid.package_id, *paid.related_ids[:1]):  # both payments gone, money on account kept
        world.organisation.delete_payment(payment_id)

    with pytest.raises(PartlyApplied) as partly:
        await world.connector.find(receipt)

    assert whole == paid.package_id
    [overpayment] = world.organisation.overpayments.values()
    assert (
        f"Xero holds only part of this payment: 20.00 on account (Xero overpayment {overpayment.id})"
        in str(partly.value)
    )
    assert "It does not hold 120.00 on INV-A nor 60.00 on INV-B" in str(partly.value)
    assert await world.connector.find(replace(receipt, amount=Decimal("180.00"))) is None  # no part at all
