"""Which field of each package's contact goes to which jobs-side field, and what happens on the way.

Shown to the user before an import (`ledgerlink import fields`, the wizard, docs/import.md), so that
nothing about the import is a surprise: what is carried over, what is tidied, what is left out.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledgerlink.errors import RecordNotFound


@dataclass(frozen=True)
class FieldRow:
    package_field: str
    jobs_field: str
    rule: str


FIELD_TABLES: dict[str, tuple[FieldRow, ...]] = {
    "sage": (
        FieldRow("id", "source_id", '"sage-<id>": a second import finds the record; linked as "imported"'),
        FieldRow(
            "contact_types (CUSTOMER / VENDOR)",
            "customer or supplier",
            "CUSTOMER to the customer import, VENDOR to the supplier import",
        ),
        FieldRow(
            "name",
            "company_name, or title + first_name + last_name; supplier name",
            'a company when the name says so ("Ltd", "& Sons", "Plumbing"...) or a different contact '
            'person is named; a person\'s name split ("Mr J. Smith", "Smith, John"); none: skipped',
        ),
        FieldRow(
            "main_contact_person.name",
            "first_name + last_name (company customers)",
            "the person to ask for at a business",
        ),
        FieldRow("reference", "account_reference", "carried over as it is"),
        FieldRow(
            "email, main_contact_person.email",
            "email",
            "checked (email-validator) and lower-cased domain; one that cannot work is left out, with a warning",
        ),
        FieldRow(
            "main_contact_person.telephone",
            "phone (mobile if it is a mobile number and no mobile is given)",
            "E.164 (+44...), GB by default; not a phone number: left out, with a warning",
        ),
        FieldRow("main_contact_person.mobile", "mobile (customers)", "E.164, as phone"),
        FieldRow(
            "main_address.address_line_1, address_line_2",
            "address.line1, line2, line3",
            "split at commas; a postcode or town typed into a line is taken out of it",
        ),
        FieldRow("main_address.city", "address.town", "carried over; else the last line without digits"),
        FieldRow("main_address.region", "address.county", "carried over"),
        FieldRow(
            "main_address.postal_code",
            "address.postcode",
            "UK postcodes in upper case with one space; none, or not a UK postcode: a warning",
        ),
        FieldRow("main_address.country_id", "address.country", "two-letter code; none means GB"),
        FieldRow(
            "tax_number",
            "vat_number (customers)",
            "checked (UK or Irish VAT rules), written with its prefix; failing the check: left out, with a warning",
        ),
        FieldRow("is_active", "-", "an inactive contact is skipped"),
    ),
    "xero": (
        FieldRow(
            "ContactID",
            "source_id",
            '"xero-<ContactID>": a second import finds the record; linked as "imported"',
        ),
        FieldRow(
            "IsCustomer / IsSupplier",
            "customer or supplier",
            "Xero sets them only once a contact has a sales invoice or a bill: a contact with neither is "
            "offered as a customer, with a note",
        ),
        FieldRow(
            "Name",
            "company_name, or title + first_name + last_name; supplier name",
            'a company when the name says so ("Ltd", "& Sons", "Plumbing"...) or FirstName/LastName name '
            "someone else; a person's name split; none (and no FirstName/LastName): skipped",
        ),
        FieldRow(
            "FirstName, LastName",
            "first_name + last_name",
            "a company's contact person, or a person's names when Name lacks them",
        ),
        FieldRow("AccountNumber (else ContactNumber)", "account_reference", "carried over as it is"),
        FieldRow(
            "EmailAddress",
            "email",
            "checked (email-validator); one that cannot work is left out, with a warning",
        ),
        FieldRow(
            "Phones[DEFAULT] (country, area, number)",
            "phone (mobile if it is a mobile number and no mobile is given)",
            "E.164 (+44...), GB by default; not a phone number: left out, with a warning",
        ),
        FieldRow("Phones[MOBILE]", "mobile (customers)", "E.164, as phone"),
        FieldRow(
            "Addresses[POBOX, else first].AddressLine1-3",
            "address.line1, line2, line3",
            "split at commas; a postcode or town typed into a line is taken out of it",
        ),
        FieldRow("Addresses[].City", "address.town", "carried over; else the last line without digits"),
        FieldRow("Addresses[].Region", "address.county", "carried over"),
        FieldRow(
            "Addresses[].PostalCode",
            "address.postcode",
            "UK postcodes in upper case with one space; none, or not a UK postcode: a warning",
        ),
        FieldRow("Addresses[].Country", "address.country", '"United Kingdom", "UK"... to GB; none means GB'),
        FieldRow(
            "TaxNumber",
            "vat_number (customers)",
            "checked (UK or Irish VAT rules), written with its prefix; failing the check: left out, with a warning",
        ),
        FieldRow("ContactStatus", "-", "an ARCHIVED contact is skipped"),
    ),
}


def field_table(package: str) -> tuple[FieldRow, ...]:
    """The field table of one package (RecordNotFound names the packages that have one)."""
    table = FIELD_TABLES.get(package.lower())
    if table is None:
        known = ", ".join(sorted(FIELD_TABLES))
        raise RecordNotFound(f"there is no import field table for {package!r}; choose one of: {known}")
    return table
