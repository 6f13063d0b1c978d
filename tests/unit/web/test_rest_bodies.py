"""A REST body is made from the domain's own definition of its record, and becomes the record the domain would make."""

from __future__ import annotations

from typing import Any

import pytest

from ledgerlink.domain.records import RECORD_TYPES, RecordKind
from ledgerlink.web.api.schemas import CREATE_MODELS, record_from_body

LINE = {
    "description": " Boiler service ",
    "quantity": "2",
    "unit_price": "40.005",
    "vat_rate": "S",
    "nominal_code": "4000",
}
ADDRESS = {"line1": "4 Elm Road", "town": "Leeds", "postcode": "LS6 2AB"}
BODIES: dict[RecordKind, dict[str, Any]] = {
    RecordKind.CUSTOMER: {
        "first_name": "Jane",
        "last_name": " Smith ",
        "address": ADDRESS,
        "email": "j@example.com",
    },
    RecordKind.SUPPLIER: {"name": "Plumb Center", "address": ADDRESS, "default_expense_nominal": "5000"},
    RecordKind.INVOICE: {"number": "INV-1", "date": "2025-03-31", "customer_id": "C1", "lines": [LINE]},
    RecordKind.CREDIT_NOTE: {
        "number": "CN-1",
        "date": "2025-04-01",
        "customer_id": "C1",
        "invoice_id": "J-1",
        "lines": [LINE],
        "stated_totals": {"net": "80.01", "vat": "16.00", "gross": "96.01"},
    },
    RecordKind.CUSTOMER_PAYMENT: {
        "date": "2025-04-02",
        "amount": "50",
        "method": "card",
        "customer_id": "C1",
        "allocations": [{"document_id": "J-1", "amount": "50"}],
    },
    RecordKind.SUPPLIER_INVOICE: {
        "number": "B-1",
        "date": "2025-03-01",
        "supplier_id": "S1",
        "lines": [LINE],
    },
    RecordKind.SUPPLIER_CREDIT_NOTE: {
        "number": "BC-1",
        "date": "2025-03-02",
        "supplier_id": "S1",
        "lines": [LINE],
    },
    RecordKind.SUPPLIER_PAYMENT: {
        "date": "2025-03-03",
        "amount": "12.50",
        "method": "bacs",
        "supplier_id": "S1",
    },
}


@pytest.mark.parametrize("kind", list(RecordKind))
def test_a_parsed_body_becomes_the_record_the_domain_would_make_of_it(kind: RecordKind) -> None:
    body = CREATE_MODELS[kind].model_validate(BODIES[kind])
    made = record_from_body(kind, body, "X-1")
    expected = RECORD_TYPES[kind].model_validate({**BODIES[kind], "source_id": "X-1"})
    assert made == expected
    assert type(made) is type(expected)
    assert made.version == expected.version


@pytest.mark.parametrize("kind", list(RecordKind))
def test_a_body_has_the_fields_of_its_domain_record_and_no_others(kind: RecordKind) -> None:
    """The domain model stays the one definition of a record: the REST body is made from it (stricter
    only in how figures, dates and ids are written), so a field added to a record reaches the API."""
    create, domain = CREATE_MODELS[kind], RECORD_TYPES[kind]
    assert set(create.model_fields) == set(domain.model_fields) - {"source_id"}
    # the one field the document requires where the domain model has a default: a supplier's name,
    # which the domain's rules refuse empty when the record is fed
    newly_required = {
        name
        for name, info in create.model_fields.items()
        if info.is_required() and not domain.model_fields[name].is_required()
    }
    assert newly_required == ({"name"} if kind is RecordKind.SUPPLIER else set())
