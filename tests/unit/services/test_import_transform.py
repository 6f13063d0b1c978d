"""A package contact becomes a tidy jobs-side customer or supplier, and every problem is named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.domain.contact_details import (
    UK_POSTCODE,
    email_address,
    find_postcode,
    phone_number,
    uk_postcode,
    vat_number,
)
from ledgerlink.domain.package_contact import PackageContact
from ledgerlink.domain.records import Address, Customer, Supplier
from ledgerlink.errors import RecordNotFound
from ledgerlink.services.importing.fields import FIELD_TABLES, field_table
from ledgerlink.services.importing.transform import (
    TITLES,
    ImportKind,
    IssueCode,
    PersonName,
    belongs_to,
    country_code,
    looks_like_company,
    source_id_for,
    split_person,
    structured_address,
    transform,
)


def contact(name: str = "John Smith", **fields: Any) -> PackageContact:
    values: dict[str, Any] = {"id": "c1", "name": name, "is_customer": True, **fields}
    return PackageContact(**values)


def codes(contact_: PackageContact, kind: ImportKind = "customer") -> set[IssueCode]:
    return {issue.code for issue in transform(contact_, kind, package="sage").issues}


# --- names -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Mr J. Smith", PersonName("Mr", "J", "Smith")),
        ("Smith, John", PersonName("", "John", "Smith")),
        ("Dr. Jane Doe", PersonName("Dr", "Jane", "Doe")),
        ("Smith, Mr John", PersonName("Mr", "John", "Smith")),
        ("JOHN SMITH", PersonName("", "John", "Smith")),
        ("mrs mary o'brien", PersonName("Mrs", "Mary", "O'Brien")),
        ("john mcdonald", PersonName("", "John", "McDonald")),
        ("Mr & Mrs Smith", PersonName("Mr & Mrs", "", "Smith")),
        ("Jan van der Berg", PersonName("", "Jan", "van der Berg")),
        ("Madonna", PersonName("", "", "Madonna")),
        ("  Prof.   Ann   Lee  ", PersonName("Prof", "Ann", "Lee")),
        ("Mary-Jane McKay", PersonName("", "Mary-Jane", "McKay")),
    ],
)
def test_a_persons_name_is_split_into_title_first_and_last(typed: str, expected: PersonName) -> None:
    assert split_person(typed) == expected


NOT_NAMES = set(TITLES) | {
    "van",
    "von",
    "de",
    "der",
    "den",
    "da",
    "di",
    "du",
    "la",
    "le",
    "st",
    "jr",
    "jnr",
    "sr",
    "snr",
    "ii",
    "iii",
    "and",
}
name_word = (
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=10)
    .filter(lambda word: word not in NOT_NAMES)
    .map(str.capitalize)
)


@given(title=st.sampled_from(["", "Mr", "Mrs", "Dr", "Ms"]), first=name_word, last=name_word)
def test_any_title_first_last_typed_either_way_splits_the_same(title: str, first: str, last: str) -> None:
    forward = split_person(f"{title} {first} {last}")
    backward = split_person(f"{last}, {title} {first}")
    assert forward == backward == PersonName(title, first, last)


@given(
    st.text(
        alphabet=st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,&'-\t"), max_size=40
    )
)
def test_splitting_never_invents_or_loses_letters(typed: str) -> None:
    split = split_person(typed)
    letters = "".join(c for c in split.full.lower() if c.isalpha())
    assert sorted(letters) == sorted(c for c in typed.lower() if c.isalpha())


@pytest.mark.parametrize(
    "name",
    [
        "Smith & Sons Ltd",
        "Acme Plumbing",
        "Leeds Heating Services",
        "Jones LLP",
        "Patel Properties Limited",
        "Smith & Jones",
        "Northern Gas Engineering",
    ],
)
def test_a_business_is_recognised_from_its_name(name: str) -> None:
    assert looks_like_company(name)


@pytest.mark.parametrize(
    "name", ["John Smith", "Mr J Smith", "Mr & Mrs Smith", "John & Mary Smith", "Smith, John"]
)
def test_a_person_or_a_couple_is_not_taken_for_a_business(name: str) -> None:
    assert not looks_like_company(name)


def test_a_company_customer_keeps_its_name_and_its_contact_person_apart() -> None:
    made = transform(contact("Acme Plumbing Ltd", contact_person="Mrs Jane Doe"), "customer", package="sage")
    record = made.record
    assert isinstance(record, Customer)
    assert record.customer_type == "commercial"
    assert record.company_name == "Acme Plumbing Ltd"
    assert (record.title, record.first_name, record.last_name) == ("Mrs", "Jane", "Doe")


def test_a_name_the_package_says_is_someone_elses_makes_a_business() -> None:
    made = transform(
        contact("The Old Rectory", first_name="Anne", last_name="Hall"), "customer", package="xero"
    )
    assert isinstance(made.record, Customer)
    assert made.record.customer_type == "commercial"
    assert made.record.last_name == "Hall"


def test_a_person_named_in_both_fields_stays_a_person() -> None:
    made = transform(contact("John Smith", first_name="John", last_name="Smith"), "customer", package="xero")
    assert isinstance(made.record, Customer)
    assert made.record.customer_type == "residential"
    assert made.record.display_name == "John Smith"


def test_a_contact_without_a_usable_name_is_an_error_and_becomes_nothing() -> None:
    made = transform(contact("--?"), "customer", package="sage")
    assert made.record is None
    assert [issue.code for issue in made.errors] == [IssueCode.NO_NAME]


def test_an_archived_contact_is_not_imported() -> None:
    assert transform(contact(active=False), "customer", package="sage").record is None


# --- postcodes and addresses -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "standard"),
    [
        ("ls62ab", "LS6 2AB"),
        ("LS6 2AB", "LS6 2AB"),
        ("  ec1a  1bb ", "EC1A 1BB"),
        ("sw1a1aa", "SW1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("LS6 OAB", "LS6 0AB"),
    ],
)
def test_uk_postcodes_are_written_in_upper_case_with_one_space(typed: str, standard: str) -> None:
    assert uk_postcode(typed) == standard


@pytest.mark.parametrize("typed", ["4223", "LS6 2A", "75001", "HELLO", ""])
def test_what_is_not_a_uk_postcode_is_said_so(typed: str) -> None:
    assert uk_postcode(typed) is None


outward = st.from_regex(r"[A-PR-UWYZ][0-9]{1,2}", fullmatch=True)
inward = st.from_regex(r"[0-9][ABD-HJLNP-UW-Z]{2}", fullmatch=True)


@given(outward=outward, inward=inward, spaces=st.sampled_from(["", " ", "  "]), lower=st.booleans())
def test_any_valid_postcode_however_typed_comes_out_standard(
    outward: str, inward: str, spaces: str, lower: bool
) -> None:
    typed = f"{outward}{spaces}{inward}"
    standard = uk_postcode(typed.lower() if lower else typed)
    assert standard == f"{outward} {inward}"
    assert UK_POSTCODE.match(standard)


def test_a_postcode_and_town_typed_into_the_first_line_are_taken_out() -> None:
    made = transform(
        contact(address=Address(line1="4 Elm Rd, Flat 2, Leeds LS6 2AB")), "customer", package="sage"
    )
    assert made.record is not None
    address = made.record.address
    assert (address.line1, address.line2, address.town, address.postcode) == (
        "4 Elm Rd",
        "Flat 2",
        "Leeds",
        "LS6 2AB",
    )
    assert IssueCode.NO_POSTCODE not in {issue.code for issue in made.issues}


def test_find_postcode_leaves_a_line_without_one_alone() -> None:
    assert find_postcode("4 Elm Road") is None
    assert find_postcode("Leeds ls6 2ab") == ("Leeds", "LS6 2AB")


def test_missing_and_foreign_postcodes_are_warnings_not_errors() -> None:
    missing = transform(contact(address=Address(line1="4 Elm Rd", town="Leeds")), "customer", package="sage")
    foreign = transform(
        contact(address=Address(line1="4 Elm Rd", postcode="LS6 2A")), "customer", package="sage"
    )
    assert missing.record is not None
    assert foreign.record is not None
    assert [issue.code for issue in missing.warnings] == [IssueCode.NO_POSTCODE]
    assert [issue.code for issue in foreign.warnings] == [IssueCode.POSTCODE_NOT_UK]
    assert foreign.record.address.postcode == "LS6 2A"


def test_a_french_address_keeps_its_postcode_without_a_uk_warning() -> None:
    made = transform(
        contact(address=Address(line1="1 Rue X", town="Lyon", postcode="69001", country="France")),
        "customer",
        package="xero",
    )
    assert made.record is not None
    assert made.record.address.country == "FR"
    assert made.record.address.postcode == "69001"
    assert not made.warnings


@pytest.mark.parametrize(
    ("typed", "code"), [("United Kingdom", "GB"), ("uk", "GB"), ("", "GB"), ("Ireland", "IE")]
)
def test_countries_become_two_letter_codes(typed: str, code: str) -> None:
    assert country_code(typed) == code


def test_structured_address_puts_extra_pieces_on_the_third_line() -> None:
    from ledgerlink.services.importing.transform import _Findings

    address = structured_address(
        Address(line1="Unit 4, Mill Yard, 12 Mill Lane", line2="Holbeck", town="Leeds", postcode="LS11 5AA"),
        _Findings(),
    )
    assert (address.line1, address.line2, address.line3) == ("Unit 4", "Mill Yard", "12 Mill Lane, Holbeck")


# --- phones, emails, VAT numbers -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "e164", "mobile"),
    [
        ("0113 496 0000", "+441134960000", False),
        ("+44 (0)113 496 0000", "+441134960000", False),
        ("07911 123456", "+447911123456", True),
        ("0044 7911 123456", "+447911123456", True),
        ("tel: 020 7946 0000 (office)", "+442079460000", False),
    ],
)
def test_phone_numbers_are_written_in_e164(typed: str, e164: str, mobile: bool) -> None:
    found = phone_number(typed)
    assert found is not None
    assert (found.e164, found.mobile) == (e164, mobile)


@pytest.mark.parametrize("typed", ["123", "n/a", "0113 49", "ring mobile", ""])
def test_what_is_not_a_phone_number_is_said_so(typed: str) -> None:
    assert phone_number(typed) is None


@given(st.from_regex(r"07[789][0-9]{8}", fullmatch=True))
def test_a_uk_mobile_number_comes_out_as_plus_44(typed: str) -> None:
    found = phone_number(typed)
    if found is not None:  # a few ranges are not allocated
        assert found.e164 == "+44" + typed[1:]


def test_a_mobile_typed_in_the_phone_field_goes_to_mobile() -> None:
    made = transform(contact(phone="07911 123456"), "customer", package="sage")
    assert isinstance(made.record, Customer)
    assert (made.record.phone, made.record.mobile) == ("", "+447911123456")


def test_a_bad_phone_is_left_out_with_a_warning_naming_it() -> None:
    made = transform(contact(phone="ring mobile"), "customer", package="sage")
    assert isinstance(made.record, Customer)
    assert made.record.phone == ""
    assert "'ring mobile' is not a phone number" in str(made.warnings[-1])


@pytest.mark.parametrize(
    ("typed", "clean"),
    [
        ("John.Smith@Example.COM", "John.Smith@example.com"),
        (" jane@example.co.uk ", "jane@example.co.uk"),
        ("a@example.com; b@example.com", "a@example.com"),
        ("<sales@acme.co.uk>", "sales@acme.co.uk"),
    ],
)
def test_emails_that_can_work_are_kept_normalised(typed: str, clean: str) -> None:
    assert email_address(typed) == clean


@pytest.mark.parametrize(
    "typed", ["john@", "john at example.com", "n/a", "john@@example.com", "@example.com"]
)
def test_emails_that_cannot_work_are_refused(typed: str) -> None:
    assert email_address(typed) is None
    assert IssueCode.EMAIL_INVALID in codes(contact(email=typed))


def test_vat_numbers_are_checked_and_written_with_their_prefix() -> None:
    assert vat_number("980 7806 84") == "GB980780684"
    assert vat_number("gb 980780684") == "GB980780684"
    assert vat_number("GB123456789") is None
    assert IssueCode.VAT_INVALID in codes(contact("Acme Ltd", vat_number="GB123456789"))


# --- roles, ids, the field table -------------------------------------------------------------------


def test_a_contact_marked_neither_is_offered_to_both_imports_as_a_question() -> None:
    neither = contact(is_customer=False)
    supplier = contact(is_customer=False, is_supplier=True)
    assert belongs_to(neither, "customer")
    assert belongs_to(neither, "supplier")
    assert not belongs_to(supplier, "customer")
    assert IssueCode.ROLE_UNSTATED in codes(neither)
    assert IssueCode.ROLE_UNSTATED not in codes(supplier)


def test_a_supplier_becomes_a_supplier_with_its_reference_and_a_stable_id() -> None:
    made = transform(
        contact(
            "Plumb Center", is_customer=False, is_supplier=True, reference="PLUMB01", phone="0113 496 0000"
        ),
        "supplier",
        package="xero",
    )
    assert isinstance(made.record, Supplier)
    assert made.record.source_id == source_id_for("xero", "c1") == "xero-c1"
    assert (made.record.name, made.record.account_reference, made.record.phone) == (
        "Plumb Center",
        "PLUMB01",
        "+441134960000",
    )


def test_each_package_has_a_field_table_and_an_unknown_one_is_named() -> None:
    assert set(FIELD_TABLES) == {"quickbooks", "sage", "xero"}
    assert any(
        row.package_field == "postal_code" or "postal_code" in row.package_field
        for row in field_table("sage")
    )
    with pytest.raises(RecordNotFound, match="quickbooks, sage, xero"):
        field_table("freeagent")


def test_the_field_tables_in_docs_import_md_are_the_ones_the_import_uses() -> None:
    page = (Path(__file__).parents[3] / "docs" / "import.md").read_text(encoding="utf-8")
    for package, rows in FIELD_TABLES.items():
        assert f"### {package.title()}" in page
        for row in rows:
            assert f"| `{row.package_field}` | {row.jobs_field} | {row.rule} |" in page
