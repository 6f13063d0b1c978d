"""What an import reads of a Sage contact: the fields the mapping reads, each with what it fills."""

from __future__ import annotations

from ledgerlink.packages.holdings import ContactPart, ImportField
from ledgerlink.packages.sage.mapping import (
    ACTIVE_FLAG,
    CONTACT_ID,
    CONTACT_PATHS,
    CONTACT_TYPES,
    CUSTOMER_TYPE,
    SUPPLIER_TYPE,
)


def _read_from(*parts: str) -> str:
    """Where the parts are read from, as the field table shows it: "email (else main_contact_person.email)"."""
    return ", ".join(_paths(part) for part in parts)


def _paths(part: str) -> str:
    first, *fallbacks = CONTACT_PATHS[part]
    return first + "".join(f" (else {path})" for path in fallbacks)


IMPORT_FIELDS: tuple[ImportField, ...] = (
    ImportField(CONTACT_ID, ContactPart.ID),
    ImportField(
        f"{CONTACT_TYPES} ({CUSTOMER_TYPE} / {SUPPLIER_TYPE})",
        ContactPart.ROLES,
        f"{CUSTOMER_TYPE} to the customer import, {SUPPLIER_TYPE} to the supplier import",
    ),
    ImportField(
        _read_from("name"),
        ContactPart.NAME,
        'a company when the name says so ("Ltd", "& Sons", "Plumbing"...) or a different contact person is '
        'named; a person\'s name split ("Mr J. Smith", "Smith, John"); none: skipped',
    ),
    ImportField(_read_from("contact_person"), ContactPart.CONTACT_PERSON),
    ImportField(_read_from("reference"), ContactPart.REFERENCE),
    ImportField(_read_from("email"), ContactPart.EMAIL),
    ImportField(_read_from("phone"), ContactPart.PHONE),
    ImportField(_read_from("mobile"), ContactPart.MOBILE),
    ImportField(_read_from("line1", "line2"), ContactPart.ADDRESS_LINES),
    ImportField(_read_from("town"), ContactPart.TOWN),
    ImportField(_read_from("county"), ContactPart.COUNTY),
    ImportField(_read_from("postcode"), ContactPart.POSTCODE),
    ImportField(_read_from("country"), ContactPart.COUNTRY),
    ImportField(_read_from("vat_number"), ContactPart.VAT_NUMBER),
    ImportField(ACTIVE_FLAG, ContactPart.ACTIVE),
)
