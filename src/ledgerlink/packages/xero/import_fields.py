"""What an import reads of a Xero contact: the fields the mapping reads, each with what it fills."""

from __future__ import annotations

from ledgerlink.packages.holdings import ContactPart, ImportField
from ledgerlink.packages.xero.mapping import (
    ADDRESS_FIELDS,
    ADDRESSES,
    CONTACT_FIELDS,
    CONTACT_ID,
    PHONE_TYPES,
    PHONES,
    PREFERRED_ADDRESS,
    ROLE_FLAGS,
    STATUS,
)


def _read_from(*parts: str) -> str:
    """Where the parts are read from, as the field table shows it: "AccountNumber (else ContactNumber)"."""
    return ", ".join(_fields(part) for part in parts)


def _fields(part: str) -> str:
    first, *fallbacks = CONTACT_FIELDS[part]
    return first + "".join(f" (else {name})" for name in fallbacks)


def _address(*parts: str, which: str = "") -> str:
    return f"{ADDRESSES}[{which}].{', '.join(ADDRESS_FIELDS[part] for part in parts)}"


_PERSON_NAMES = "/".join((*CONTACT_FIELDS["first_name"], *CONTACT_FIELDS["last_name"]))


IMPORT_FIELDS: tuple[ImportField, ...] = (
    ImportField(CONTACT_ID, ContactPart.ID),
    ImportField(
        " / ".join(ROLE_FLAGS),
        ContactPart.ROLES,
        "Xero sets them once a contact has a sales invoice or a bill: a contact flagged as neither is read "
        "from its invoices and bills, and one with none is asked about",
    ),
    ImportField(
        _read_from("name"),
        ContactPart.NAME,
        'a company when the name says so ("Ltd", "& Sons", "Plumbing"...) or '
        f"{_PERSON_NAMES} name someone else; a person's name split; none (and no {_PERSON_NAMES}): skipped",
    ),
    ImportField(_read_from("first_name", "last_name"), ContactPart.PERSON_NAMES),
    ImportField(_read_from("reference"), ContactPart.REFERENCE),
    ImportField(_read_from("email"), ContactPart.EMAIL),
    ImportField(f"{PHONES}[{PHONE_TYPES['phone']}] (country, area, number)", ContactPart.PHONE),
    ImportField(f"{PHONES}[{PHONE_TYPES['mobile']}] (country, area, number)", ContactPart.MOBILE),
    ImportField(
        _address("line1", "line2", "line3", which=f"{PREFERRED_ADDRESS}, else first"),
        ContactPart.ADDRESS_LINES,
    ),
    ImportField(_address("town"), ContactPart.TOWN),
    ImportField(_address("county"), ContactPart.COUNTY),
    ImportField(_address("postcode"), ContactPart.POSTCODE),
    ImportField(_address("country"), ContactPart.COUNTRY),
    ImportField(_read_from("vat_number"), ContactPart.VAT_NUMBER),
    ImportField(STATUS, ContactPart.ACTIVE, "an ARCHIVED contact is skipped"),
)
