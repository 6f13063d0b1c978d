"""Which field of each package's contact goes to which jobs-side field, and what happens on the way.

Shown to the user before an import (`ledgerlink import fields`, the wizard, docs/import.md), so that
nothing about the import is a surprise: what is carried over, what is tidied, what is left out. Each
package says which of its fields fills which part of a contact (its `import_fields`); what the import
does with each part is the same for every package, and said once, here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ledgerlink.errors import RecordNotFound
from ledgerlink.packages.holdings import ContactPart
from ledgerlink.packages.registry import PackageEntry, all_packages
from ledgerlink.services.importing.transform import source_id_for


@dataclass(frozen=True)
class FieldRow:
    package_field: str
    jobs_field: str
    rule: str


# What the import does with each part of a package's contact: the jobs-side field it fills, and how.
WHAT_IMPORT_DOES: dict[ContactPart, tuple[str, str]] = {
    ContactPart.ID: ("source_id", '"{source_id}": a second import finds the record; linked as "imported"'),
    ContactPart.ROLES: (
        "customer or supplier",
        "the package's customers to the customer import, its suppliers to the supplier import",
    ),
    ContactPart.NAME: (
        "company_name, or title + first_name + last_name; supplier name",
        'a company when the name says so ("Ltd", "& Sons", "Plumbing"...); a person\'s name split '
        '("Mr J. Smith", "Smith, John"); none: skipped',
    ),
    ContactPart.CONTACT_PERSON: (
        "first_name + last_name (company customers)",
        "the person to ask for at a business",
    ),
    ContactPart.PERSON_NAMES: (
        "first_name + last_name",
        "a company's contact person, or a person's names when the name lacks them",
    ),
    ContactPart.REFERENCE: ("account_reference", "carried over as it is"),
    ContactPart.EMAIL: (
        "email",
        "checked (email-validator) and lower-cased domain; one that cannot work is left out, with a warning",
    ),
    ContactPart.PHONE: (
        "phone (mobile if it is a mobile number and no mobile is given)",
        "E.164 (+44...), GB by default; not a phone number: left out, with a warning",
    ),
    ContactPart.MOBILE: ("mobile (customers)", "E.164, as phone"),
    ContactPart.ADDRESS_LINES: (
        "address.line1, line2, line3",
        "split at commas; a postcode or town typed into a line is taken out of it",
    ),
    ContactPart.TOWN: ("address.town", "carried over; else the last line without digits"),
    ContactPart.COUNTY: ("address.county", "carried over"),
    ContactPart.POSTCODE: (
        "address.postcode",
        "UK postcodes in upper case with one space; none, or not a UK postcode: a warning",
    ),
    ContactPart.COUNTRY: (
        "address.country",
        'two-letter code ("United Kingdom", "UK"... to GB); none means GB',
    ),
    ContactPart.VAT_NUMBER: (
        "vat_number (customers)",
        "checked (UK or Irish VAT rules), written with its prefix; failing the check: left out, with a warning",
    ),
    ContactPart.ACTIVE: ("-", "an inactive contact is skipped"),
}


def field_tables(entries: Iterable[PackageEntry]) -> dict[str, tuple[FieldRow, ...]]:
    """Each package's table: its fields, each with the engine's rule for the part it fills unless the
    package says how its field differs. A package whose import reads nothing has none."""
    tables = {}
    for entry in entries:
        rows = []
        for field in entry.import_fields:
            jobs_field, rule = WHAT_IMPORT_DOES[field.fills]
            if field.fills is ContactPart.ID:
                rule = rule.format(source_id=source_id_for(entry.name, f"<{field.package_field}>"))
            rows.append(FieldRow(field.package_field, jobs_field, field.rule or rule))
        if rows:
            tables[entry.name] = tuple(rows)
    return tables


FIELD_TABLES: dict[str, tuple[FieldRow, ...]] = field_tables(all_packages())


def field_table(package: str) -> tuple[FieldRow, ...]:
    """The field table of one package (RecordNotFound names the packages that have one)."""
    table = FIELD_TABLES.get(package.lower())
    if table is None:
        known = ", ".join(sorted(FIELD_TABLES))
        raise RecordNotFound(f"there is no import field table for {package!r}; choose one of: {known}")
    return table
