"""Both sides' customers and suppliers as the matching engine's parties, fed so its keys can work.

The engine compares one email, one phone and one reference per party. A job system keeps a landline
and a mobile, a package a phone and a mobile, each half filled in; picking, on each side, the number
the other side also knows turns a shared number into the strong key it is instead of a disagreement.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace

from ledgerlink.domain.package_contact import PackageContact
from ledgerlink.domain.records import Customer, Record, RecordKind, Supplier
from ledgerlink.matching import Party


def _digits(phone: str) -> str:
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("0044"):
        digits = "0" + digits[4:]
    elif digits.startswith("44") and len(digits) > 10:
        digits = "0" + digits[2:]
    return digits


def _pick_phone(numbers: Sequence[str], known_elsewhere: set[str]) -> str:
    """The number the other side also holds, else the first one given."""
    given = [number for number in numbers if number.strip()]
    for number in given:
        if _digits(number) in known_elsewhere:
            return number
    return given[0] if given else ""


def record_phones(record: Record) -> tuple[str, ...]:
    if isinstance(record, Customer):
        return (record.phone, record.mobile)
    if isinstance(record, Supplier):
        return (record.phone,)
    return ()


def contact_phones(contact: PackageContact) -> tuple[str, ...]:
    return (contact.phone, contact.mobile)


def phone_digits(numbers: Iterable[str]) -> set[str]:
    return {digits for digits in map(_digits, numbers) if len(digits) >= 7}


def jobs_party(record: Customer | Supplier, package_phones: set[str]) -> Party:
    """A jobs-side customer or supplier; its reference is the one ledgerlink would send (account or id)."""
    phone = _pick_phone(record_phones(record), package_phones)
    address = record.address
    reference = record.account_reference or record.source_id
    if isinstance(record, Customer):
        return Party(
            id=record.source_id,
            kind=record.customer_type,
            title=record.title,
            first_name=record.first_name,
            last_name=record.last_name,
            company_name=record.company_name if record.customer_type == "commercial" else "",
            name="" if (record.first_name or record.last_name) else record.company_name,
            address_lines=address.lines,
            town=address.town,
            postcode=address.postcode,
            email=record.email,
            phone=phone,
            reference=reference,
        )
    return Party(
        id=record.source_id,
        kind="commercial",
        company_name=record.name,
        address_lines=address.lines,
        town=address.town,
        postcode=address.postcode,
        email=record.email,
        phone=phone,
        reference=reference,
    )


def _fold(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def package_party(contact: PackageContact, kind: RecordKind, jobs_phones: set[str]) -> Party:
    """A package contact. First and last names are used when the package gives them; where it does not
    say whether the contact is a company, a name that does not contain the person's surname is read as a
    company with a contact person (a package may keep the person's names beside a company's name)."""
    address = contact.address
    base = Party(
        id=contact.id,
        address_lines=address.lines,
        town=address.town,
        postcode=address.postcode,
        email=contact.email,
        phone=_pick_phone(contact_phones(contact), jobs_phones),
        reference=contact.reference,
    )
    first, last = contact.first_name.strip(), contact.last_name.strip()
    is_company = contact.is_company
    if is_company is None and (first or last):
        surname = _fold(last or first)
        is_company = not surname or surname not in _fold(contact.name)
    if is_company is None and kind is RecordKind.SUPPLIER:
        is_company = True
    if is_company:
        return replace(base, kind="commercial", company_name=contact.name, first_name=first, last_name=last)
    if is_company is False:
        if first or last:
            return replace(base, kind="residential", first_name=first, last_name=last)
        return replace(base, kind="residential", name=contact.name)
    return replace(base, name=contact.name)


def serves(contact: PackageContact, kind: RecordKind) -> bool:
    """Whether a contact may stand for a record of this kind: not one the package keeps only for the
    other role (a contact whose role the package does not say may be either)."""
    if kind is RecordKind.CUSTOMER:
        return contact.is_customer or not contact.is_supplier
    return contact.is_supplier or not contact.is_customer
