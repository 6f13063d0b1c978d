"""Xero's wire format: dates, keys, bodies and the reading of its error and limit replies."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import httpx
import pytest

from ledgerlink.errors import ReconnectNeeded
from ledgerlink.packages.drafts import (
    AllocationLine,
    ContactDraft,
    DocumentDraft,
    DocumentType,
    LineDraft,
    PaymentDraft,
)
from ledgerlink.packages.xero.client import XeroReader
from ledgerlink.packages.xero.mapping import (
    batch_key,
    contact_body,
    document_body,
    package_contact,
    parse_xero_date,
    payment_bodies,
    tax_rate,
    wire,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/Date(1551916800000+0000)/", dt.datetime(2019, 3, 7, tzinfo=dt.UTC)),
        ("/Date(1551916800000)/", dt.datetime(2019, 3, 7, tzinfo=dt.UTC)),
        ("/Date(-86400000+0000)/", dt.datetime(1969, 12, 31, tzinfo=dt.UTC)),
        ("2019-03-07T00:00:00", dt.datetime(2019, 3, 7, tzinfo=dt.UTC)),
        ("2019-03-07T01:00:00+01:00", dt.datetime(2019, 3, 7, tzinfo=dt.UTC)),
    ],
)
def test_xero_dates_are_read_in_every_form_xero_writes(text: str, expected: dt.datetime) -> None:
    assert parse_xero_date(text) == expected


@pytest.mark.parametrize("text", ["", "yesterday", None, 42])
def test_what_is_not_a_date_reads_as_none(text: object) -> None:
    assert parse_xero_date(text) is None


def test_the_batch_key_depends_only_on_the_drafts_keys_and_fits_xeros_limit() -> None:
    key = batch_key("PUT /Invoices", ["a", "b"])

    assert key == batch_key("PUT /Invoices", ["a", "b"])
    assert key != batch_key("PUT /Invoices", ["a", "c"])
    assert key != batch_key("PUT /CreditNotes", ["a", "b"])
    assert len(key) <= 128


def test_an_invoice_goes_out_approved_exclusive_with_our_vat_per_line() -> None:
    line = LineDraft(
        "Boiler", Decimal("1.5"), Decimal("80.00"), Decimal("120.00"), Decimal("24.00"), "", "200", "OUTPUT2"
    )
    draft = DocumentDraft(
        "k",
        "J1",
        DocumentType.SALES_INVOICE,
        "c-id",
        "JOB-1",
        dt.date(2026, 1, 5),
        (line,),
        line.net,
        line.vat,
        line.gross,
    )

    body = json.loads(json.dumps(wire(document_body(draft))))

    assert body["Type"] == "ACCREC"
    assert body["Status"] == "AUTHORISED"
    assert body["LineAmountTypes"] == "Exclusive"
    assert body["Contact"] == {"ContactID": "c-id"}
    assert body["DueDate"] == "2026-01-05"
    assert body["LineItems"][0] == {
        "Description": "Boiler",
        "Quantity": 1.5,
        "UnitAmount": 80.0,
        "TaxType": "OUTPUT2",
        "TaxAmount": 24.0,
        "LineAmount": 120.0,
        "AccountCode": "200",
    }


def test_a_contact_carries_the_job_systems_id_in_contact_number() -> None:
    body = contact_body(
        ContactDraft("k", "CUST-42", "customer", "Ada Lovelace", reference="ADA01", mobile="07700")
    )

    assert body["ContactNumber"] == "CUST-42"
    assert body["AccountNumber"] == "ADA01"
    assert body["Phones"] == [{"PhoneType": "MOBILE", "PhoneNumber": "07700"}]


def test_a_payment_becomes_one_xero_payment_per_document_it_settles() -> None:
    draft = PaymentDraft(
        "k",
        "P1",
        DocumentType.CUSTOMER_RECEIPT,
        "c",
        "bank-id",
        "090",
        dt.date(2026, 1, 6),
        Decimal("30"),
        allocations=(
            AllocationLine("i1", DocumentType.SALES_INVOICE, Decimal("10")),
            AllocationLine("i2", DocumentType.SALES_INVOICE, Decimal("20")),
        ),
    )

    bodies = payment_bodies(draft)

    assert [b["Invoice"] for b in bodies] == [{"InvoiceID": "i1"}, {"InvoiceID": "i2"}]
    assert all(b["Account"] == {"AccountID": "bank-id"} for b in bodies)


def test_a_tax_rate_says_where_it_may_be_used() -> None:
    rate = tax_rate(
        {
            "TaxType": "INPUT2",
            "Name": "20% (VAT on Expenses)",
            "EffectiveRate": 20,
            "CanApplyToExpenses": True,
            "CanApplyToRevenue": False,
            "ReportTaxType": "INPUT",
        }
    )

    assert rate.usages == frozenset({"purchase"})
    assert rate.percent == Decimal("20")
    assert not rate.exempt_or_outside


@pytest.mark.parametrize(
    ("problem", "scope"),
    [
        ("minute", "minute"),
        ("Minute", "minute"),
        ("DAY", "day"),
        ("Daily", "day"),
        ("appminute", "app"),
        ("something new", "minute"),
        ("", "minute"),
    ],
)
def test_the_rate_limit_problem_is_read_case_insensitively_unknown_meaning_minute(
    problem: str, scope: str
) -> None:
    response = httpx.Response(429, headers={"Retry-After": "7", "X-Rate-Limit-Problem": problem})

    assert XeroReader().rate_limit(response) == (7.0, scope)


def test_limit_headers_feed_the_pacer() -> None:
    response = httpx.Response(
        200,
        headers={
            "X-MinLimit-Remaining": "3",
            "X-DayLimit-Remaining": "4000",
            "X-AppMinLimit-Remaining": "9000",
        },
    )

    report = XeroReader().limit_report(response)

    assert report is not None
    assert (report.minute_remaining, report.day_remaining, report.app_minute_remaining) == (3, 4000, 9000)


def test_validation_messages_come_from_every_element_of_a_summarised_error() -> None:
    body = {
        "ErrorNumber": 10,
        "Type": "ValidationException",
        "Message": "A validation exception occurred",
        "Elements": [{"ValidationErrors": [{"Message": "Invoice # must be unique."}]}],
    }

    problems = XeroReader().problems(httpx.Response(400, json=body))

    assert [p.message for p in problems] == ["Invoice # must be unique."]


def test_a_forbidden_organisation_asks_for_a_reconnect() -> None:
    error = XeroReader().special_error(
        httpx.Response(403, json={"Title": "Forbidden", "Detail": "AuthenticationUnsuccessful"})
    )

    assert isinstance(error, ReconnectNeeded)


def test_a_xero_contact_is_read_from_its_postal_address_default_phone_and_account_number() -> None:
    contact = package_contact(
        {
            "ContactID": "c1",
            "Name": "Plumb Center",
            "ContactNumber": "PC-7",
            "IsSupplier": True,
            "Phones": [
                {"PhoneType": "MOBILE", "PhoneNumber": "07700 900123"},
                {
                    "PhoneType": "DEFAULT",
                    "PhoneCountryCode": "44",
                    "PhoneAreaCode": "113",
                    "PhoneNumber": "4960000",
                },
            ],
            "Addresses": [
                {"AddressType": "STREET", "AddressLine1": "Unit 4", "City": "Leeds"},
                {
                    "AddressType": "POBOX",
                    "AddressLine1": "PO Box 12",
                    "City": "York",
                    "PostalCode": "YO1 1AA",
                },
            ],
            "ContactStatus": "ARCHIVED",
        }
    )
    assert (contact.reference, contact.phone, contact.mobile) == ("PC-7", "44 113 4960000", "07700 900123")
    assert (contact.address.line1, contact.address.town, contact.address.postcode) == (
        "PO Box 12",
        "York",
        "YO1 1AA",
    )
    assert (contact.address.country, contact.is_customer, contact.is_supplier, contact.active) == (
        "GB",
        False,
        True,
        False,
    )
    assert (
        package_contact({"ContactID": "c2", "AccountNumber": "A1", "ContactNumber": "N1"}).reference == "A1"
    )
