"""The QuickBooks sandbox answers as QuickBooks does: names unique across customers and vendors,
SyncTokens, requestid replays, batches with per-item Faults, items on sales lines, VAT per rate."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ledgerlink.sandbox.quickbooks.app import QuickBooksSandbox


async def query(api: httpx.AsyncClient, text: str) -> dict[str, Any]:
    reply = await api.get("/query", params={"query": text, "minorversion": "75"})
    assert reply.status_code == 200, reply.text
    result: dict[str, Any] = reply.json()["QueryResponse"]
    return result


async def create(api: httpx.AsyncClient, entity: str, body: dict[str, Any], **params: str) -> httpx.Response:
    return await api.post(f"/{entity.lower()}", json=body, params={"minorversion": "75", **params})


async def first(api: httpx.AsyncClient, entity: str, where: str) -> dict[str, Any]:
    found = (await query(api, f"select * from {entity} where {where}"))[entity]
    return dict(found[0])


async def a_service_item(api: httpx.AsyncClient) -> str:
    income = await first(api, "Account", "AcctNum = '4010'")
    expense = await first(api, "Account", "AcctNum = '5000'")
    reply = await create(
        api,
        "Item",
        {
            "Name": "Labour",
            "Type": "Service",
            "IncomeAccountRef": {"value": income["Id"]},
            "ExpenseAccountRef": {"value": expense["Id"]},
        },
    )
    assert reply.status_code == 200, reply.text
    return str(reply.json()["Item"]["Id"])


def sales_line(item: str, tax_code: str, qty: int, price: str) -> dict[str, Any]:
    return {
        "DetailType": "SalesItemLineDetail",
        "Amount": float(qty * float(price)),
        "SalesItemLineDetail": {
            "ItemRef": {"value": item},
            "Qty": qty,
            "UnitPrice": float(price),
            "TaxCodeRef": {"value": tax_code},
        },
    }


async def test_a_company_starts_with_a_uk_chart_and_vat_codes(api: httpx.AsyncClient) -> None:
    accounts = (await query(api, "select * from Account maxresults 1000"))["Account"]
    codes = (await query(api, "select * from TaxCode"))["TaxCode"]

    assert {"Bank", "Income", "Expense", "Accounts Receivable"} <= {a["AccountType"] for a in accounts}
    assert {"20.0% S", "5.0% R", "0.0% Z", "Exempt", "No VAT"} == {c["Name"] for c in codes}


async def test_display_names_are_unique_across_customers_and_vendors_whatever_the_case(
    api: httpx.AsyncClient,
) -> None:
    assert (await create(api, "Customer", {"DisplayName": "Ada Lovelace"})).status_code == 200

    clash = await create(api, "Vendor", {"DisplayName": "ada lovelace"})

    assert clash.status_code == 400
    assert clash.json()["Fault"]["Error"][0]["code"] == "6240"
    assert (await create(api, "Vendor", {"DisplayName": "Ada Lovelace (Supplier)"})).status_code == 200


async def test_a_stale_sync_token_is_refused_and_a_sparse_update_keeps_what_it_does_not_send(
    api: httpx.AsyncClient,
) -> None:
    customer = (await create(api, "Customer", {"DisplayName": "Grace Hopper", "CompanyName": "Navy"})).json()[
        "Customer"
    ]
    updated = await create(
        api, "Customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "VIP"}
    )
    stale = await create(
        api, "Customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "again"}
    )

    assert updated.json()["Customer"] | {} == updated.json()["Customer"]
    assert (updated.json()["Customer"]["CompanyName"], updated.json()["Customer"]["SyncToken"]) == (
        "Navy",
        "1",
    )
    assert stale.status_code == 400
    assert stale.json()["Fault"]["Error"][0]["code"] == "5010"


async def test_a_repeated_requestid_replays_the_first_reply_and_stores_nothing_more(
    api: httpx.AsyncClient, sandbox: QuickBooksSandbox, realm: str
) -> None:
    one = await create(api, "Customer", {"DisplayName": "Alan Turing"}, requestid="r-1")
    two = await create(api, "Customer", {"DisplayName": "Alan Turing"}, requestid="r-1")

    assert one.json()["Customer"]["Id"] == two.json()["Customer"]["Id"]
    assert sandbox.state.companies[realm].counts()["Customer"] == 1
    assert (await create(api, "Customer", {"DisplayName": "x"}, requestid="r" * 51)).status_code == 400


async def test_a_sales_line_without_an_item_counts_for_nothing_and_vat_is_worked_per_rate(
    api: httpx.AsyncClient,
) -> None:
    item = await a_service_item(api)
    standard = (await first(api, "TaxCode", "Name = '20.0% S'"))["Id"]
    customer = (await create(api, "Customer", {"DisplayName": "Ada"})).json()["Customer"]["Id"]
    lines = [
        sales_line(item, standard, 1, "0.05"),
        sales_line(item, standard, 1, "0.05"),
        {
            "DetailType": "SalesItemLineDetail",
            "Amount": 99.0,
            "SalesItemLineDetail": {"TaxCodeRef": {"value": standard}},
        },
    ]

    invoice = (
        await create(
            api,
            "Invoice",
            {"CustomerRef": {"value": customer}, "GlobalTaxCalculation": "TaxExcluded", "Line": lines},
        )
    ).json()["Invoice"]

    # per line the VAT would be 0.01 + 0.01; over the rate's summed net of 0.10 it is 0.02 as well, and the
    # line without an item adds nothing
    assert (invoice["TotalAmt"], invoice["TxnTaxDetail"]["TotalTax"], invoice["Balance"]) == (
        0.12,
        0.02,
        0.12,
    )
    assert invoice["Line"][2]["DetailType"] == "DescriptionOnly"


async def test_a_uk_line_without_a_vat_code_is_refused(api: httpx.AsyncClient) -> None:
    item = await a_service_item(api)
    customer = (await create(api, "Customer", {"DisplayName": "Ada"})).json()["Customer"]["Id"]
    line = {
        "DetailType": "SalesItemLineDetail",
        "Amount": 10.0,
        "SalesItemLineDetail": {"ItemRef": {"value": item}},
    }

    refused = await create(
        api,
        "Invoice",
        {"CustomerRef": {"value": customer}, "GlobalTaxCalculation": "TaxExcluded", "Line": [line]},
    )

    assert refused.json()["Fault"]["Error"][0]["code"] == "6000"


async def test_a_duplicate_invoice_number_is_refused(api: httpx.AsyncClient) -> None:
    item = await a_service_item(api)
    standard = (await first(api, "TaxCode", "Name = '20.0% S'"))["Id"]
    customer = (await create(api, "Customer", {"DisplayName": "Ada"})).json()["Customer"]["Id"]
    body = {
        "CustomerRef": {"value": customer},
        "DocNumber": "INV-1",
        "GlobalTaxCalculation": "TaxExcluded",
        "Line": [sales_line(item, standard, 2, "50")],
    }

    assert (await create(api, "Invoice", body)).status_code == 200
    again = await create(api, "Invoice", body)

    assert again.json()["Fault"]["Error"][0]["code"] == "6140"


async def test_a_payment_and_a_credit_memo_bring_the_customer_balance_to_nothing(
    api: httpx.AsyncClient,
) -> None:
    item = await a_service_item(api)
    standard = (await first(api, "TaxCode", "Name = '20.0% S'"))["Id"]
    customer = (await create(api, "Customer", {"DisplayName": "Ada"})).json()["Customer"]["Id"]
    invoice = (
        await create(
            api,
            "Invoice",
            {
                "CustomerRef": {"value": customer},
                "GlobalTaxCalculation": "TaxExcluded",
                "Line": [sales_line(item, standard, 2, "50")],
            },
        )
    ).json()["Invoice"]
    memo = (
        await create(
            api,
            "CreditMemo",
            {
                "CustomerRef": {"value": customer},
                "GlobalTaxCalculation": "TaxExcluded",
                "Line": [sales_line(item, standard, 1, "10")],
            },
        )
    ).json()["CreditMemo"]
    lines = [
        {"Amount": 120.0, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]},
        {"Amount": 12.0, "LinkedTxn": [{"TxnId": memo["Id"], "TxnType": "CreditMemo"}]},
    ]

    paid = await create(
        api, "Payment", {"CustomerRef": {"value": customer}, "TotalAmt": 108.0, "Line": lines}
    )

    assert paid.status_code == 200, paid.text
    assert (await api.get(f"/invoice/{invoice['Id']}")).json()["Invoice"]["Balance"] == 0
    assert (await api.get(f"/customer/{customer}")).json()["Customer"]["Balance"] == 0


async def test_a_batch_answers_each_operation_on_its_own(api: httpx.AsyncClient) -> None:
    await create(api, "Customer", {"DisplayName": "Taken"})
    items = [
        {"bId": "1", "operation": "create", "Customer": {"DisplayName": "Fresh"}},
        {"bId": "2", "operation": "create", "Customer": {"DisplayName": "Taken"}},
        {"bId": "3", "Query": "select * from Customer where DisplayName = 'Fresh'"},
    ]

    reply = await api.post(
        "/batch", json={"BatchItemRequest": items}, params={"requestid": "b-1", "minorversion": "75"}
    )
    again = await api.post(
        "/batch", json={"BatchItemRequest": items}, params={"requestid": "b-1", "minorversion": "75"}
    )

    answers = {a["bId"]: a for a in reply.json()["BatchItemResponse"]}
    assert answers["1"]["Customer"]["DisplayName"] == "Fresh"
    assert answers["2"]["Fault"]["Error"][0]["code"] == "6240"
    assert answers["3"]["QueryResponse"]["Customer"][0]["DisplayName"] == "Fresh"
    assert again.json()["BatchItemResponse"] == reply.json()["BatchItemResponse"]


async def test_a_batch_past_its_size_is_refused(api: httpx.AsyncClient) -> None:
    items = [{"bId": str(n), "operation": "create", "Customer": {"DisplayName": f"C{n}"}} for n in range(31)]

    reply = await api.post("/batch", json={"BatchItemRequest": items})

    assert reply.status_code == 400


@pytest.mark.parametrize(
    "text",
    [
        "select * from Customer where DisplayName = 'a' or DisplayName = 'b'",
        "select DisplayName from Customer",
        "select * from Customer maxresults 1001",
        "delete from Customer",
    ],
)
async def test_a_query_outside_the_subset_is_refused_clearly(api: httpx.AsyncClient, text: str) -> None:
    reply = await api.get("/query", params={"query": text})

    assert reply.status_code == 400
    assert reply.json()["Fault"]["Error"][0]["code"] == "4000"


async def test_a_query_pages_with_startposition_and_maxresults_and_an_empty_page_is_empty(
    api: httpx.AsyncClient,
) -> None:
    for n in range(5):
        await create(api, "Customer", {"DisplayName": f"Customer {n}"})

    page = await query(api, "select * from Customer startposition 4 maxresults 2")
    past = await query(api, "select * from Customer startposition 6 maxresults 2")

    assert [c["DisplayName"] for c in page["Customer"]] == ["Customer 3", "Customer 4"]
    assert past == {}


async def test_the_limits_and_injected_faults_answer_with_throttle_faults(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    await admin.post("/_sandbox/faults", json={"rate_limit_burst": 1})

    throttled = await api.get("/preferences")

    assert throttled.status_code == 429
    assert throttled.json()["Fault"]["Error"][0]["code"] == "3001"
    assert "retry-after" not in throttled.headers
    assert (await api.get("/preferences")).status_code == 200


async def test_a_token_for_another_company_or_an_old_minor_version_is_refused(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    other = (await admin.post("/_sandbox/seed", json={"name": "Other Ltd"})).json()["id"]

    assert (await api.get(f"http://qbo.test/v3/company/{other}/preferences")).status_code == 403
    assert (await api.get("/preferences", params={"minorversion": "40"})).status_code == 400


async def test_a_fault_can_come_inside_an_http_200(
    app: object, api: httpx.AsyncClient, sandbox: QuickBooksSandbox
) -> None:
    from dataclasses import replace

    sandbox.config = replace(sandbox.config, faults_inside_200=True)
    await create(api, "Customer", {"DisplayName": "Ada"})

    clash = await create(api, "Customer", {"DisplayName": "Ada"})

    assert clash.status_code == 200
    assert clash.json()["Fault"]["Error"][0]["code"] == "6240"
