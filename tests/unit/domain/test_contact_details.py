"""One rule for each contact detail, the same for validation, importing and matching.

Before, three modules had three UK postcode rules: validation and importing followed the format, while
matching took anything shaped like one (two letters, a digit...) for a UK postcode, so a code that
validation warned about counted in matching as the strongest address evidence there is.
"""

from __future__ import annotations

import pytest

from ledgerlink.domain.contact_details import find_postcode, is_uk_postcode, uk_postcode
from ledgerlink.domain.records import Address, Customer
from ledgerlink.domain.validation import ReferenceData, validate
from ledgerlink.matching.normalise import normalise_address, normalise_postcode

# each shaped like a UK postcode, none of them one: an inward code never uses C, I, K, M, O or V, and
# an outward code never starts with Q, V or X
NOT_UK_BUT_SHAPED_LIKE_ONE = ["LS6 3CD", "LS6 2AK", "QA1 1AA", "XA1 1AA", "VA1 1AA"]


@pytest.mark.parametrize("typed", NOT_UK_BUT_SHAPED_LIKE_ONE)
def test_a_code_shaped_like_a_uk_postcode_that_the_format_refuses_is_not_one_anywhere(typed: str) -> None:
    assert not is_uk_postcode(typed)
    assert uk_postcode(typed) is None
    customer = Customer(source_id="C1", last_name="Smith", address=Address(postcode=typed))
    assert [f.field for f in validate(customer, ReferenceData())] == ["address.postcode"]
    address = normalise_address(("4 Elm Road",), "Leeds", typed)
    assert (address.uk_postcode, address.outward) == (False, "")
    assert address.postcode == typed.replace(" ", "")


def test_gir_0aa_is_a_uk_postcode_everywhere() -> None:
    assert is_uk_postcode("GIR 0AA")
    assert uk_postcode("gir0aa") == "GIR 0AA"
    assert normalise_postcode("gir0aa") == "GIR 0AA"
    assert normalise_address(("Girobank",), "Bootle", "GIR 0AA").uk_postcode


def test_matching_reads_a_postcode_typed_with_a_letter_o_as_the_import_writes_it() -> None:
    assert uk_postcode("LS6 OAB") == "LS6 0AB"
    assert normalise_postcode("LS6 OAB") == "LS6 0AB"


def test_a_postcode_found_in_text_must_be_one_to_be_taken_out() -> None:
    assert find_postcode("Leeds LS6 3CD") is None
    address = normalise_address(("4 Elm Road", "Leeds LS6 3CD"), "", "")
    assert (address.postcode, address.uk_postcode) == ("", False)
    assert find_postcode("4 Elm Road, Leeds LS6 2AB") == ("4 Elm Road, Leeds", "LS6 2AB")


def test_at_the_end_only_a_postcode_that_ends_the_text_is_found() -> None:
    assert find_postcode("LS6 2AB Leeds") == ("Leeds", "LS6 2AB")
    assert find_postcode("LS6 2AB Leeds", at_end=True) is None
    assert find_postcode("Leeds, LS6 2AB", at_end=True) == ("Leeds", "LS6 2AB")
