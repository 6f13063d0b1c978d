"""Contact details checked and written the standard way: UK postcodes, phone numbers, emails, VAT numbers.

Validation warns about them, importing tidies them and matching compares them. Each rule is kept once,
here, so a postcode the import writes is one validation accepts and matching reads as a UK postcode.
Phone numbers, emails and VAT numbers are left to the libraries that know them (phonenumbers,
email-validator, python-stdnum); UK postcodes follow the format Royal Mail publishes, which none of the
libraries already used knows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from stdnum.gb import vat as gb_vat
from stdnum.ie import vat as ie_vat

# --- UK postcodes ----------------------------------------------------------------------------------

UK_POSTCODE = re.compile(
    r"^(GIR ?0AA|[A-PR-UWYZ]([0-9]{1,2}|[A-HK-Y][0-9]([0-9ABEHMNPRV-Y])?|[0-9][A-HJKPS-UW])"
    r" ?[0-9][ABD-HJLNP-UW-Z]{2})$",
    re.IGNORECASE,
)
"""A UK postcode as written: an outward code whose letters the format allows in each place (no Q, V
or X first, no I, J or Z second), one space or none, and an inward code of a digit and two letters
that are never C, I, K, M, O or V; or GIR 0AA."""

# Anything shaped like a postcode inside a line of text; UK_POSTCODE then says whether it is one.
_POSTCODE_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9])[A-Z]{1,3}[0-9][A-Z0-9]?\s*[0-9][A-Z]{2}(?![A-Za-z0-9])", re.IGNORECASE
)


def is_uk_postcode(text: str) -> bool:
    """Whether the text, as typed, is a UK postcode (upper or lower case, one space or none)."""
    return UK_POSTCODE.match(text) is not None


def uk_postcode(text: str) -> str | None:
    """A UK postcode written the standard way (upper case, one space), or None if it is not one."""
    compact = re.sub(r"\s+", "", text).upper()
    if not 5 <= len(compact) <= 7:
        return None
    inward = compact[-3:]
    if inward[0] in "OI":  # the inward code starts with a digit: a letter O or I there is a typo
        inward = {"O": "0", "I": "1"}[inward[0]] + inward[1:]
    candidate = f"{compact[:-3]} {inward}"
    return candidate if UK_POSTCODE.match(candidate) else None


def find_postcode(text: str, *, at_end: bool = False) -> tuple[str, str] | None:
    """A UK postcode typed into a line of text: (the text without it, the postcode written the standard
    way), or None. With `at_end`, only a postcode that ends the text counts."""
    stripped = text.strip()
    for found in _POSTCODE_IN_TEXT.finditer(stripped):
        if at_end and found.end() != len(stripped):
            continue
        postcode = uk_postcode(found.group(0))
        if postcode is not None:
            return (stripped[: found.start()] + stripped[found.end() :]).strip(" ,"), postcode
    return None


# --- phone numbers ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Phone:
    e164: str
    mobile: bool


def parse_phone(text: str, region: str = "GB") -> phonenumbers.PhoneNumber | None:
    """The real phone number the whole text is (national numbers read as `region`'s), or None."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    # most numbers are British: checking against GB first spares a search of every region
    if phonenumbers.is_valid_number_for_region(number, "GB") or phonenumbers.is_valid_number(number):
        return number
    return None


def phone_number(text: str, region: str = "GB") -> Phone | None:
    """The first real phone number in the text, in E.164; None if there is none."""
    cleaned = " ".join(text.split())
    if not cleaned:
        return None
    number = parse_phone(cleaned, region)
    if number is not None:
        return _phone(number)
    # words around the number ("tel: ... (office)"): the slower search through the text
    for found in phonenumbers.PhoneNumberMatcher(cleaned, region):
        if phonenumbers.is_valid_number(found.number):
            return _phone(found.number)
    return None


def _phone(number: phonenumbers.PhoneNumber) -> Phone:
    return Phone(
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE,
    )


# --- emails ----------------------------------------------------------------------------------------


def email_problem(text: str) -> str | None:
    """Why the text cannot be an email address, in email-validator's words; None when it can be one."""
    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError as error:
        return str(error)
    return None


def email_address(text: str) -> str | None:
    """The first address in the text that can work, normalised; None if there is none."""
    for candidate in re.split(r"[;,\s/]+", text.strip()):
        candidate = candidate.strip("<>()[]\"'")
        if not candidate:
            continue
        try:
            return validate_email(candidate, check_deliverability=False).normalized
        except EmailNotValidError:
            continue
    return None


# --- VAT numbers -----------------------------------------------------------------------------------


def is_uk_vat_number(text: str) -> bool:
    """Whether the text is a UK VAT number that passes its check digits."""
    return bool(gb_vat.is_valid(text))


def vat_number(text: str) -> str | None:
    """A UK or Irish VAT number that passes its check, with its country prefix; None otherwise."""
    compact = re.sub(r"[\s.\-]", "", text).upper()
    if not compact:
        return None
    if compact.startswith("IE") and ie_vat.is_valid(compact):
        return "IE" + ie_vat.compact(compact)
    if gb_vat.is_valid(compact):
        return "GB" + gb_vat.compact(compact)
    return None
