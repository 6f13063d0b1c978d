"""Before importing, each contact's fields read as the package has them and as they will be kept, with
what is left out and why; two contacts that are one party become one record."""

from __future__ import annotations

from ledgerlink.domain.package_contact import PackageContact
from ledgerlink.domain.records import Address, Customer
from ledgerlink.services.importing.review import FieldChange, field_changes, merged
from ledgerlink.services.importing.transform import transform


def _by_label(changes: tuple[FieldChange, ...]) -> dict[str, FieldChange]:
    return {change.label: change for change in changes}


def test_a_tidied_postcode_a_split_address_and_a_kept_reference_read_before_and_after() -> None:
    contact = PackageContact(
        id="c1",
        name="Mr J. Smith",
        reference="SMITH01",
        is_customer=True,
        email="j.smith@example",
        phone="07911 123456",
        address=Address(line1="4 Elm Road, Leeds ls62ab"),
    )

    changes = _by_label(field_changes(transform(contact, "customer", package="sage")))

    assert changes["address"].before == "4 Elm Road, Leeds ls62ab"
    assert changes["address"].after == "street: 4 Elm Road; town: Leeds; postcode: LS6 2AB"
    assert changes["address"].change == "tidied"
    assert changes["reference"] == FieldChange("reference", "SMITH01", "SMITH01", "kept")
    assert changes["email"].change == "left out"
    assert "cannot work as an email address" in changes["email"].why
    assert changes["phone"].change == "moved"
    assert changes["phone"].why == "a mobile number: kept as mobile +447911123456"
    assert (changes["name"].before, changes["name"].after) == ("Mr J. Smith", "Mr J Smith")


def test_a_contact_kept_out_shows_every_field_left_out_with_the_reason() -> None:
    contact = PackageContact(id="c2", name="---", email="x@example.com", is_customer=True)

    changes = field_changes(transform(contact, "customer", package="sage"))

    assert {(c.label, c.change, c.why) for c in changes} == {
        ("name", "left out", "no usable name"),
        ("email", "left out", "no usable name"),
    }


def test_a_merge_keeps_the_first_record_and_fills_its_blanks_from_the_other() -> None:
    first = Customer(source_id="sage-1", first_name="J", last_name="Smith", email="j.smith@example.com")
    other = Customer(
        source_id="sage-2",
        first_name="John",
        last_name="Smith",
        phone="+441134960000",
        address=Address(line1="4 Elm Road", town="Leeds", postcode="LS6 2AB"),
    )

    one = merged(first, other)

    assert isinstance(one, Customer)
    assert (one.source_id, one.first_name, one.email) == ("sage-1", "J", "j.smith@example.com")
    assert (one.phone, one.address.postcode) == ("+441134960000", "LS6 2AB")
