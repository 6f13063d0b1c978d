"""A package contact turned into a jobs-side customer or supplier, and what was wrong with it.

The two sides hold a party differently: a package keeps one name and a loose address, the job system
keeps a person's title and names apart from a company's name, and an address in lines, town and
postcode. Importing is the one chance to tidy that, so each field is checked and written the standard
way here (postcodes, phone numbers in E.164, emails), and what cannot be tidied is said plainly instead
of being carried over. Pure: no I/O, so every rule is tested on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

from ledgerlink.domain.contact_details import (
    email_address,
    find_postcode,
    phone_number,
    uk_postcode,
    vat_number,
)
from ledgerlink.domain.package_contact import PackageContact
from ledgerlink.domain.records import Address, Customer, RecordKind, Supplier

Severity = Literal["error", "warning"]
ImportKind = Literal["customer", "supplier"]


class IssueCode(StrEnum):
    """Every problem the import can find; the report counts records per code."""

    NO_NAME = "no_name"
    ARCHIVED = "archived"
    NO_POSTCODE = "no_postcode"
    POSTCODE_NOT_UK = "postcode_not_uk"
    EMAIL_INVALID = "email_invalid"
    PHONE_INVALID = "phone_invalid"
    VAT_INVALID = "vat_invalid"
    ROLE_UNSTATED = "role_unstated"
    DUPLICATE = "duplicate"
    SIMILAR_ON_JOBS_SIDE = "similar_on_jobs_side"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS: dict[IssueCode, str] = {
    IssueCode.NO_NAME: "no usable name",
    IssueCode.ARCHIVED: "archived in the package",
    IssueCode.NO_POSTCODE: "no postcode",
    IssueCode.POSTCODE_NOT_UK: "postcode not a UK postcode",
    IssueCode.EMAIL_INVALID: "email cannot work",
    IssueCode.PHONE_INVALID: "phone is not a phone number",
    IssueCode.VAT_INVALID: "VAT number fails its check",
    IssueCode.ROLE_UNSTATED: "package does not say customer or supplier",
    IssueCode.DUPLICATE: "likely duplicate in the package",
    IssueCode.SIMILAR_ON_JOBS_SIDE: "similar record already on the jobs side",
}


@dataclass(frozen=True)
class Issue:
    """One thing wrong with one contact: an error keeps it out, a warning does not."""

    code: IssueCode
    field: str
    message: str
    severity: Severity = "warning"

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


@dataclass(frozen=True)
class Transformed:
    """A package contact and the jobs-side record it becomes (None when an error keeps it out)."""

    package_id: str
    package_name: str
    source_id: str
    record: Customer | Supplier | None
    issues: tuple[Issue, ...] = ()
    contact: PackageContact | None = field(default=None, compare=False)  # as the package had it

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(issue for issue in self.issues if issue.severity == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(issue for issue in self.issues if issue.severity == "warning")

    @property
    def becomes(self) -> str:
        """What the contact becomes on the jobs side, in words ("" when it becomes nothing)."""
        record = self.record
        if isinstance(record, Customer):
            return f"{record.customer_type} customer {record.display_name}"
        if isinstance(record, Supplier):
            return f"supplier {record.name}"
        return ""


def source_id_for(package: str, package_id: str) -> str:
    """The jobs-side id of an imported contact: stable, so a second import finds the first one's record."""
    return f"{package}-{package_id}"[:100]


# --- names -----------------------------------------------------------------------------------------

TITLES: dict[str, str] = {
    "mr": "Mr",
    "mrs": "Mrs",
    "ms": "Ms",
    "miss": "Miss",
    "mx": "Mx",
    "dr": "Dr",
    "prof": "Prof",
    "professor": "Prof",
    "rev": "Rev",
    "revd": "Rev",
    "reverend": "Rev",
    "sir": "Sir",
    "dame": "Dame",
    "lady": "Lady",
    "lord": "Lord",
    "capt": "Capt",
    "captain": "Capt",
}
_PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "du", "la", "le", "st", "st."})
_SUFFIXES = frozenset({"jr", "jnr", "sr", "snr", "ii", "iii"})

COMPANY_WORDS = frozenset(
    [
        "ltd",
        "limited",
        "llp",
        "plc",
        "llc",
        "inc",
        "cic",
        "co",
        "company",
        "corporation",
        "partnership",
        "partners",
        "sons",
        "brothers",
        "bros",
        "group",
        "holdings",
        "services",
        "service",
        "plumbing",
        "plumbers",
        "heating",
        "electrical",
        "electrics",
        "electricians",
        "builders",
        "building",
        "construction",
        "contractors",
        "properties",
        "property",
        "lettings",
        "estates",
        "housing",
        "association",
        "council",
        "trust",
        "school",
        "academy",
        "college",
        "church",
        "hotel",
        "centre",
        "center",
        "club",
        "society",
        "management",
        "maintenance",
        "supplies",
        "supply",
        "solutions",
        "enterprises",
        "agency",
        "developments",
        "homes",
        "care",
        "surgery",
        "practice",
        "restaurant",
        "cafe",
        "shop",
        "stores",
        "garage",
        "motors",
        "foundation",
        "charity",
        "university",
        "hospital",
        "nhs",
        "gas",
        "energy",
        "engineering",
        "installations",
        "roofing",
        "joinery",
        "carpentry",
        "decorators",
        "landscapes",
        "landscaping",
        "ventures",
        "international",
        "trading",
        "wholesale",
        "merchants",
        "associates",
        "consultants",
        "consulting",
        "systems",
        "technologies",
        "tech",
        "studio",
        "salon",
        "pub",
        "inn",
        "bar",
        "farm",
        "dental",
        "clinic",
        "nursery",
        "store",
        "mart",
        "depot",
    ]
)
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class PersonName:
    title: str = ""
    first_name: str = ""
    last_name: str = ""

    @property
    def full(self) -> str:
        return " ".join(part for part in (self.title, self.first_name, self.last_name) if part)


def tidy_spaces(text: str) -> str:
    return " ".join(text.split())


def _cap_word(word: str) -> str:
    """One word of a person's name in the usual case: o'brien -> O'Brien, mcdonald -> McDonald."""
    parts = re.split(r"([-'’])", word.lower())
    capped = "".join(part[:1].upper() + part[1:] for part in parts)
    if len(capped) > 3 and capped.startswith("Mc"):
        capped = "Mc" + capped[2].upper() + capped[3:]
    return capped


def person_case(text: str) -> str:
    """A name typed all in capitals or all in lower case, in the usual case; a mixed one as typed."""
    letters = [c for c in text if c.isalpha()]
    if letters and (all(c.isupper() for c in letters) or all(c.islower() for c in letters)):
        return " ".join(_cap_word(word) for word in text.split())
    return text


def _title_of(token: str) -> str | None:
    return TITLES.get(token.rstrip(".").lower())


def split_person(name: str) -> PersonName:
    """Title, first and last name from one field: "Mr J. Smith", "Smith, John", "Dr. Jane Doe"."""
    text = person_case(tidy_spaces(name.replace("\u00a0", " ")))
    if not text:
        return PersonName()
    surname_first = ""
    if text.count(",") == 1:
        before, after = (part.strip() for part in text.split(","))
        if before and after and len(before.split()) <= 3:
            surname_first, text = before, after
    tokens = text.split()
    titles: list[str] = []
    while tokens:
        title = _title_of(tokens[0])
        if title is not None:
            titles.append(title)
            tokens.pop(0)
        elif tokens[0].lower() in ("&", "and") and len(tokens) > 1 and _title_of(tokens[1]) and titles:
            titles.append(tokens.pop(0).lower())
        else:
            break
    title = " ".join(titles)
    tokens = [token.rstrip(".") if len(token.rstrip(".")) == 1 else token for token in tokens]
    if surname_first:
        return PersonName(title, " ".join(tokens), surname_first)
    if not tokens:
        return PersonName(title, "", "")
    if len(tokens) == 1:
        return PersonName(title, "", tokens[0])
    end = len(tokens) - 1
    if tokens[end].rstrip(".").lower() in _SUFFIXES and end > 1:
        end -= 1
    start = end
    while start > 1 and tokens[start - 1].lower() in _PARTICLES:
        start -= 1
    return PersonName(title, " ".join(tokens[:start]), " ".join(tokens[start:]))


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("&", " and "))


def looks_like_company(name: str) -> bool:
    """A name a person would read as a business: "Ltd", "& Sons", "Plumbing", "Smith & Jones"..."""
    words = _words(name)
    if not words:
        return False
    if any(word in COMPANY_WORDS for word in words):
        return True
    if "t/a" in name.lower() or any(char.isdigit() for char in name):
        return True
    if _title_of(name.split()[0]) is not None:
        return False
    # "Smith & Jones" is a firm; "John & Mary Smith" a couple
    parts = re.split(r"\s+(?:&|and)\s+", tidy_spaces(name), flags=re.IGNORECASE)
    return len(parts) == 2 and all(len(part.split()) == 1 for part in parts) and parts[1][:1].isupper()


def _same_person(a: str, b: str) -> bool:
    left, right = split_person(a), split_person(b)
    return bool(left.last_name) and left.last_name.lower() == right.last_name.lower()


def is_company_contact(contact: PackageContact) -> bool:
    """Company or person, from what the package says, then its fields, then the name itself."""
    if contact.is_company is not None:
        return contact.is_company
    name = tidy_spaces(contact.name)
    if looks_like_company(name):
        return True
    person = tidy_spaces(contact.contact_person or f"{contact.first_name} {contact.last_name}")
    # a named contact person who is not the name on the account: someone at a business
    return bool(person) and bool(name) and not _same_person(person, name)


# --- contact details -------------------------------------------------------------------------------


COUNTRIES: dict[str, str] = {
    "gb": "GB",
    "uk": "GB",
    "united kingdom": "GB",
    "great britain": "GB",
    "england": "GB",
    "scotland": "GB",
    "wales": "GB",
    "northern ireland": "GB",
    "ie": "IE",
    "ireland": "IE",
    "republic of ireland": "IE",
    "eire": "IE",
    "fr": "FR",
    "france": "FR",
    "es": "ES",
    "spain": "ES",
    "de": "DE",
    "germany": "DE",
    "us": "US",
    "usa": "US",
    "united states": "US",
    "au": "AU",
    "australia": "AU",
}


def country_code(text: str) -> str:
    """A two-letter country code; an empty country is the UK, an unknown one kept as written."""
    cleaned = tidy_spaces(text).strip(". ").lower()
    if not cleaned:
        return "GB"
    return COUNTRIES.get(cleaned, cleaned.upper() if len(cleaned) == 2 else tidy_spaces(text))


# --- the address -----------------------------------------------------------------------------------


@dataclass
class _Findings:
    issues: list[Issue] = field(default_factory=list)

    def warn(self, code: IssueCode, field_name: str, message: str) -> None:
        self.issues.append(Issue(code, field_name, message))

    def error(self, code: IssueCode, field_name: str, message: str) -> None:
        self.issues.append(Issue(code, field_name, message, "error"))


def structured_address(address: Address, notes: _Findings) -> Address:
    """Lines, town and postcode apart, even when the package had them typed into one line."""
    country = country_code(address.country)
    pieces = [
        piece.strip()
        for line in (address.line1, address.line2, address.line3)
        for piece in line.split(",")
        if piece.strip()
    ]
    pieces = [tidy_spaces(piece) for piece in pieces]
    postcode_text = tidy_spaces(address.postcode)
    town = tidy_spaces(address.town)
    if not postcode_text and country == "GB":
        for index in range(len(pieces) - 1, -1, -1):
            found = find_postcode(pieces[index], at_end=True)
            if found is not None:
                rest, postcode_text = found
                pieces[index : index + 1] = [rest] if rest else []
                break
    if not town and len(pieces) > 1 and not any(char.isdigit() for char in pieces[-1]):
        town = pieces.pop()
    lines = pieces[:2] + ([", ".join(pieces[2:])] if len(pieces) > 2 else [])
    lines += [""] * (3 - len(lines))
    postcode = postcode_text
    if not postcode_text:
        notes.warn(IssueCode.NO_POSTCODE, "address.postcode", "no postcode")
    elif country == "GB":
        standard = uk_postcode(postcode_text)
        if standard is None:
            notes.warn(
                IssueCode.POSTCODE_NOT_UK,
                "address.postcode",
                f"{postcode_text!r} is not a UK postcode (kept as written)",
            )
        else:
            postcode = standard
    return Address(
        line1=lines[0],
        line2=lines[1],
        line3=lines[2],
        town=town,
        county=tidy_spaces(address.county),
        postcode=postcode,
        country=country,
    )


# --- the whole contact -----------------------------------------------------------------------------


def belongs_to(contact: PackageContact, kind: ImportKind) -> bool:
    """Whether a contact is offered to the customer or the supplier import.

    A contact the package marks as neither (some packages mark a contact only once it has a sales invoice
    or a bill, and the connector found none) is offered to both, as a question: a person says which it is.
    """
    if not contact.is_customer and not contact.is_supplier:
        return True
    return contact.is_supplier if kind == "supplier" else contact.is_customer


def transform(contact: PackageContact, kind: ImportKind, *, package: str) -> Transformed:
    """The jobs-side record a package contact becomes, with every problem found on the way."""
    notes = _Findings()
    source_id = source_id_for(package, contact.id)
    name = tidy_spaces(contact.name)
    if not contact.active:
        notes.error(IssueCode.ARCHIVED, "", "the contact is archived in the package")
    if not any(char.isalnum() for char in name):
        name = tidy_spaces(f"{contact.first_name} {contact.last_name}")
    if not any(char.isalnum() for char in name):
        notes.error(IssueCode.NO_NAME, "name", "no usable name")
        name = tidy_spaces(contact.name)  # shown in the report as the package has it
    if not contact.is_customer and not contact.is_supplier:
        notes.warn(
            IssueCode.ROLE_UNSTATED,
            "",
            "the package does not say whether this is a customer or a supplier, and holds no invoice or "
            f"bill for it: imported as a {kind} only when chosen",
        )
    address = structured_address(contact.address, notes)
    email = _email(contact.email, notes)
    phone, mobile = _phones(contact.phone, contact.mobile, notes)
    vat = _vat(contact.vat_number, notes)
    if any(issue.severity == "error" for issue in notes.issues):
        return Transformed(contact.id, name, source_id, None, tuple(notes.issues), contact)
    reference = tidy_spaces(contact.reference)
    record: Customer | Supplier
    if kind == "supplier":
        record = Supplier(
            source_id=source_id,
            name=name,
            address=address,
            email=email,
            phone=phone or mobile,
            account_reference=reference,
        )
    elif is_company_contact(contact):
        person = _contact_person(contact)
        record = Customer(
            source_id=source_id,
            customer_type="commercial",
            company_name=name,
            title=person.title,
            first_name=person.first_name,
            last_name=person.last_name,
            address=address,
            email=email,
            phone=phone,
            mobile=mobile,
            account_reference=reference,
            vat_number=vat,
        )
    else:
        person = _person(contact, name)
        record = Customer(
            source_id=source_id,
            customer_type="residential",
            title=person.title,
            first_name=person.first_name,
            last_name=person.last_name,
            address=address,
            email=email,
            phone=phone,
            mobile=mobile,
            account_reference=reference,
            vat_number=vat,
        )
    return Transformed(contact.id, name, source_id, record, tuple(notes.issues), contact)


def _contact_person(contact: PackageContact) -> PersonName:
    if contact.first_name or contact.last_name:
        return PersonName("", person_case(contact.first_name.strip()), person_case(contact.last_name.strip()))
    return split_person(contact.contact_person)


def _person(contact: PackageContact, name: str) -> PersonName:
    split = split_person(name)
    if (contact.first_name or contact.last_name) and not split.first_name:
        # the package kept the names apart and the display name lacks one: trust the fields
        return PersonName(
            split.title,
            person_case(contact.first_name.strip()),
            person_case(contact.last_name.strip()) or split.last_name,
        )
    return split


def _email(text: str, notes: _Findings) -> str:
    if not text.strip():
        return ""
    found = email_address(text)
    if found is None:
        notes.warn(
            IssueCode.EMAIL_INVALID, "email", f"{text.strip()!r} cannot work as an email address (left out)"
        )
        return ""
    return found


def _phones(phone_text: str, mobile_text: str, notes: _Findings) -> tuple[str, str]:
    phone = phone_number(phone_text)
    mobile = phone_number(mobile_text)
    for field_name, text, found in (("phone", phone_text, phone), ("mobile", mobile_text, mobile)):
        if text.strip() and found is None:
            notes.warn(
                IssueCode.PHONE_INVALID, field_name, f"{text.strip()!r} is not a phone number (left out)"
            )
    if phone is not None and phone.mobile and mobile is None:
        return "", phone.e164  # a mobile number typed in the phone field
    return (phone.e164 if phone else ""), (mobile.e164 if mobile else "")


def _vat(text: str, notes: _Findings) -> str:
    if not text.strip():
        return ""
    found = vat_number(text)
    if found is None:
        notes.warn(
            IssueCode.VAT_INVALID, "vat_number", f"{text.strip()!r} fails the VAT number check (left out)"
        )
        return ""
    return found


def transform_all(contacts: Iterable[PackageContact], kind: ImportKind, *, package: str) -> list[Transformed]:
    """Every contact of the package that belongs to this import, transformed, in the package's order."""
    return [transform(contact, kind, package=package) for contact in contacts if belongs_to(contact, kind)]


def record_kind(kind: ImportKind) -> RecordKind:
    return RecordKind.CUSTOMER if kind == "customer" else RecordKind.SUPPLIER
