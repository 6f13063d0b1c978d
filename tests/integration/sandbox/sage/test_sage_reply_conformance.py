"""Every reply the Sage sandbox gives carries only fields of Sage's read models, as published.

A connector written against the sandbox must not come to rely on a field real Sage never sends: each
reply below is walked against the response schema the spec gives its operation, and every key the
spec's object has no property for is reported with its path.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.support.sage_spec import reply_problems, requires_spec

pytestmark = [pytest.mark.spec, requires_spec]


async def checked(api: httpx.AsyncClient, method: str, path: str, template: str, **kwargs: Any) -> Any:
    """Make the call and hold its reply to what the spec says the operation answers."""
    reply = await api.request(method, path, **kwargs)
    assert reply.status_code < 300, reply.text
    body = reply.json() if reply.content else None
    problems = reply_problems(method, template, reply.status_code, body)
    assert problems == [], f"{method} {template}: {problems}"
    return body


async def _list(api: httpx.AsyncClient, path: str) -> dict[str, Any]:
    body = await checked(api, "GET", path, path, params={"attributes": "all", "items_per_page": 200})
    return {
        str(item.get("nominal_code") or item.get("reference") or item["id"]): item for item in body["$items"]
    }


def _line(account_id: str) -> dict[str, Any]:
    return {
        "description": "Boiler service",
        "ledger_account_id": account_id,
        "quantity": 1,
        "unit_price": 100.0,
        "net_amount": 100.0,
        "tax_rate_id": "GB_STANDARD",
        "tax_amount": 20.0,
        "total_amount": 120.0,
    }


async def test_every_reply_a_send_meets_carries_only_fields_of_sages_read_models(api: httpx.AsyncClient):
    accounts = await _list(api, "/ledger_accounts")
    banks = await _list(api, "/bank_accounts")
    await _list(api, "/tax_rates")
    await checked(api, "GET", "/financial_settings", "/financial_settings")
    customer = await checked(
        api,
        "POST",
        "/contacts",
        "/contacts",
        json={
            "contact": {
                "name": "Hollis Plumbing",
                "contact_type_ids": ["CUSTOMER"],
                "reference": "HOLLIS",
                "tax_number": "GB980780684",
                "main_address": {"address_line_1": "1 High St", "postal_code": "LS1 1AA", "country_id": "GB"},
                "main_contact_person": {"name": "Jo Hollis", "email": "jo@example.com"},
            }
        },
    )
    supplier = (await _list(api, "/contacts"))["PIPES"]
    await checked(api, "GET", f"/contacts/{customer['id']}", "/contacts/{key}")
    sales = accounts["4000"]["id"]
    purchases = accounts["5000"]["id"]
    invoice = await checked(
        api,
        "POST",
        "/sales_invoices",
        "/sales_invoices",
        json={
            "sales_invoice": {
                "contact_id": customer["id"],
                "date": "2026-02-01",
                "due_date": "2026-03-01",
                "reference": "INV-1",
                "invoice_lines": [_line(sales)],
            }
        },
    )
    second = await checked(
        api,
        "POST",
        "/sales_invoices",
        "/sales_invoices",
        json={
            "sales_invoice": {
                "contact_id": customer["id"],
                "date": "2026-02-01",
                "reference": "INV-2",
                "invoice_lines": [_line(sales)],
            }
        },
    )
    credit = await checked(
        api,
        "POST",
        "/sales_credit_notes",
        "/sales_credit_notes",
        json={
            "sales_credit_note": {
                "contact_id": customer["id"],
                "date": "2026-02-02",
                "reference": "CN-1",
                "original_invoice_date": "2026-02-01",
                "credit_note_lines": [_line(sales)],
            }
        },
    )
    await checked(
        api,
        "POST",
        "/purchase_invoices",
        "/purchase_invoices",
        json={
            "purchase_invoice": {
                "contact_id": supplier["id"],
                "date": "2026-02-01",
                "due_date": "2026-03-01",
                "reference": "B-1",
                "vendor_reference": "B-1",
                "invoice_lines": [_line(purchases)],
            }
        },
    )
    await checked(
        api,
        "POST",
        "/purchase_credit_notes",
        "/purchase_credit_notes",
        json={
            "purchase_credit_note": {
                "contact_id": supplier["id"],
                "date": "2026-02-02",
                "reference": "BC-1",
                "vendor_reference": "BC-1",
                "credit_note_lines": [_line(purchases)],
            }
        },
    )
    await checked(
        api,
        "POST",
        "/contact_allocations",
        "/contact_allocations",
        json={
            "contact_allocation": {
                "transaction_type_id": "CUSTOMER_ALLOCATION",
                "contact_id": customer["id"],
                "date": "2026-02-03",
                "allocated_artefacts": [
                    {"artefact_id": invoice["id"], "amount": 120.0},
                    {"artefact_id": credit["id"], "amount": -120.0},
                ],
            }
        },
    )
    payment = await checked(
        api,
        "POST",
        "/contact_payments",
        "/contact_payments",
        json={
            "contact_payment": {
                "transaction_type_id": "CUSTOMER_RECEIPT",
                "contact_id": customer["id"],
                "bank_account_id": banks["1200"]["id"],
                "date": "2026-02-04",
                "reference": "P-1",
                "total_amount": 50.0,
                "allocated_artefacts": [{"artefact_id": second["id"], "amount": 30.0}],
                "payment_on_account": {"total_amount": 20.0},
            }
        },
    )
    assert payment["payment_on_account"]["total_amount"] == 20.0
    await checked(api, "GET", f"/contact_payments/{payment['id']}", "/contact_payments/{key}")
    for path in (
        "/contacts",
        "/sales_invoices",
        "/sales_credit_notes",
        "/purchase_invoices",
        "/purchase_credit_notes",
        "/contact_payments",
        "/contact_allocations",
    ):
        await _list(api, path)
    for path in ("/sales_invoices", "/sales_credit_notes", "/purchase_invoices", "/purchase_credit_notes"):
        first = next(iter((await _list(api, path)).values()))
        await checked(api, "GET", f"{path}/{first['id']}", f"{path}/{{key}}")


async def test_voiding_a_sales_invoice_answers_200_with_the_voided_invoice(api: httpx.AsyncClient):
    accounts = await _list(api, "/ledger_accounts")
    customer = (await _list(api, "/contacts"))["ADA01"]
    invoice = await checked(
        api,
        "POST",
        "/sales_invoices",
        "/sales_invoices",
        json={
            "sales_invoice": {
                "contact_id": customer["id"],
                "date": "2026-02-01",
                "reference": "INV-9",
                "invoice_lines": [_line(accounts["4000"]["id"])],
            }
        },
    )
    voided = await checked(
        api,
        "DELETE",
        f"/sales_invoices/{invoice['id']}",
        "/sales_invoices/{key}",
        params={"void_reason": "raised in error"},
    )
    assert (voided["id"], voided["status"]["id"], voided["void_reason"]) == (
        invoice["id"],
        "VOID",
        "raised in error",
    )
