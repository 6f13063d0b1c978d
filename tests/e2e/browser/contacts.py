"""What the package holds before ledgerlink arrives, as each sandbox's seed takes it.

Side by side: the jobs side's own customers and suppliers typed again by another hand (surname first,
capitals, "Limited" for "Ltd", streets abbreviated), a person who has moved since, a namesake in
another town, and contacts only the package knows. Package first: a package's contacts as years of
use leave them, with a duplicate and a contact without a usable name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ledgerlink.domain.records import Customer, Record, Supplier

STREET_WORDS = {" Road": " Rd", " Lane": " Ln", " Street": " St", " Close": " Cl", " Grove": " Gr"}


def abbreviated(line: str) -> str:
    for word, short in STREET_WORDS.items():
        line = line.replace(word, short)
    return line


@dataclass(frozen=True)
class SideBySide:
    """Who is who: jobs-side source ids by the part they play, and the Xero contacts to seed."""

    company: Customer  # typed in capitals with "Limited": a sure match
    surname_first: Customer  # "Bennett, David", postcode in lower case: a sure match
    moved: Customer  # same email, the address they left: put to a person, who accepts it
    namesake: Customer  # same name, another town, another email: put to a person, who rejects it
    suppliers: tuple[Supplier, ...]  # typed again: sure matches
    contacts: list[dict[str, Any]]


def _street(line1: str, town: str, postcode: str) -> list[dict[str, str]]:
    return [{"AddressType": "STREET", "AddressLine1": line1, "City": town, "PostalCode": postcode}]


def _phones(phone: str) -> list[dict[str, str]]:
    return [{"PhoneType": "DEFAULT", "PhoneNumber": phone}] if phone else []


def side_by_side(records: Sequence[Record]) -> SideBySide:
    customers = [r for r in records if isinstance(r, Customer)]
    company_names = [c.company_name for c in customers if c.customer_type == "commercial"]
    company = next(
        c for c in customers if c.customer_type == "commercial" and company_names.count(c.company_name) == 1
    )
    people = [c for c in customers if c.customer_type == "residential" and c.email]
    surname_first, moved, namesake = people[:3]
    suppliers = tuple(r for r in records if isinstance(r, Supplier))[:3]
    contacts: list[dict[str, Any]] = [
        {
            "Name": company.company_name.replace(" Ltd", " Limited").upper(),
            "AccountNumber": "WJ-01",
            "EmailAddress": company.email,
            "Addresses": _street(
                abbreviated(company.address.line1), company.address.town, company.address.postcode
            ),
            "Phones": _phones(company.phone),
        },
        {
            "Name": f"{surname_first.last_name}, {surname_first.first_name}",
            "FirstName": surname_first.first_name,
            "LastName": surname_first.last_name,
            "AccountNumber": "DB-01",
            "EmailAddress": surname_first.email,
            "Addresses": _street(
                surname_first.address.line1,
                surname_first.address.town,
                surname_first.address.postcode.lower(),
            ),
        },
        {
            "Name": f"{moved.first_name} {moved.last_name}",
            "FirstName": moved.first_name,
            "LastName": moved.last_name,
            "AccountNumber": "OB-01",
            "EmailAddress": moved.email,
            "Addresses": _street("7 Old Mill Close", "Ipswich", "IP4 1QX"),
        },
        {
            "Name": f"{namesake.first_name} {namesake.last_name}",
            "FirstName": namesake.first_name,
            "LastName": namesake.last_name,
            "AccountNumber": "PT-09",
            "EmailAddress": f"{namesake.first_name.lower()}.{namesake.last_name.lower()}@example.net",
            "Addresses": _street(
                "40" + namesake.address.line1.lstrip("0123456789"),
                namesake.address.town,
                namesake.address.postcode,
            ),
        },
        {
            "Name": "Edna Thistlewood",
            "FirstName": "Edna",
            "LastName": "Thistlewood",
            "AccountNumber": "ET-01",
            "Addresses": _street("3 Fenn Way", "Cromer", "NR27 9AA"),
        },
        {
            "Name": suppliers[0].name.upper(),
            "AccountNumber": "SUP-01",
            "EmailAddress": suppliers[0].email,
            "Addresses": _street(
                suppliers[0].address.line1, suppliers[0].address.town, suppliers[0].address.postcode
            ),
        },
        {
            "Name": suppliers[1].name,
            "AccountNumber": "SUP-02",
            "EmailAddress": suppliers[1].email,
            "Addresses": _street(
                abbreviated(suppliers[1].address.line1),
                suppliers[1].address.town,
                suppliers[1].address.postcode,
            ),
        },
        {
            "Name": suppliers[2].name.replace(" Ltd", " Limited"),
            "AccountNumber": "SUP-03",
            "Addresses": _street(
                suppliers[2].address.line1, suppliers[2].address.town, suppliers[2].address.postcode
            ),
            "Phones": _phones(suppliers[2].phone),
        },
        {
            "Name": "HM Revenue & Customs",
            "AccountNumber": "HMRC",
            "Addresses": _street("BX9 1AS", "Newcastle", "BX9 1AS"),
        },
    ]
    return SideBySide(company, surname_first, moved, namesake, suppliers, contacts)


PACKAGE_FIRST: list[dict[str, Any]] = [
    {
        "name": "Mr J. Smith",
        "type": "customer",
        "reference": "SMITH01",
        "address": {"address_line_1": "4 Elm Road", "city": "Leeds", "postal_code": "ls62ab"},
        "email": "j.smith@example.com",
        "telephone": "07911 123456",
    },
    {  # the same man, typed again years later
        "name": "SMITH, JOHN",
        "type": "customer",
        "reference": "SMITH02",
        "address": {"address_line_1": "4 Elm Rd", "city": "Leeds", "postal_code": "LS6 2AB"},
        "email": "j.smith@example.com",
    },
    {
        "name": "Acme Lettings Ltd",
        "type": "customer",
        "reference": "ACME01",
        "address": {"address_line_1": "Unit 4, Mill Yard", "city": "Leeds", "postal_code": "LS11 5AA"},
        "email": "accounts@acme-lettings.example.com",
        "tax_number": "GB980780684",
    },
    {
        "name": "Mrs P. Okafor",
        "type": "customer",
        "reference": "OKAFOR1",
        "address": {"address_line_1": "22 Park Avenue, Harrogate HG1 5AB"},
        "email": "p.okafor@@example.com",
    },
    {"name": "---", "type": "customer", "reference": "NONAME"},
    {
        "name": "Plumb Center",
        "type": "supplier",
        "reference": "PLUMB01",
        "address": {"address_line_1": "1 Trade Park", "city": "Leeds", "postal_code": "LS9 8AB"},
        "telephone": "0113 496 0000",
    },
    {
        "name": "Travis Perkins Trading Co Ltd",
        "type": "supplier",
        "reference": "TP01",
        "address": {"address_line_1": "Lodge Way House", "city": "Northampton", "postal_code": "NN5 7UG"},
        "email": "accounts@travisperkins.example.com",
    },
]
