"""Where the sandbox could be kinder than Xero, it is not: filters compare case and all, prices keep
Xero's precision, a line total that disagrees is refused, and unpaged lists carry no lines."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

CONTACT = {"ContactNumber": "ADA01"}
WRITE = {"summarizeErrors": "false"}


def line(unit: float, quantity: float = 1, **extra: Any) -> dict[str, Any]:
    return {
        "Description": "Boiler service",
        "Quantity": quantity,
        "UnitAmount": unit,
        "AccountCode": "200",
        "TaxType": "OUTPUT2",
        **extra,
    }


def sale(number: str, *lines: dict[str, Any]) -> dict[str, Any]:
    return {
        "Type": "ACCREC",
        "Contact": CONTACT,
        "Date": "2026-01-05",
        "DueDate": "2026-02-05",
        "Status": "AUTHORISED",
        "InvoiceNumber": number,
        "LineItems": list(lines),
    }


async def contact_names(api: httpx.AsyncClient, where: str) -> list[str]:
    reply = await api.get("/Contacts", params={"where": where})
    assert reply.status_code == 200, reply.text
    return [c["Name"] for c in reply.json()["Contacts"]]


async def test_where_compares_names_case_and_all_and_lowers_on_request(api: httpx.AsyncClient) -> None:
    await api.put("/Contacts", params=WRITE, json={"Contacts": [{"Name": "Alpha Ltd"}]})

    assert await contact_names(api, 'Name=="alpha ltd"') == []
    assert await contact_names(api, 'Name=="Alpha Ltd"') == ["Alpha Ltd"]
    assert await contact_names(api, 'Name!=null AND Name.ToLower()=="alpha ltd"') == ["Alpha Ltd"]
    assert await contact_names(api, 'Name.ToUpper()=="ALPHA LTD"') == ["Alpha Ltd"]


async def test_null_checks_tell_a_missing_field_from_a_present_one(api: httpx.AsyncClient) -> None:
    await api.put(
        "/Contacts",
        params=WRITE,
        json={"Contacts": [{"Name": "Mailed Ltd", "EmailAddress": "a@example.com"}, {"Name": "Quiet Ltd"}]},
    )

    with_email = await contact_names(api, "EmailAddress!=null")
    without_email = await contact_names(api, "EmailAddress==null")

    assert "Mailed Ltd" in with_email
    assert "Quiet Ltd" not in with_email
    assert "Quiet Ltd" in without_email
    assert "Mailed Ltd" not in without_email


async def test_guids_compare_whatever_their_case(api: httpx.AsyncClient) -> None:
    [made] = (await api.put("/Contacts", params=WRITE, json={"Contacts": [{"Name": "Guid Ltd"}]})).json()[
        "Contacts"
    ]
    upper = made["ContactID"].upper()
    assert await contact_names(api, f'ContactID==guid("{upper}")') == ["Guid Ltd"]


async def test_a_unit_price_keeps_two_decimals_unless_four_are_asked_for(api: httpx.AsyncClient) -> None:
    plain = await api.put("/Invoices", params=WRITE, json={"Invoices": [sale("JOB-1", line(0.125, 8))]})
    four = await api.put(
        "/Invoices", params={**WRITE, "unitdp": "4"}, json={"Invoices": [sale("JOB-2", line(0.125, 8))]}
    )
    [rounded], [kept] = plain.json()["Invoices"], four.json()["Invoices"]

    assert (rounded["LineItems"][0]["UnitAmount"], rounded["LineItems"][0]["LineAmount"]) == (0.13, 1.04)
    assert (kept["LineItems"][0]["UnitAmount"], kept["LineItems"][0]["LineAmount"]) == (0.125, 1.0)
    read_plain = (await api.get(f"/Invoices/{kept['InvoiceID']}")).json()["Invoices"][0]
    assert read_plain["LineItems"][0]["UnitAmount"] == 0.13  # shown to 2 places unless asked for 4
    assert read_plain["LineItems"][0]["LineAmount"] == 1.0


async def test_a_line_amount_that_disagrees_with_quantity_times_price_is_refused(
    api: httpx.AsyncClient,
) -> None:
    reply = await api.put(
        "/Invoices", params=WRITE, json={"Invoices": [sale("JOB-3", line(0.125, 8, LineAmount=1.00))]}
    )
    [refused] = reply.json()["Invoices"]

    assert refused["HasErrors"] is True
    assert refused["ValidationErrors"][0]["Message"] == (
        "The line total 1.00 does not match the expected line total 1.04."
    )


@pytest.mark.parametrize(("collection", "paged"), [("Invoices", False), ("Invoices", True)])
async def test_lists_carry_line_items_only_page_by_page(
    api: httpx.AsyncClient, collection: str, paged: bool
) -> None:
    await api.put("/Invoices", params=WRITE, json={"Invoices": [sale("JOB-4", line(10))]})
    params = {"page": "1"} if paged else {}

    [listed] = (await api.get(f"/{collection}", params=params)).json()[collection]
    [one] = (await api.get(f"/{collection}/{listed['InvoiceID']}")).json()[collection]

    assert ("LineItems" in listed) is paged
    assert [item["LineAmount"] for item in one["LineItems"]] == [10.0]
