"""The Sage connector against the Sage sandbox, in process, every request held against Sage's spec."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest

from ledgerlink.errors import FeatureUnavailable, ReconnectNeeded, UncertainOutcome
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
from ledgerlink.packages.holdings import AccountClass
from ledgerlink.packages.sage import SageConnector
from ledgerlink.sandbox.sage.app import SageSandbox
from tests.support.sage_sandbox import RefreshingTokens, Sleeps, seed

D = Decimal


async def _ids(connector: SageConnector) -> dict[str, str]:
    accounts = {a.code: a.id for a in await connector.ledger_accounts()}
    banks = {b.code: b.id for b in await connector.bank_accounts()}
    contacts = {c.reference: c.id async for c in connector.contacts()}
    return {
        **{f"la{k}": v for k, v in accounts.items()},
        **{f"bank{k}": v for k, v in banks.items()},
        **contacts,
    }


def _line(account_id: str, net: str, vat: str, rate: str = "GB_STANDARD") -> LineDraft:
    return LineDraft("Boiler service", D("1"), D(net), D(net), D(vat), account_id, "", rate)


def _invoice(
    ids: dict[str, str],
    number: str = "INV-1001",
    *,
    key: str = "",
    kind: DocumentType = DocumentType.SALES_INVOICE,
) -> DocumentDraft:
    purchase = kind in (DocumentType.PURCHASE_INVOICE, DocumentType.PURCHASE_CREDIT_NOTE)
    account = ids["la5000"] if purchase else ids["la4000"]
    lines = (_line(account, "100.00", "20.00"), _line(account, "0.05", "0.01"))
    return DocumentDraft(
        key=key or f"{number}-{kind.value}",
        source_id=number,
        document_type=kind,
        contact_id=ids["PIPES"] if purchase else ids["ADA01"],
        number=number,
        date=dt.date(2026, 2, 1),
        lines=lines,
        net=D("100.05"),
        vat=D("20.01"),
        gross=D("120.06"),
        due_date=dt.date(2026, 3, 3),
    )


def _contact(reference: str, name: str = "Grace Hopper", key: str = "") -> ContactDraft:
    return ContactDraft(
        key=key or f"contact-{reference}",
        source_id=reference,
        role="customer",
        name=name,
        reference=reference,
        email="grace@example.com",
        phone="0113 496 0001",
    )


async def _counts(admin: httpx.AsyncClient) -> dict[str, int]:
    counts: dict[str, int] = (await admin.get("/_sandbox/state")).json()["businesses"][0]["counts"]
    return counts


async def test_reference_lists_are_read_and_classified(connector: SageConnector):
    accounts = {a.code: a for a in await connector.ledger_accounts()}
    assert accounts["4000"].account_class is AccountClass.INCOME
    assert accounts["5000"].account_class is AccountClass.COST_OF_SALES
    assert accounts["7100"].account_class is AccountClass.EXPENSE
    assert {b.code for b in await connector.bank_accounts()} == {"1200", "1210", "1230"}
    rates = {r.id: r for r in await connector.tax_rates()}
    assert rates["GB_STANDARD"].percent == D("20")
    assert rates["GB_NO_TAX"].exempt_or_outside


async def test_a_full_sales_cycle_leaves_the_customer_owing_what_the_jobs_side_says(connector: SageConnector):
    ids = await _ids(connector)
    [invoice] = await connector.create([_invoice(ids)])
    assert isinstance(invoice, Created)
    assert invoice.totals is not None
    assert (invoice.totals.net, invoice.totals.vat, invoice.totals.gross) == (
        D("100.05"),
        D("20.01"),
        D("120.06"),
    )
    assert invoice.status == "UNPAID"

    credit_draft = _invoice(ids, "CN-1", kind=DocumentType.SALES_CREDIT_NOTE)
    [credit] = await connector.create([credit_draft])
    assert isinstance(credit, Created)
    # A credit for the whole of a second invoice, set against it.
    [second] = await connector.create([_invoice(ids, "INV-1002")])
    assert isinstance(second, Created)
    allocation = CreditAllocationDraft(
        key="alloc-1",
        source_id="CN-1",
        contact_id=ids["ADA01"],
        credit_note_id=credit.package_id,
        invoice_id=second.package_id,
        amount=D("120.06"),
        date=dt.date(2026, 2, 2),
    )
    [allocated] = await connector.create([allocation])
    assert isinstance(allocated, Created)

    receipt = PaymentDraft(
        key="rcpt-1",
        source_id="P1",
        document_type=DocumentType.CUSTOMER_RECEIPT,
        contact_id=ids["ADA01"],
        bank_account_id=ids["bank1200"],
        bank_account_code="1200",
        date=dt.date(2026, 2, 10),
        amount=D("100.00"),
        reference="RCPT-1",
        allocations=(AllocationLine(invoice.package_id, DocumentType.SALES_INVOICE, D("100.00")),),
    )
    [paid] = await connector.create([receipt])
    assert isinstance(paid, Created)
    assert paid.related_ids == (invoice.package_id,)
    assert await connector.outstanding_balance(ids["ADA01"]) == D("20.06")


async def test_a_supplier_invoice_and_payment_are_sent_and_settled(connector: SageConnector):
    ids = await _ids(connector)
    [bill] = await connector.create([_invoice(ids, "B-77", kind=DocumentType.PURCHASE_INVOICE)])
    assert isinstance(bill, Created), bill
    payment = PaymentDraft(
        key="pay-1",
        source_id="SP1",
        document_type=DocumentType.SUPPLIER_PAYMENT,
        contact_id=ids["PIPES"],
        bank_account_id=ids["bank1200"],
        bank_account_code="1200",
        date=dt.date(2026, 2, 10),
        amount=D("120.06"),
        allocations=(AllocationLine(bill.package_id, DocumentType.PURCHASE_INVOICE, D("120.06")),),
    )
    [paid] = await connector.create([payment])
    assert isinstance(paid, Created)
    assert await connector.outstanding_balance(ids["PIPES"]) == D("0.00")


async def test_a_refusal_comes_back_with_sages_own_message_and_field(connector: SageConnector):
    [refused] = await connector.create([_contact("ADA01", "Someone else")])
    assert isinstance(refused, Refused)
    assert [(p.field, p.message) for p in refused.problems] == [("reference", "has already been taken")]


async def test_the_same_draft_sent_twice_makes_one_record(connector: SageConnector, admin: httpx.AsyncClient):
    ids = await _ids(connector)
    first = await connector.create([_invoice(ids, key="0123456789abcdef0123456789abcdef")])
    again = await connector.create([_invoice(ids, key="0123456789abcdef0123456789abcdef")])
    assert first == again
    assert (await _counts(admin))["sales_invoices"] == 1


async def test_a_dropped_reply_is_uncertain_and_find_resolves_it_to_the_one_record(
    connector: SageConnector, admin: httpx.AsyncClient, business_id: str
):
    ids = await _ids(connector)
    contact = _contact("GH01")
    invoice = _invoice(ids, "INV-2001")
    await admin.post("/_sandbox/faults", json={"business_id": business_id, "drop_after_store_rate": 1.0})
    for draft in (contact, invoice):
        with pytest.raises(UncertainOutcome):
            await connector.create([draft])
    await admin.post("/_sandbox/faults", json={"business_id": business_id})
    contact_id = await connector.find(contact)
    invoice_id = await connector.find(invoice)
    assert contact_id is not None
    assert invoice_id is not None
    counts = await _counts(admin)
    assert (counts["contacts"], counts["sales_invoices"]) == (3, 1)
    replayed = await connector.create([contact])  # the same idempotency_id answers with the first record
    assert isinstance(replayed[0], Created)
    assert replayed[0].package_id == contact_id
    assert (await _counts(admin))["contacts"] == 3


async def test_find_returns_none_for_what_was_never_sent(connector: SageConnector):
    ids = await _ids(connector)
    assert await connector.find(_contact("NOPE")) is None
    assert await connector.find(_invoice(ids, "INV-404")) is None


async def test_a_payment_is_found_by_reference_contact_and_amount(connector: SageConnector):
    ids = await _ids(connector)
    draft = PaymentDraft(
        key="rcpt-on-account",
        source_id="P9",
        document_type=DocumentType.CUSTOMER_RECEIPT,
        contact_id=ids["ADA01"],
        bank_account_id=ids["bank1200"],
        bank_account_code="1200",
        date=dt.date(2026, 2, 10),
        amount=D("25.00"),
        reference="RCPT-9",
    )
    [created] = await connector.create([draft])
    assert isinstance(created, Created)
    assert await connector.find(draft) == created.package_id
    assert await connector.find(PaymentDraft(**{**draft.__dict__, "amount": D("25.01")})) is None
    assert await connector.outstanding_balance(ids["ADA01"]) == D("-25.00")


async def test_a_429_is_waited_out_as_the_sandbox_asked(
    connector: SageConnector, admin: httpx.AsyncClient, business_id: str, sleeps: Sleeps
):
    await admin.post(
        "/_sandbox/faults", json={"business_id": business_id, "rate_limit_burst": 2, "retry_after": 3}
    )
    [created] = await connector.create([_contact("RL01")])
    assert isinstance(created, Created)
    assert sleeps.seconds == [3.0, 3.0]


async def test_an_expired_token_is_refreshed_once_and_the_request_retried(
    connector: SageConnector, admin: httpx.AsyncClient, business_id: str, tokens: RefreshingTokens
):
    await admin.post("/_sandbox/faults", json={"business_id": business_id, "expire_tokens": True})
    [created] = await connector.create([_contact("TK01")])
    assert isinstance(created, Created)
    assert tokens.refreshes == 1
    assert (await admin.get("/_sandbox/state")).json()["refreshes"] == 1


async def test_a_lapsed_subscription_asks_for_a_person(
    connector: SageConnector, admin: httpx.AsyncClient, business_id: str
):
    await admin.post(f"/_sandbox/businesses/{business_id}", json={"subscription_active": False})
    with pytest.raises(ReconnectNeeded, match="subscription"):
        await connector.tax_rates()


async def test_an_allocation_on_the_start_tier_is_a_feature_the_plan_lacks(
    connector: SageConnector, admin: httpx.AsyncClient, business_id: str
):
    ids = await _ids(connector)
    await admin.post(f"/_sandbox/businesses/{business_id}", json={"tier": "start"})
    draft = CreditAllocationDraft("k", "s", ids["ADA01"], "cn", "inv", D("1.00"), dt.date(2026, 2, 2))
    with pytest.raises(FeatureUnavailable):
        await connector.create([draft])


async def test_a_contact_and_an_unpaid_invoice_can_be_updated_and_an_invoice_voided(connector: SageConnector):
    ids = await _ids(connector)
    [invoice] = await connector.create([_invoice(ids, "INV-3001")])
    assert isinstance(invoice, Created)
    draft = _invoice(ids, "INV-3001")
    changed = DocumentDraft(
        **{
            **draft.__dict__,
            "lines": draft.lines[:1],
            "net": D("100.00"),
            "vat": D("20.00"),
            "gross": D("120.00"),
        }
    )
    updated = await connector.update(invoice.package_id, changed)
    assert isinstance(updated, Created)
    assert updated.totals is not None
    assert updated.totals.gross == D("120.00")
    renamed = await connector.update(ids["ADA01"], _contact("ADA01", "Ada King"))
    assert isinstance(renamed, Created)
    assert {c.name async for c in connector.contacts()} >= {"Ada King"}
    await connector.void(invoice.package_id, DocumentType.SALES_INVOICE, "raised in error")
    assert await connector.find(draft) is None  # a void invoice is not the record to link


async def test_contacts_are_read_page_by_page_over_a_thousand(
    admin: httpx.AsyncClient, connector: SageConnector, sandbox: SageSandbox, business_id: str
):
    from ledgerlink.sandbox.sage import bodies

    business = sandbox.state.business(business_id)
    for index in range(1000):
        body = {
            "contact": {
                "name": f"Customer {index}",
                "contact_type_ids": ["CUSTOMER"],
                "reference": f"K{index}",
            }
        }
        parsed = bodies.parse_body("contact", body)
        assert isinstance(parsed, bodies.ContactCreate)
        sandbox.state.create_contact(business, parsed)
    seen = [contact async for contact in connector.contacts()]
    assert len(seen) == 1002
    assert len({contact.id for contact in seen}) == 1002


async def test_changed_since_returns_only_contacts_created_or_changed_since(
    connector: SageConnector, admin: httpx.AsyncClient
):
    before = [c async for c in connector.contacts()]
    since = max(c.updated_at for c in before if c.updated_at is not None)
    changed = [c async for c in connector.contacts(changed_since=since)]
    assert {c.reference for c in changed} == {"ADA01", "PIPES"}  # inclusive of the cursor itself
    future = since + dt.timedelta(days=1)
    assert [c async for c in connector.contacts(changed_since=future)] == []


async def test_a_second_business_is_never_written_by_this_connection(
    connector: SageConnector, admin: httpx.AsyncClient
):
    await seed(admin, name="Other Ltd")
    [created] = await connector.create([_contact("ONE01")])
    assert isinstance(created, Created)
    state = (await admin.get("/_sandbox/state")).json()["businesses"]
    assert [b["counts"]["contacts"] for b in state] == [3, 0]
