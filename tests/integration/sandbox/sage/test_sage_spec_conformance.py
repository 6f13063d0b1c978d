"""The sandbox's own body models agree with Sage's published spec, both ways."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from ledgerlink.sandbox.sage import bodies
from tests.support.sage_spec import body_errors, requires_spec, spec

pytestmark = [pytest.mark.spec, requires_spec]

ID = "0" * 32
LINE = {"description": "Service", "ledger_account_id": ID, "unit_price": 100.0}
PURCHASE_LINE = {**LINE, "quantity": 1.0}

# path -> (root key, a minimal body the spec accepts, a fuller one)
ACCEPTED: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {
    "/ledger_accounts": (
        "ledger_account",
        {
            "ledger_account_type_id": "OVERHEADS",
            "included_in_chart": True,
            "name": "Tools",
            "display_name": "Tools",
            "nominal_code": 7350,
        },
        {
            "ledger_account_type_id": "DIRECT_EXPENSES",
            "included_in_chart": True,
            "name": "Skip hire",
            "display_name": "Skip hire",
            "nominal_code": 5300,
            "tax_rate_id": "GB_STANDARD",
        },
    ),
    "/contacts": (
        "contact",
        {"name": "Ada", "contact_type_ids": ["CUSTOMER"]},
        {
            "name": "Ada",
            "contact_type_ids": ["CUSTOMER"],
            "reference": "ADA01",
            "tax_number": "GB123456789",
            "credit_days": 30,
            "main_address": {"address_line_1": "1 High St", "city": "Leeds", "postal_code": "LS1 1AA"},
            "main_contact_person": {"name": "Ada", "email": "ada@example.com", "telephone": "0113 000 0000"},
            "idempotency_id": ID,
        },
    ),
    "/sales_invoices": (
        "sales_invoice",
        {"contact_id": ID, "date": "2026-02-01", "invoice_lines": [LINE]},
        {
            "contact_id": ID,
            "date": "2026-02-01",
            "due_date": "2026-03-01",
            "reference": "INV-1",
            "net_amount": 100.0,
            "tax_amount": 20.0,
            "total_amount": 120.0,
            "invoice_lines": [
                {**LINE, "quantity": 1, "tax_rate_id": "GB_STANDARD", "net_amount": 100.0, "tax_amount": 20.0}
            ],
        },
    ),
    "/sales_credit_notes": (
        "sales_credit_note",
        {"contact_id": ID, "date": "2026-02-01", "credit_note_lines": [LINE]},
        {"contact_id": ID, "date": "2026-02-01", "reference": "CN-1", "credit_note_lines": [LINE, LINE]},
    ),
    "/purchase_invoices": (
        "purchase_invoice",
        {"contact_id": ID, "date": "2026-02-01", "due_date": "2026-03-01", "invoice_lines": [PURCHASE_LINE]},
        {
            "contact_id": ID,
            "date": "2026-02-01",
            "due_date": "2026-03-01",
            "vendor_reference": "B-77",
            "invoice_lines": [{**PURCHASE_LINE, "tax_rate_id": "GB_ZERO"}],
        },
    ),
    "/purchase_credit_notes": (
        "purchase_credit_note",
        {"contact_id": ID, "date": "2026-02-01", "credit_note_lines": [PURCHASE_LINE]},
        {
            "contact_id": ID,
            "date": "2026-02-01",
            "inverse_exchange_rate": "1.0",
            "credit_note_lines": [PURCHASE_LINE],
        },
    ),
    "/contact_payments": (
        "contact_payment",
        {
            "transaction_type_id": "CUSTOMER_RECEIPT",
            "contact_id": ID,
            "bank_account_id": ID,
            "date": "2026-02-01",
            "total_amount": 10.0,
        },
        {
            "transaction_type_id": "CUSTOMER_RECEIPT",
            "contact_id": ID,
            "bank_account_id": ID,
            "date": "2026-02-01",
            "total_amount": 10.0,
            "reference": "P1",
            "payment_method_id": "BANK_TRANSFER",
            "allocated_artefacts": [{"artefact_id": ID, "amount": 6.0}],
            "payment_on_account": {"total_amount": 4.0},
        },
    ),
    "/contact_opening_balances": (
        "contact_opening_balance",
        {
            "contact_opening_balance_type_id": "INVOICE",
            "date": "2025-02-03",
            "contact_id": ID,
            "reference": "INV-1001",
            "total_amount": 120.0,
        },
        {
            "contact_opening_balance_type_id": "CREDIT_NOTE",
            "transaction_type_id": "VENDOR_OPENING_BALANCE_CREDIT_NOTE",
            "date": "2025-02-03",
            "contact_id": ID,
            "reference": "CN-7",
            "details": "Open at 06/04/2025: 30.00 of 60.00",
            "net_amount": 30.0,
            "tax_amount": 0.0,
            "total_amount": 30.0,
            "idempotency_id": ID,
        },
    ),
    "/contact_allocations": (
        "contact_allocation",
        {"transaction_type_id": "CUSTOMER_ALLOCATION", "contact_id": ID, "allocated_artefacts": []},
        {
            "transaction_type_id": "CUSTOMER_ALLOCATION",
            "contact_id": ID,
            "date": "2026-02-01",
            "allocated_artefacts": [{"artefact_id": ID, "amount": 5.0}, {"artefact_id": ID, "amount": -5.0}],
        },
    ),
}


def _refused_variants(root: str, body: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """Bodies the spec refuses, each with the field that makes it so: a required field left out, or a
    field the sandbox models sent with the wrong JSON type."""
    variants: list[tuple[str, dict[str, Any]]] = []
    definition = spec()["definitions"]
    schema_name = next(
        p["schema"]["$ref"].split("/")[-1]
        for path, ops in spec()["paths"].items()
        for p in ops.get("post", {}).get("parameters", [])
        if p.get("in") == "body"
        and root in definition[p["schema"]["$ref"].split("/")[-1]].get("properties", {})
    )
    root_schema = definition[schema_name]["properties"][root]
    if "$ref" in root_schema:
        root_schema = definition[root_schema["$ref"].split("/")[-1]]
    for name in root_schema.get("required", []):
        trimmed = copy.deepcopy(body)
        trimmed.pop(name, None)
        variants.append((name, trimmed))
    modelled = bodies.BODIES[root][0].model_fields
    for name, value in body.items():
        if name not in modelled or name == "idempotency_id":
            continue
        wrong: Any = 12 if isinstance(value, str) else ("twelve" if isinstance(value, int | float) else None)
        if wrong is None:
            continue
        variants.append((name, {**body, name: wrong}))
    return variants


@pytest.mark.parametrize("path", sorted(ACCEPTED))
def test_bodies_the_spec_accepts_are_accepted_by_the_sandbox_models(path: str):
    root, minimal, fuller = ACCEPTED[path]
    for body in (minimal, fuller):
        assert body_errors("POST", path, {root: body}) == []
        bodies.parse_body(root, {root: body})


@pytest.mark.parametrize("path", sorted(ACCEPTED))
async def test_bodies_the_spec_refuses_are_refused_by_the_sandbox_with_sages_error_shape(
    path: str, api: httpx.AsyncClient
):
    root, _minimal, fuller = ACCEPTED[path]
    variants = _refused_variants(root, fuller)
    assert variants
    for field, body in variants:
        assert body_errors("POST", path, {root: body}), f"the spec accepts {field!r} as sent"
        reply = await api.post(path, json={root: body})
        assert reply.status_code == 422, (field, reply.text)
        sources = [diagnosis["$source"] for diagnosis in reply.json()]
        assert field in sources, (field, sources)


async def test_a_line_missing_its_required_fields_is_refused_by_both(api: httpx.AsyncClient):
    body = {
        "sales_invoice": {"contact_id": ID, "date": "2026-02-01", "invoice_lines": [{"description": "x"}]}
    }
    assert body_errors("POST", "/sales_invoices", body)
    reply = await api.post("/sales_invoices", json=body)
    sources = {d["$source"] for d in reply.json()}
    assert {"invoice_lines.0.ledger_account_id", "invoice_lines.0.unit_price"} <= sources
