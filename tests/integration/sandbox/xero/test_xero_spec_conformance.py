"""The Xero sandbox's own body models held against Xero's published spec.

Bodies the spec accepts must be accepted by the sandbox; bodies the spec refuses (wrong types, values
outside an enum) must be refused, in Xero's PostDataInvalidException shape. The sandbox's replies must
fit the spec's response schemas. Skipped, with the reason, when ../shared/specs is not there.
"""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from ledgerlink.sandbox.xero import bodies, errors
from tests.support.xero_spec import body_errors, request_examples, requires_spec, schema_validator

pytestmark = [requires_spec, pytest.mark.spec]

OPERATIONS = [
    ("PUT", "/Contacts", "Contacts"),
    ("POST", "/Contacts", "Contacts"),
    ("PUT", "/Invoices", "Invoices"),
    ("POST", "/Invoices", "Invoices"),
    ("PUT", "/CreditNotes", "CreditNotes"),
    ("POST", "/CreditNotes", "CreditNotes"),
    ("PUT", "/Payments", "Payments"),
    ("PUT", "/CreditNotes/{CreditNoteID}/Allocations", "Allocations"),
    ("PUT", "/BatchPayments", "BatchPayments"),
    ("PUT", "/BankTransactions", "BankTransactions"),
    ("PUT", "/Accounts", "Accounts"),
]

INVOICE = {
    "Type": "ACCREC",
    "Contact": {"ContactID": "430fa14a-f945-44d3-9f97-5df5e28441b8"},
    "Date": "2026-01-05",
    "DueDate": "2026-02-05",
    "Status": "AUTHORISED",
    "LineAmountTypes": "Exclusive",
    "InvoiceNumber": "JOB-1",
    "LineItems": [
        {
            "Description": "Boiler",
            "Quantity": 1.5,
            "UnitAmount": 80,
            "AccountCode": "200",
            "TaxType": "OUTPUT2",
            "TaxAmount": 24.0,
        }
    ],
}
CONTACT = {
    "Name": "Ada Lovelace",
    "ContactNumber": "C-1",
    "EmailAddress": "ada@example.com",
    "Phones": [{"PhoneType": "MOBILE", "PhoneNumber": "07700 900000"}],
    "Addresses": [
        {"AddressType": "POBOX", "AddressLine1": "1 High St", "City": "Leeds", "PostalCode": "LS1 1AA"}
    ],
}
PAYMENT = {
    "Invoice": {"InvoiceID": "430fa14a-f945-44d3-9f97-5df5e28441b8"},
    "Account": {"Code": "090"},
    "Date": "2026-01-06",
    "Amount": 10.5,
    "Reference": "BACS",
}

OVERPAYMENT = {
    "Type": "RECEIVE-OVERPAYMENT",
    "Contact": {"ContactID": "430fa14a-f945-44d3-9f97-5df5e28441b8"},
    "BankAccount": {"Code": "090"},
    "Date": "2026-01-06",
    "LineAmountTypes": "NoTax",
    "LineItems": [{"Description": "Payment on account", "LineAmount": 250}],
}

VALID: list[tuple[str, str, dict[str, Any]]] = [
    ("PUT", "/BankTransactions", {"BankTransactions": [OVERPAYMENT]}),
    ("PUT", "/Invoices", {"Invoices": [INVOICE]}),
    (
        "PUT",
        "/CreditNotes",
        {
            "CreditNotes": [
                {
                    **{k: v for k, v in INVOICE.items() if k not in ("InvoiceNumber", "DueDate")},
                    "Type": "ACCRECCREDIT",
                    "CreditNoteNumber": "CN-1",
                }
            ]
        },
    ),
    ("PUT", "/Contacts", {"Contacts": [CONTACT]}),
    ("PUT", "/Payments", {"Payments": [PAYMENT]}),
    (
        "PUT",
        "/CreditNotes/{CreditNoteID}/Allocations",
        {
            "Allocations": [
                {
                    "Invoice": {"InvoiceID": "430fa14a-f945-44d3-9f97-5df5e28441b8"},
                    "Amount": 5,
                    "Date": "2026-01-07",
                }
            ]
        },
    ),
]


def mutate(body: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(body)
    target: Any = changed
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    return changed


REFUSED: list[tuple[str, str, dict[str, Any]]] = [
    (
        "PUT",
        "/BankTransactions",
        mutate({"BankTransactions": [OVERPAYMENT]}, ("BankTransactions", 0, "Type"), "OVERPAY"),
    ),
    ("PUT", "/Invoices", mutate({"Invoices": [INVOICE]}, ("Invoices", 0, "Type"), "ACCRECX")),
    ("PUT", "/Invoices", mutate({"Invoices": [INVOICE]}, ("Invoices", 0, "LineItems", 0, "Quantity"), "1")),
    ("PUT", "/Invoices", mutate({"Invoices": [INVOICE]}, ("Invoices", 0, "Status"), "APPROVED")),
    ("PUT", "/Invoices", mutate({"Invoices": [INVOICE]}, ("Invoices", 0, "LineAmountTypes"), "Gross")),
    (
        "PUT",
        "/Invoices",
        mutate({"Invoices": [INVOICE]}, ("Invoices", 0, "LineItems", 0, "UnitAmount"), "80.00"),
    ),
    ("PUT", "/Invoices", mutate({"Invoices": [INVOICE]}, ("Invoices", 0, "LineItems"), {"Description": "x"})),
    ("PUT", "/Contacts", mutate({"Contacts": [CONTACT]}, ("Contacts", 0, "ContactStatus"), "DELETED")),
    ("PUT", "/Contacts", mutate({"Contacts": [CONTACT]}, ("Contacts", 0, "Phones", 0, "PhoneType"), "PAGER")),
    (
        "PUT",
        "/Contacts",
        mutate({"Contacts": [CONTACT]}, ("Contacts", 0, "Addresses", 0, "AddressType"), "HOME"),
    ),
    ("PUT", "/Contacts", mutate({"Contacts": [CONTACT]}, ("Contacts", 0, "Name"), 42)),
    ("PUT", "/Contacts", mutate({"Contacts": [CONTACT]}, ("Contacts", 0, "IsSupplier"), "yes")),
    ("PUT", "/Payments", mutate({"Payments": [PAYMENT]}, ("Payments", 0, "Amount"), "10.50")),
    ("PUT", "/Payments", mutate({"Payments": [PAYMENT]}, ("Payments", 0, "Status"), "VOIDED")),
    ("PUT", "/CreditNotes", mutate(VALID[2][2], ("CreditNotes", 0, "Type"), "ACCREC")),
    ("PUT", "/Accounts", {"Code": "450", "Name": "Tools", "Type": "OVERHEAD"}),
    (
        "PUT",
        "/Accounts",
        {"Code": "450", "Name": "Tools", "Type": "OVERHEADS", "EnablePaymentsToAccount": "yes"},
    ),
]


def _collection(template: str) -> str:
    return next(c for _, t, c in OPERATIONS if t == template)


def sandbox_accepts(template: str, body: dict[str, Any]) -> bool:
    try:
        bodies.parse_collection(body, _collection(template))
    except errors.BodyInvalid:
        return False
    return True


# the spec's example for PUT /BankTransactions is written in one SDK's field names, not the API's
EXAMPLED = [operation for operation in OPERATIONS if operation[1] != "/BankTransactions"]


@pytest.mark.parametrize(("method", "template", "collection"), EXAMPLED)
def test_the_specs_own_examples_are_accepted(method: str, template: str, collection: str) -> None:
    examples = list(request_examples(method, template))
    assert examples, f"the spec has no example for {method} {template}"
    for example in examples:
        assert body_errors(method, template, example) == []
        bodies.parse_collection(example, collection)


@pytest.mark.parametrize(("method", "template", "body"), VALID)
def test_bodies_the_spec_accepts_are_accepted(method: str, template: str, body: dict[str, Any]) -> None:
    assert body_errors(method, template, body) == []
    assert sandbox_accepts(template, body)


@pytest.mark.parametrize(("method", "template", "body"), REFUSED)
def test_bodies_the_spec_refuses_are_refused(method: str, template: str, body: dict[str, Any]) -> None:
    assert body_errors(method, template, body) != []
    assert not sandbox_accepts(template, body)


async def test_a_body_the_spec_refuses_gets_xeros_post_data_invalid_reply(api: httpx.AsyncClient) -> None:
    reply = await api.put("/Invoices", params={"summarizeErrors": "false"}, json=REFUSED[2][2])

    assert reply.status_code == 400
    assert reply.json()["ErrorNumber"] == 14
    assert reply.json()["Type"] == "PostDataInvalidException"
    assert "Quantity" in reply.json()["Message"]


async def test_the_sandboxs_replies_fit_the_specs_response_schemas(api: httpx.AsyncClient) -> None:
    contact = (await api.put("/Contacts", json={"Contacts": [{**CONTACT, "ContactNumber": "C-9"}]})).json()
    invoice_body = {**INVOICE, "Contact": {"ContactNumber": "ADA01"}}
    invoices = (
        await api.put(
            "/Invoices",
            params={"summarizeErrors": "false"},
            json={
                "Invoices": [
                    invoice_body,
                    {
                        **invoice_body,
                        "InvoiceNumber": "X",
                        "LineItems": [{**INVOICE["LineItems"][0], "AccountCode": "999"}],
                    },
                ]
            },
        )
    ).json()
    invoice_id = invoices["Invoices"][0]["InvoiceID"]
    payments = (
        await api.put("/Payments", json={"Payments": [{**PAYMENT, "Invoice": {"InvoiceID": invoice_id}}]})
    ).json()
    summarised = (
        await api.put(
            "/Invoices",
            json={
                "Invoices": [
                    {
                        **invoice_body,
                        "InvoiceNumber": "Y",
                        "LineItems": [{**INVOICE["LineItems"][0], "AccountCode": "999"}],
                    }
                ]
            },
        )
    ).json()
    replies = {
        "Contacts": contact,
        "Invoices": invoices,
        "Payments": payments,
        "Accounts": (await api.get("/Accounts")).json(),
        "TaxRates": (await api.get("/TaxRates")).json(),
        "Organisations": (await api.get("/Organisation")).json(),
        "Error": summarised,
    }
    for schema, reply in replies.items():
        errors = [
            error.message
            for error in schema_validator({"$ref": f"#/definitions/{schema}"}).iter_errors(reply)
        ]
        assert errors == [], schema
