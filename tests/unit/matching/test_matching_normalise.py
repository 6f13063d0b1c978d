"""Spelling differences that must not look like differences of substance."""

from __future__ import annotations

import pytest

from ledgerlink.matching.normalise import (
    company_tokens,
    normalise_address,
    normalise_email,
    normalise_party,
    normalise_phone,
    normalise_postcode,
    postcode_outward,
    split_person_name,
)
from ledgerlink.matching.party import Party


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("LS62AB", "LS6 2AB"), ("ls6 2ab", "LS6 2AB"), (" LS6  2AB ", "LS6 2AB"), ("sw1a1aa", "SW1A 1AA")],
)
def test_uk_postcodes_get_one_standard_form(raw: str, expected: str) -> None:
    assert normalise_postcode(raw) == expected
    assert postcode_outward(expected) == expected.split()[0]


def test_non_uk_postcodes_are_kept_as_exact_strings_without_an_outward_code() -> None:
    assert normalise_postcode("4223") == "4223"
    assert postcode_outward(normalise_postcode("4223")) == ""
    assert normalise_postcode("D02 X285") == "D02X285"


@pytest.mark.parametrize("raw", ["+44 7700 900123", "07700 900123", "0044 7700 900123", "+44 (0)7700 900123"])
def test_uk_phone_numbers_compare_with_or_without_country_code(raw: str) -> None:
    assert normalise_phone(raw) == "07700900123"


def test_short_phone_and_bad_email_count_as_missing() -> None:
    assert normalise_phone("123") == ""
    assert normalise_email("not an email") == ""
    assert normalise_email(" John.Smith@Example.COM ") == "john.smith@example.com"


def test_titles_and_initials_are_separated_from_the_name() -> None:
    name = split_person_name("Mr J. Smith")
    assert (name.title, name.first, name.last) == ("mr", "j", "smith")


def test_comma_puts_the_surname_first() -> None:
    name = split_person_name("Smith, John")
    assert (name.first, name.last) == ("john", "smith")


def test_company_names_ignore_legal_form_ampersand_and_punctuation() -> None:
    assert company_tokens("Smith & Sons Ltd") == company_tokens("Smith and Sons Limited")
    assert company_tokens("The Smith & Sons Ltd.") == company_tokens("SMITH AND SONS LTD")
    assert company_tokens("Acme Plc") == company_tokens("ACME public limited company")


def test_street_abbreviations_and_house_numbers() -> None:
    short = normalise_address(("4 Elm Rd",), "Leeds", "LS6 2AB")
    long = normalise_address(("4 Elm Road",), "Leeds", "LS62AB")
    assert short == long
    assert short.house_number == "4"
    assert short.street == "elm road"


def test_flat_number_is_not_the_house_number() -> None:
    address = normalise_address(("Flat 2, 14 Oak Avenue",), "", "")
    assert (address.flat, address.house_number, address.street) == ("2", "14", "oak avenue")


def test_postcode_and_town_are_found_in_free_text_address() -> None:
    address = normalise_address(("4 Elm Road, Leeds LS62AB",), "", "")
    assert (address.postcode, address.town, address.street) == ("LS6 2AB", "leeds", "elm road")


def test_kind_is_inferred_from_a_business_like_name() -> None:
    assert normalise_party(Party(id="1", name="Elm Plumbing Ltd")).kind == "commercial"
    assert normalise_party(Party(id="2", name="John Smith")).kind == "residential"
    assert normalise_party(Party(id="3", company_name="Acme")).kind == "commercial"


def test_a_couple_has_no_single_title_and_is_still_people() -> None:
    couple = normalise_party(Party(id="1", name="Mr & Mrs J Smith"))
    assert couple.kind == "residential"
    assert (couple.person.title, couple.person.first, couple.person.last) == ("", "j", "smith")


def test_double_barrelled_surname_stays_one_name() -> None:
    assert (
        split_person_name("Anna Kirby-Fahey").last
        == split_person_name("", first="Anna", last="Kirby-Fahey").last
    )
    assert split_person_name("Anna Kirby-Fahey").first == "anna"
