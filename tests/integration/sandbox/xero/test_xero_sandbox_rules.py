"""The Xero sandbox behaves as Xero does: its rules, its reply and error shapes, its limits."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgerlink.sandbox.kit import ManualClock
from ledgerlink.sandbox.xero.app import XeroSandbox, XeroSandboxConfig

CONTACT = {"ContactNumber": "ADA01"}


def sale(
    number: str | None = None, *, account: str = "200", tax: str = "OUTPUT2", **extra: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Type": "ACCREC",
        "Contact": CONTACT,
        "Date": "2026-01-05",
        "DueDate": "2026-02-05",
        "Status": "AUTHORISED",
        "LineItems": [
            {
                "Description": "Boiler",
                "Quantity": 3,
                "UnitAmount": 3.335,
                "AccountCode": account,
                "TaxType": tax,
            },
            {
                "Description": "Parts",
                "Quantity": 1,
                "UnitAmount": 10.005,
                "AccountCode": account,
                "TaxType": tax,
            },
        ],
        **extra,
    }
    if number:
        body["InvoiceNumber"] = number
    return body


async def put(
    api: httpx.AsyncClient,
    collection: str,
    *elements: dict[str, Any],
    summarize: bool = False,
    **headers: str,
) -> httpx.Response:
    params = {} if summarize else {"summarizeErrors": "false"}
    if collection in ("Invoices", "CreditNotes"):
        params["unitdp"] = "4"  # the bodies here price to the tenth of a penny
    return await api.put(f"/{collection}", params=params, json={collection: list(elements)}, headers=headers)


async def test_totals_are_rounded_per_line_then_summed_and_dates_come_back_in_xeros_form(
    api: httpx.AsyncClient,
) -> None:
    reply = await put(api, "Invoices", sale("JOB-1"))

    [invoice] = reply.json()["Invoices"]
    assert invoice["SubTotal"] == 20.02  # 10.01 + 10.01: each line rounded on its own
    assert invoice["TotalTax"] == 4.0
    assert invoice["Total"] == 24.02
    assert invoice["Date"] == "/Date(1767571200000+0000)/"
    assert invoice["DateString"] == "2026-01-05T00:00:00"
    assert invoice["StatusAttributeString"] == "OK"


async def test_per_element_errors_answer_200_and_the_summarised_form_400_while_still_creating(
    api: httpx.AsyncClient, sandbox: XeroSandbox, tenant: str
) -> None:
    detailed = await put(api, "Invoices", sale("JOB-1"), sale("JOB-2", account="999"))
    summarised = await put(api, "Invoices", sale("JOB-3"), sale("JOB-4", tax="INPUT2"), summarize=True)

    assert detailed.status_code == 200
    _good, bad = detailed.json()["Invoices"]
    assert bad["HasErrors"] is True
    assert bad["StatusAttributeString"] == "ERROR"
    assert bad["ValidationErrors"] == [
        {"Message": "Account code '999' is not a valid code for this document."}
    ]
    assert summarised.status_code == 400
    error = summarised.json()
    assert error["ErrorNumber"] == 10
    assert error["Type"] == "ValidationException"
    assert "cannot be used with account code '200'" in error["Elements"][0]["ValidationErrors"][0]["Message"]
    assert sandbox.organisation(tenant).counts()["invoices"] == 2  # JOB-1 and JOB-3


async def test_sales_invoice_numbers_are_unique_but_bill_numbers_are_not(api: httpx.AsyncClient) -> None:
    await put(api, "Invoices", sale("JOB-1"))
    again = await put(api, "Invoices", sale("JOB-1"))
    bill = {**sale("SUP-1", account="429", tax="INPUT2"), "Type": "ACCPAY"}
    bills = await put(api, "Invoices", bill, bill)
    auto = await put(api, "Invoices", sale())

    assert again.json()["Invoices"][0]["ValidationErrors"][0]["Message"] == "Invoice # must be unique."
    assert [b["StatusAttributeString"] for b in bills.json()["Invoices"]] == ["OK", "OK"]
    assert auto.json()["Invoices"][0]["InvoiceNumber"] == "INV-0001"


async def test_contact_names_are_unique_among_active_contacts_only(api: httpx.AsyncClient) -> None:
    taken = await put(api, "Contacts", {"Name": "ada lovelace"})
    archived = await api.post("/Contacts/ADA01", json={"Contacts": [{"ContactStatus": "ARCHIVED"}]})
    reused = await put(api, "Contacts", {"Name": "Ada Lovelace"})
    on_document = await put(api, "Invoices", sale("JOB-9"))

    assert taken.json()["Contacts"][0]["HasValidationErrors"] is True
    assert (
        "must be unique across all active contacts"
        in taken.json()["Contacts"][0]["ValidationErrors"][0]["Message"]
    )
    assert archived.status_code == 200
    assert reused.json()["Contacts"][0]["StatusAttributeString"] == "OK"
    assert "archived" in on_document.json()["Invoices"][0]["ValidationErrors"][0]["Message"]


async def test_a_contact_named_on_a_document_is_created_when_no_active_contact_has_the_name(
    api: httpx.AsyncClient, sandbox: XeroSandbox, tenant: str
) -> None:
    reply = await put(api, "Invoices", {**sale("JOB-1"), "Contact": {"Name": "Brand New Ltd"}})

    assert reply.json()["Invoices"][0]["Contact"]["Name"] == "Brand New Ltd"
    assert sandbox.organisation(tenant).counts()["contacts"] == 2


async def test_payments_need_an_authorised_document_a_bank_account_and_no_more_than_is_due(
    api: httpx.AsyncClient,
) -> None:
    [invoice] = (await put(api, "Invoices", sale("JOB-1"))).json()["Invoices"]
    [draft] = (await put(api, "Invoices", {**sale("JOB-2"), "Status": "DRAFT"})).json()["Invoices"]

    def payment(invoice_id: str, amount: float, code: str = "090") -> dict[str, Any]:
        return {
            "Invoice": {"InvoiceID": invoice_id},
            "Account": {"Code": code},
            "Date": "2026-01-06",
            "Amount": amount,
        }

    reply = await put(
        api,
        "Payments",
        payment(invoice["InvoiceID"], 24.03),
        payment(draft["InvoiceID"], 1),
        payment(invoice["InvoiceID"], 1, code="200"),
        payment(invoice["InvoiceID"], 24.02),
    )
    over, unapproved, not_bank, paid = reply.json()["Payments"]
    state = (await api.get(f"/Invoices/{invoice['InvoiceID']}")).json()["Invoices"][0]
    balance = (await api.get("/Contacts/ADA01")).json()["Contacts"][0]["Balances"]

    assert "exceeds the amount outstanding" in over["ValidationErrors"][0]["Message"]
    assert "Authorised" in unapproved["ValidationErrors"][0]["Message"]
    assert "not a bank account" in not_bank["ValidationErrors"][0]["Message"]
    assert paid["PaymentType"] == "ACCRECPAYMENT"
    assert state["Status"] == "PAID"
    assert state["AmountDue"] == 0
    assert balance["AccountsReceivable"]["Outstanding"] == 0


async def test_credit_allocations_are_limited_by_remaining_credit_and_amount_due(
    api: httpx.AsyncClient,
) -> None:
    [invoice] = (await put(api, "Invoices", sale("JOB-1"))).json()["Invoices"]
    credit = {**sale(), "Type": "ACCRECCREDIT", "LineItems": [sale()["LineItems"][1]]}
    credit.pop("DueDate")
    [note] = (await put(api, "CreditNotes", credit)).json()["CreditNotes"]
    path = f"/CreditNotes/{note['CreditNoteID']}/Allocations"

    too_much = await api.put(
        path,
        params={"summarizeErrors": "false"},
        json={
            "Allocations": [
                {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 12.02, "Date": "2026-01-07"}
            ]
        },
    )
    fits = await api.put(
        path,
        params={"summarizeErrors": "false"},
        json={
            "Allocations": [
                {"Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Amount": 12.01, "Date": "2026-01-07"}
            ]
        },
    )
    after = (await api.get(f"/CreditNotes/{note['CreditNoteID']}")).json()["CreditNotes"][0]

    assert note["CreditNoteNumber"] == "CN-0001"
    assert "remaining credit" in too_much.json()["Allocations"][0]["ValidationErrors"][0]["Message"]
    assert fits.json()["Allocations"][0]["StatusAttributeString"] == "OK"
    assert after["RemainingCredit"] == 0
    assert after["Status"] == "PAID"


async def test_the_same_idempotency_key_replays_the_first_reply_and_stores_nothing_twice(
    api: httpx.AsyncClient, sandbox: XeroSandbox, tenant: str
) -> None:
    first = await put(api, "Invoices", sale(), **{"Idempotency-Key": "batch-1"})
    second = await put(api, "Invoices", sale(), **{"Idempotency-Key": "batch-1"})

    assert first.json()["Invoices"] == second.json()["Invoices"]
    assert sandbox.organisation(tenant).counts()["invoices"] == 1


@pytest.mark.parametrize("config", [XeroSandboxConfig(idempotency_conflict="refuse")])
async def test_a_reused_key_with_another_body_can_be_refused(api: httpx.AsyncClient) -> None:
    await put(api, "Invoices", sale("JOB-1"), **{"Idempotency-Key": "batch-1"})
    other = await put(api, "Invoices", sale("JOB-2"), **{"Idempotency-Key": "batch-1"})

    assert other.status_code == 400
    assert other.json()["Type"] == "ValidationException"


async def test_a_missing_or_unconnected_tenant_is_forbidden(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    other = (await admin.post("/_sandbox/seed", json={"name": "Someone Else Ltd"})).json()["id"]

    missing = await api.get("/Contacts", headers={"xero-tenant-id": ""})
    foreign = await api.get("/Contacts", headers={"xero-tenant-id": other})

    assert missing.status_code == 403
    assert foreign.status_code == 403


async def test_unreadable_bodies_and_bad_dates_are_post_data_invalid(api: httpx.AsyncClient) -> None:
    broken = await api.put("/Invoices", content=b"{not json", headers={"Content-Type": "application/json"})
    bad_date = await put(api, "Invoices", {**sale("JOB-1"), "Date": "2026-02-30"})

    assert broken.status_code == 400
    assert broken.json()["ErrorNumber"] == 14
    assert bad_date.json()["ErrorNumber"] == 14
    assert bad_date.json()["Type"] == "PostDataInvalidException"


@pytest.mark.parametrize("config", [XeroSandboxConfig(max_body_bytes=2000)])
async def test_a_body_over_the_size_cap_is_refused_413(api: httpx.AsyncClient) -> None:
    reply = await put(api, "Invoices", *[sale(f"JOB-{n}") for n in range(10)])
    assert reply.status_code == 413


async def test_lists_page_filter_and_follow_if_modified_since(
    api: httpx.AsyncClient, clock: ManualClock
) -> None:
    await put(api, "Invoices", *[sale(f"JOB-{n}") for n in range(5)])
    clock.advance(600)
    await put(api, "Invoices", sale("LATE-1"))

    page = (await api.get("/Invoices", params={"page": 2, "pageSize": 2})).json()
    where = (
        await api.get("/Invoices", params={"where": 'InvoiceNumber=="JOB-3" AND Status=="AUTHORISED"'})
    ).json()
    numbers = (await api.get("/Invoices", params={"InvoiceNumbers": "JOB-1,JOB-2"})).json()
    since = (await api.get("/Invoices", headers={"If-Modified-Since": "2026-01-01T00:05:00"})).json()

    assert page["pagination"] == {"page": 2, "pageSize": 2, "pageCount": 3, "itemCount": 6}
    assert [i["InvoiceNumber"] for i in where["Invoices"]] == ["JOB-3"]
    assert sorted(i["InvoiceNumber"] for i in numbers["Invoices"]) == ["JOB-1", "JOB-2"]
    assert [i["InvoiceNumber"] for i in since["Invoices"]] == ["LATE-1"]


@pytest.mark.parametrize("config", [XeroSandboxConfig(minute_limit=2, day_limit=3)])
async def test_minute_and_day_limits_answer_429_with_xeros_headers(
    api: httpx.AsyncClient, clock: ManualClock
) -> None:
    first = await api.get("/TaxRates")
    await api.get("/TaxRates")
    minute = await api.get("/TaxRates")
    clock.advance(61)
    await api.get("/TaxRates")
    day = await api.get("/TaxRates")

    assert first.headers["X-MinLimit-Remaining"] == "1"
    assert first.headers["X-DayLimit-Remaining"] == "2"
    assert "X-AppMinLimit-Remaining" in first.headers
    assert minute.status_code == 429
    assert minute.headers["X-Rate-Limit-Problem"] == "minute"
    assert 0 < int(minute.headers["Retry-After"]) <= 60
    assert day.status_code == 429
    assert day.headers["X-Rate-Limit-Problem"] == "day"
    assert int(day.headers["Retry-After"]) > 80000


@pytest.mark.parametrize("config", [XeroSandboxConfig(minute_limit=2, time_scale=60.0)])
async def test_a_time_scale_shrinks_the_windows_and_the_retry_after(
    api: httpx.AsyncClient, clock: ManualClock
) -> None:
    await api.get("/TaxRates")
    await api.get("/TaxRates")
    limited = await api.get("/TaxRates")
    clock.advance(1.01)  # a scaled minute
    allowed = await api.get("/TaxRates")

    assert limited.status_code == 429
    assert float(limited.headers["Retry-After"]) <= 1.0
    assert allowed.status_code == 200


async def test_a_dropped_reply_still_stores_the_record(
    api: httpx.AsyncClient, admin: httpx.AsyncClient, sandbox: XeroSandbox, tenant: str
) -> None:
    await admin.post("/_sandbox/faults", json={"business_id": tenant, "drop_after_store_rate": 1.0})

    with pytest.raises(httpx.ReadError):
        await put(api, "Invoices", sale("JOB-1"))

    assert sandbox.organisation(tenant).counts()["invoices"] == 1


async def test_the_admin_state_counts_every_resource(admin: httpx.AsyncClient, tenant: str) -> None:
    state = (await admin.get("/_sandbox/state")).json()

    [business] = state["businesses"]
    assert business["id"] == tenant
    assert business["counts"]["accounts"] > 30
    assert business["counts"]["contacts"] == 1


def test_limits_and_time_scale_can_be_set_from_the_environment() -> None:
    config = XeroSandboxConfig.from_env(
        {"LEDGERLINK_XERO_SANDBOX_TIME_SCALE": "60", "LEDGERLINK_XERO_SANDBOX_DAY_LIMIT": "1000"}
    )

    assert config.time_scale == 60.0
    assert config.day_limit == 1000
    assert config.minute_limit == 60


async def test_the_admin_api_changes_each_organisations_request_budget(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    changed = await admin.post("/_sandbox/limits", json={"per_minute": 1, "per_day": None})
    allowed = await api.get("/TaxRates")
    refused = await api.get("/TaxRates")

    assert changed.status_code == 200
    assert allowed.headers["X-MinLimit-Remaining"] == "0"
    assert "X-DayLimit-Remaining" not in allowed.headers
    assert refused.status_code == 429


async def test_an_overpayment_holds_money_on_account_and_lowers_the_balance(api: httpx.AsyncClient) -> None:
    await put(api, "Invoices", sale("JOB-1"))
    overpayment = {
        "Type": "RECEIVE-OVERPAYMENT",
        "Contact": CONTACT,
        "BankAccount": {"Code": "090"},
        "Date": "2026-01-06",
        "LineAmountTypes": "NoTax",
        "LineItems": [{"Description": "Deposit", "LineAmount": 30}],
    }

    reply = await put(api, "BankTransactions", overpayment, {**overpayment, "BankAccount": {"Code": "200"}})
    made, refused = reply.json()["BankTransactions"]
    held = (await api.get(f"/Overpayments/{made['OverpaymentID']}")).json()["Overpayments"][0]
    balance = (await api.get("/Contacts/ADA01")).json()["Contacts"][0]["Balances"]["AccountsReceivable"]

    assert made["Total"] == 30
    assert refused["StatusAttributeString"] == "ERROR"
    assert held["RemainingCredit"] == 30
    assert balance["Outstanding"] == -5.98  # 24.02 due less 30.00 on account
