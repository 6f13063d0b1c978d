"""The Sage sandbox answers like Sage v3.1 and enforces Sage's rules, in Sage's error shape."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
import pytest

from ledgerlink.sandbox.kit import ManualClock
from ledgerlink.sandbox.sage.app import SageSandbox, SageSandboxConfig


async def ids(api: httpx.AsyncClient, path: str, **params: Any) -> dict[str, Any]:
    """Items of a list, keyed by a readable key (nominal code, tax rate id, contact reference)."""
    reply = await api.get(path, params={"attributes": "all", "items_per_page": 200, **params})
    assert reply.status_code == 200, reply.text
    out: dict[str, Any] = {}
    for item in reply.json()["$items"]:
        key = item.get("nominal_code") or item.get("reference") or item["id"]
        out[str(key)] = item
    return out


def _sources(reply: httpx.Response) -> list[str]:
    body = reply.json()
    assert isinstance(body, list), body
    for diagnosis in body:
        assert set(diagnosis) == {"$severity", "$dataCode", "$message", "$source"}
    return [d["$source"] for d in body]


async def _accounts(api: httpx.AsyncClient) -> dict[str, Any]:
    return await ids(api, "/ledger_accounts")


async def _customer(api: httpx.AsyncClient) -> str:
    return str((await ids(api, "/contacts"))["ADA01"]["id"])


async def _supplier(api: httpx.AsyncClient) -> str:
    return str((await ids(api, "/contacts"))["PIPES"]["id"])


def _line(
    account_id: str, *, net: str = "100.00", rate: str = "GB_STANDARD", tax: str | None = "20.00"
) -> dict:
    line: dict[str, Any] = {
        "description": "Boiler service",
        "ledger_account_id": account_id,
        "quantity": 1,
        "unit_price": float(net),
        "net_amount": float(net),
        "tax_rate_id": rate,
    }
    if tax is not None:
        line["tax_amount"] = float(tax)
        line["total_amount"] = float(Decimal(net) + Decimal(tax))
    return line


async def _invoice(api: httpx.AsyncClient, **overrides: Any) -> httpx.Response:
    accounts = await _accounts(api)
    body = {
        "contact_id": await _customer(api),
        "date": "2026-02-01",
        "reference": "INV-1001",
        "invoice_lines": [_line(accounts["4000"]["id"])],
        **overrides,
    }
    return await api.post("/sales_invoices", json={"sales_invoice": body})


async def test_a_seeded_business_has_a_uk_chart_bank_accounts_and_gb_tax_rates(api: httpx.AsyncClient):
    accounts = await _accounts(api)
    assert accounts["4000"]["ledger_account_type"]["id"] == "SALES"
    assert accounts["5000"]["ledger_account_type"]["id"] == "DIRECT_EXPENSES"
    assert accounts["1200"]["ledger_account_type"]["id"] == "BANK"
    rates = await ids(api, "/tax_rates")
    assert rates["GB_STANDARD"]["percentage"] == 20.0
    assert {"GB_LOWER", "GB_ZERO", "GB_EXEMPT", "GB_NO_TAX"} <= set(rates)
    banks = (await api.get("/bank_accounts", params={"attributes": "all"})).json()["$items"]
    assert {bank["nominal_code"] for bank in banks} == {1200, 1210, 1230}


async def test_every_reply_echoes_the_business_and_an_unknown_business_is_refused(
    api: httpx.AsyncClient, business_id: str
):
    reply = await api.get("/contacts")
    assert reply.headers["X-Business"] == business_id
    refused = await api.get("/contacts", headers={"X-Business": "0" * 32})
    assert refused.status_code == 401
    assert refused.json()[0]["$dataCode"] == "AuthorizationFailure"


async def test_without_x_business_the_lead_business_answers(api: httpx.AsyncClient, business_id: str):
    del api.headers["X-Business"]
    reply = await api.get("/contacts")
    assert reply.status_code == 200
    assert reply.headers["X-Business"] == business_id


async def test_a_missing_or_expired_token_is_refused_with_an_authorization_failure(
    api: httpx.AsyncClient, clock: ManualClock
):
    clock.advance(301)
    reply = await api.get("/contacts")
    assert reply.status_code == 401
    assert reply.json()[0]["$dataCode"] == "AuthorizationFailure"


async def test_a_body_not_wrapped_in_its_resource_name_is_refused(api: httpx.AsyncClient):
    reply = await api.post("/contacts", json={"name": "Bare", "contact_type_ids": ["CUSTOMER"]})
    assert reply.status_code == 422
    assert _sources(reply) == ["contact"]


async def test_a_contact_reference_is_unique_and_contact_types_must_be_known(api: httpx.AsyncClient):
    duplicate = await api.post(
        "/contacts",
        json={"contact": {"name": "Ada again", "contact_type_ids": ["CUSTOMER"], "reference": "ADA01"}},
    )
    assert duplicate.status_code == 422
    assert _sources(duplicate) == ["reference"]
    assert duplicate.json()[0]["$dataCode"] == "ValidationError"
    unknown = await api.post("/contacts", json={"contact": {"name": "X", "contact_type_ids": ["FRIEND"]}})
    assert _sources(unknown) == ["contact_type_ids.0"]
    created = await api.post(
        "/contacts",
        json={"contact": {"name": "Grace Hopper", "contact_type_ids": ["CUSTOMER"], "reference": "GH1"}},
    )
    assert created.status_code == 201
    assert created.json()["reference"] == "GH1"


async def test_an_invoice_is_created_with_its_lines_totals_and_unpaid_status(api: httpx.AsyncClient):
    reply = await _invoice(api)
    assert reply.status_code == 201, reply.text
    invoice = reply.json()
    assert (invoice["net_amount"], invoice["tax_amount"], invoice["total_amount"]) == (100.0, 20.0, 120.0)
    assert invoice["status"]["id"] == "UNPAID"
    assert invoice["invoice_number"] == "SI-1"
    assert invoice["reference"] == "INV-1001"


async def test_a_line_on_a_non_zero_rate_needs_a_tax_amount_that_matches_the_rate(api: httpx.AsyncClient):
    accounts = await _accounts(api)
    missing = await _invoice(api, invoice_lines=[_line(accounts["4000"]["id"], tax=None)])
    assert missing.status_code == 422
    assert _sources(missing) == ["invoice_lines.0.tax_amount"]
    wrong = await _invoice(api, invoice_lines=[_line(accounts["4000"]["id"], tax="19.99")])
    assert _sources(wrong) == ["invoice_lines.0.tax_amount"]
    zero_rated = await _invoice(api, invoice_lines=[_line(accounts["4000"]["id"], rate="GB_ZERO", tax=None)])
    assert zero_rated.status_code == 201


async def test_tax_rates_and_ledger_accounts_must_exist_and_suit_the_side(api: httpx.AsyncClient):
    accounts = await _accounts(api)
    bad_rate = await _invoice(api, invoice_lines=[_line(accounts["4000"]["id"], rate="GB_MADE_UP")])
    assert "invoice_lines.0.tax_rate_id" in _sources(bad_rate)
    expense_on_sale = await _invoice(api, invoice_lines=[_line(accounts["7100"]["id"])])
    assert _sources(expense_on_sale) == ["invoice_lines.0.ledger_account_id"]
    unknown = await _invoice(api, invoice_lines=[_line("f" * 32)])
    assert _sources(unknown) == ["invoice_lines.0.ledger_account_id"]


async def test_a_purchase_invoice_needs_a_due_date_and_line_quantities(api: httpx.AsyncClient):
    accounts = await _accounts(api)
    line = _line(accounts["5000"]["id"])
    del line["quantity"]
    body = {"contact_id": await _supplier(api), "date": "2026-02-01", "invoice_lines": [line]}
    reply = await api.post("/purchase_invoices", json={"purchase_invoice": body})
    assert reply.status_code == 422
    assert sorted(_sources(reply)) == ["due_date", "invoice_lines.0.quantity"]


async def test_dates_on_or_before_the_lockdown_date_are_refused(
    api: httpx.AsyncClient, admin: httpx.AsyncClient, business_id: str
):
    await admin.post(f"/_sandbox/businesses/{business_id}", json={"year_end_lockdown_date": "2026-01-31"})
    locked = await _invoice(api, date="2026-01-31")
    assert _sources(locked) == ["date"]
    assert (await _invoice(api, date="2026-02-01")).status_code == 201


async def test_status_is_derived_from_payments_and_payments_obey_sages_rules(api: httpx.AsyncClient):
    invoice = (await _invoice(api)).json()
    banks = (await api.get("/bank_accounts", params={"attributes": "all"})).json()["$items"]
    bank_id = next(b["id"] for b in banks if b["nominal_code"] == 1200)
    ledger_not_bank = banks[0]["ledger_account"]["id"]
    contact_id = invoice["contact"]["id"]

    def receipt(amount: float, allocated: float, bank: str = bank_id, **extra: Any) -> dict:
        return {
            "contact_payment": {
                "transaction_type_id": "CUSTOMER_RECEIPT",
                "contact_id": contact_id,
                "bank_account_id": bank,
                "date": "2026-02-10",
                "total_amount": amount,
                "allocated_artefacts": [{"artefact_id": invoice["id"], "amount": allocated}],
                **extra,
            }
        }

    assert _sources(await api.post("/contact_payments", json=receipt(50, 50, ledger_not_bank))) == [
        "bank_account_id"
    ]
    assert _sources(await api.post("/contact_payments", json=receipt(200, 200))) == [
        "allocated_artefacts.0.amount"
    ]
    assert _sources(await api.post("/contact_payments", json=receipt(60, 50))) == ["total_amount"]
    part = await api.post("/contact_payments", json=receipt(50, 50))
    assert part.status_code == 201
    assert (await api.get(f"/sales_invoices/{invoice['id']}")).json()["status"]["id"] == "PART_PAID"
    rest = await api.post("/contact_payments", json=receipt(80, 70, payment_on_account={"total_amount": 10}))
    assert rest.status_code == 201, rest.text
    paid = (await api.get(f"/sales_invoices/{invoice['id']}")).json()
    assert (paid["status"]["id"], paid["outstanding_amount"]) == ("PAID", 0.0)
    balance = (await api.get(f"/contacts/{contact_id}")).json()["balance"]
    assert balance == -10.0
    supplier_payment = receipt(10, 10)
    supplier_payment["contact_payment"]["transaction_type_id"] = "VENDOR_PAYMENT"
    assert (await api.post("/contact_payments", json=supplier_payment)).status_code == 422


async def test_a_payment_changed_in_place_moves_what_it_settles_or_stands_as_it_was(api: httpx.AsyncClient):
    invoice = (await _invoice(api)).json()
    bank_id = (await api.get("/bank_accounts")).json()["$items"][0]["id"]
    payment = {
        "transaction_type_id": "CUSTOMER_RECEIPT",
        "contact_id": invoice["contact"]["id"],
        "bank_account_id": bank_id,
        "date": "2026-02-10",
        "total_amount": 50.0,
        "allocated_artefacts": [{"artefact_id": invoice["id"], "amount": 50.0}],
    }
    made = (await api.post("/contact_payments", json={"contact_payment": payment})).json()
    less = {"total_amount": 30.0, "allocated_artefacts": [{"artefact_id": invoice["id"], "amount": 30.0}]}

    changed = await api.put(f"/contact_payments/{made['id']}", json={"contact_payment": less})
    too_much = {
        "total_amount": 500.0,
        "allocated_artefacts": [{"artefact_id": invoice["id"], "amount": 500.0}],
    }
    refused = await api.put(f"/contact_payments/{made['id']}", json={"contact_payment": too_much})

    assert changed.status_code == 200, changed.text
    assert changed.json()["id"] == made["id"]
    assert changed.json()["total_amount"] == 30.0
    assert _sources(refused) == ["allocated_artefacts.0.amount"]
    owed = (await api.get(f"/sales_invoices/{invoice['id']}")).json()
    assert (
        owed["outstanding_amount"] == owed["total_amount"] - 30.0
    )  # the change stands; the refusal did nothing
    assert [p["id"] for p in (await api.get("/contact_payments")).json()["$items"]] == [made["id"]]


async def test_a_credit_note_is_allocated_only_by_a_zero_sum_allocation(api: httpx.AsyncClient):
    invoice = (await _invoice(api)).json()
    accounts = await _accounts(api)
    credit = await api.post(
        "/sales_credit_notes",
        json={
            "sales_credit_note": {
                "contact_id": invoice["contact"]["id"],
                "date": "2026-02-02",
                "credit_note_lines": [_line(accounts["4000"]["id"], net="40.00", tax="8.00")],
            }
        },
    )
    assert credit.status_code == 201, credit.text

    def allocation(invoice_amount: float, credit_amount: float) -> dict:
        return {
            "contact_allocation": {
                "transaction_type_id": "CUSTOMER_ALLOCATION",
                "contact_id": invoice["contact"]["id"],
                "allocated_artefacts": [
                    {"artefact_id": invoice["id"], "amount": invoice_amount},
                    {"artefact_id": credit.json()["id"], "amount": credit_amount},
                ],
            }
        }

    assert _sources(await api.post("/contact_allocations", json=allocation(48, -40))) == [
        "allocated_artefacts"
    ]
    assert (await api.post("/contact_allocations", json=allocation(48, -48))).status_code == 201
    assert (await api.get(f"/sales_invoices/{invoice['id']}")).json()["outstanding_amount"] == 72.0
    assert (await api.get(f"/sales_credit_notes/{credit.json()['id']}")).json()["status"]["id"] == "PAID"


async def test_voiding_needs_a_reason_and_leaves_a_void_invoice(api: httpx.AsyncClient):
    invoice = (await _invoice(api)).json()
    no_reason = await api.delete(f"/sales_invoices/{invoice['id']}")
    assert _sources(no_reason) == ["void_reason"]
    voided = await api.delete(f"/sales_invoices/{invoice['id']}", params={"void_reason": "raised in error"})
    assert voided.status_code == 200
    after = (await api.get(f"/sales_invoices/{invoice['id']}")).json()
    assert (after["status"]["id"], after["void_reason"]) == ("VOID", "raised in error")


async def test_status_sent_on_write_is_ignored(api: httpx.AsyncClient):
    reply = await _invoice(api, status_id="PAID")
    assert reply.json()["status"]["id"] == "UNPAID"


async def test_a_repeated_idempotency_id_replays_the_first_reply_without_a_second_record(
    api: httpx.AsyncClient, sandbox: SageSandbox, business_id: str
):
    key = "a" * 32
    first = await _invoice(api, idempotency_id=key)
    again = await _invoice(api, idempotency_id=key)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert sandbox.state.business(business_id).counts()["sales_invoices"] == 1
    sandbox.replies.on_conflict = "refuse"
    different = await _invoice(api, idempotency_id=key, reference="OTHER")
    assert _sources(different) == ["idempotency_id"]


async def test_paging_returns_the_last_page_past_the_end_and_next_is_null_there(api: httpx.AsyncClient):
    for index in range(5):
        body = {"contact": {"name": f"C{index}", "contact_type_ids": ["CUSTOMER"], "reference": f"C{index}"}}
        assert (await api.post("/contacts", json=body)).status_code == 201
    first = (await api.get("/contacts", params={"items_per_page": 3})).json()
    assert (first["$total"], first["$page"], len(first["$items"])) == (7, 1, 3)
    assert set(first["$items"][0]) == {"id", "displayed_as", "$path"}
    assert first["$next"].startswith("/contacts?")
    past = (await api.get("/contacts", params={"items_per_page": 3, "page": 9})).json()
    assert (past["$page"], past["$next"], len(past["$items"])) == (3, None, 1)
    too_many = await api.get("/contacts", params={"items_per_page": 201})
    assert _sources(too_many) == ["items_per_page"]


async def test_updated_or_created_since_is_inclusive(api: httpx.AsyncClient, clock: ManualClock):
    clock.advance(120)  # everything seeded is now two minutes older
    created = await api.post("/contacts", json={"contact": {"name": "Late", "contact_type_ids": ["VENDOR"]}})
    since = created.json()["updated_at"]
    found = (await api.get("/contacts", params={"updated_or_created_since": since})).json()
    assert [item["id"] for item in found["$items"]] == [created.json()["id"]]


async def test_search_matches_a_contact_reference_and_name(api: httpx.AsyncClient):
    by_reference = (await api.get("/contacts", params={"search": "ada01"})).json()["$items"]
    by_name = (await api.get("/contacts", params={"search": "lovelace"})).json()["$items"]
    assert [c["id"] for c in by_reference] == [c["id"] for c in by_name]
    assert len(by_reference) == 1


async def test_the_start_tier_refuses_purchase_invoices_and_allocations(
    api: httpx.AsyncClient, admin: httpx.AsyncClient, business_id: str
):
    await admin.post(f"/_sandbox/businesses/{business_id}", json={"tier": "start"})
    reply = await api.post("/contact_allocations", json={"contact_allocation": {}})
    assert reply.status_code == 403
    assert reply.json()[0]["$dataCode"] == "FeatureNotAvailable"


async def test_the_rate_limit_answers_429_in_the_error_shape_with_retry_after(
    api: httpx.AsyncClient, admin: httpx.AsyncClient
):
    assert (await admin.post("/_sandbox/limits", json={"per_minute": 3})).json()["per_minute"] == 3
    statuses = [(await api.get("/tax_rates")).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    refused = await api.get("/tax_rates")
    assert refused.json()[0]["$dataCode"] == "RateLimitExceeded"
    assert int(refused.headers["Retry-After"]) >= 1


async def test_a_contact_with_transactions_cannot_be_deleted(api: httpx.AsyncClient):
    invoice = (await _invoice(api)).json()
    reply = await api.delete(f"/contacts/{invoice['contact']['id']}")
    assert reply.status_code == 422
    spare = await api.post("/contacts", json={"contact": {"name": "Spare", "contact_type_ids": ["CUSTOMER"]}})
    assert (await api.delete(f"/contacts/{spare.json()['id']}")).status_code == 204


async def test_an_unpaid_invoice_can_be_edited_but_a_paid_one_cannot(api: httpx.AsyncClient):
    invoice = (await _invoice(api)).json()
    edited = await api.put(
        f"/sales_invoices/{invoice['id']}", json={"sales_invoice": {"notes": "call first"}}
    )
    assert edited.status_code == 200
    assert edited.json()["notes"] == "call first"
    assert edited.json()["total_amount"] == 120.0
    payment = {
        "transaction_type_id": "CUSTOMER_RECEIPT",
        "contact_id": invoice["contact"]["id"],
        "bank_account_id": (await api.get("/bank_accounts")).json()["$items"][0]["id"],
        "date": "2026-02-10",
        "total_amount": 120.0,
        "allocated_artefacts": [{"artefact_id": invoice["id"], "amount": 120.0}],
    }
    assert (await api.post("/contact_payments", json={"contact_payment": payment})).status_code == 201
    refused = await api.put(f"/sales_invoices/{invoice['id']}", json={"sales_invoice": {"notes": "late"}})
    assert refused.status_code == 422


async def test_injected_faults_answer_500_and_drop_replies_after_storing(
    api: httpx.AsyncClient, admin: httpx.AsyncClient, sandbox: SageSandbox, business_id: str
):
    await admin.post("/_sandbox/faults", json={"business_id": business_id, "error_rate": 1.0})
    assert (await api.get("/contacts")).status_code == 500
    await admin.post("/_sandbox/faults", json={"business_id": business_id, "drop_after_store_rate": 1.0})
    with pytest.raises(httpx.ReadError):
        await api.post(
            "/contacts", json={"contact": {"name": "Lost reply", "contact_type_ids": ["CUSTOMER"]}}
        )
    state = (await admin.get("/_sandbox/state")).json()
    assert state["businesses"][0]["counts"]["contacts"] == 3


async def test_an_expired_token_fault_refuses_tokens_issued_before_it(
    api: httpx.AsyncClient, admin: httpx.AsyncClient, business_id: str
):
    await admin.post("/_sandbox/faults", json={"business_id": business_id, "expire_tokens": True})
    assert (await api.get("/contacts")).status_code == 401


async def test_deleted_since_reports_deletions_after_the_bound_only(
    api: httpx.AsyncClient, clock: ManualClock
):
    spare = (
        await api.post("/contacts", json={"contact": {"name": "Spare", "contact_type_ids": ["CUSTOMER"]}})
    ).json()
    clock.advance(5)
    assert (await api.delete(f"/contacts/{spare['id']}")).status_code == 204
    deleted_at = "2026-01-01T00:00:05Z"
    before = (await api.get("/contacts", params={"deleted_since": "2026-01-01T00:00:04Z"})).json()["$items"]
    assert [(item["id"], item["deleted_at"]) for item in before] == [(spare["id"], deleted_at)]
    at = (await api.get("/contacts", params={"deleted_since": deleted_at})).json()["$items"]
    assert at == []  # exclusive


@pytest.mark.parametrize("config", [SageSandboxConfig(clock=ManualClock(1_767_225_600.0), time_scale=60)])
async def test_a_sandbox_sixty_times_faster_keeps_the_limit_and_asks_for_a_second_not_a_minute(
    api: httpx.AsyncClient, admin: httpx.AsyncClient, sandbox: SageSandbox
):
    await admin.post("/_sandbox/limits", json={"per_minute": 3})
    statuses = [(await api.get("/tax_rates")).status_code for _ in range(4)]
    refused = await api.get("/tax_rates")
    sandbox.config.clock.advance(1.0)  # type: ignore[attr-defined]
    again = await api.get("/tax_rates")
    state = (await admin.get("/_sandbox/state")).json()

    assert statuses == [200, 200, 200, 429]
    assert 0 < float(refused.headers["Retry-After"]) <= 1.0
    assert again.status_code == 200
    assert state["time_scale"] == 60
