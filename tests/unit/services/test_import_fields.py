"""The import field tables: each package's fields, with what the import does to each said once."""

from __future__ import annotations

from dataclasses import replace

from ledgerlink.packages.holdings import ContactPart, ImportField
from ledgerlink.packages.registry import get_package
from ledgerlink.services.importing.fields import FIELD_TABLES, WHAT_IMPORT_DOES, field_tables


def test_the_import_says_what_it_does_with_every_part_of_a_contact() -> None:
    assert set(WHAT_IMPORT_DOES) == set(ContactPart)


def test_a_package_field_takes_the_engines_rule_unless_the_package_says_how_its_field_differs() -> None:
    sage = get_package("sage")
    plain = replace(
        sage,
        import_fields=(
            ImportField("postcode_field", ContactPart.POSTCODE),
            ImportField("status_field", ContactPart.ACTIVE, "a contact marked GONE is skipped"),
            ImportField("key", ContactPart.ID),
        ),
    )
    postcode, status, key = field_tables([plain])["sage"]
    assert (postcode.package_field, postcode.jobs_field, postcode.rule) == (
        "postcode_field",
        *WHAT_IMPORT_DOES[ContactPart.POSTCODE],
    )
    assert (status.jobs_field, status.rule) == ("-", "a contact marked GONE is skipped")
    assert key.rule.startswith('"sage-<key>": a second import finds the record')


def test_a_package_whose_import_reads_nothing_has_no_field_table() -> None:
    assert field_tables([replace(get_package("xero"), import_fields=())]) == {}


def test_every_field_a_table_shows_is_one_its_mapping_reads() -> None:
    from ledgerlink.packages.sage import mapping as sage_mapping
    from ledgerlink.packages.xero import mapping as xero_mapping

    read = {
        "sage": {path for paths in sage_mapping.CONTACT_PATHS.values() for path in paths},
        "xero": {name for names in xero_mapping.CONTACT_FIELDS.values() for name in names}
        | set(xero_mapping.ADDRESS_FIELDS.values()),
    }
    for package, names in read.items():
        shown = " ".join(row.package_field for row in FIELD_TABLES[package])
        assert all(name in shown for name in names), package
