"""What every page writes the same way: pounds, UK dates, packages by their own name."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ledgerlink.web.deps import anchor, day, moment, package_label, pounds


def test_amounts_are_pounds_with_separators_and_a_sign_before_the_pound() -> None:
    assert pounds(Decimal("1204.5")) == "£1,204.50"
    assert pounds(Decimal("-20")) == "-£20.00"


def test_dates_read_day_first_as_in_the_uk() -> None:
    assert day(date(2026, 4, 1)) == "01/04/2026"
    assert moment(datetime(2026, 4, 1, 9, 5)) == "01/04/2026 09:05"
    assert day(None) == ""


def test_a_package_is_named_by_its_plugin_and_an_unknown_one_as_stored() -> None:
    assert package_label("xero") == "Xero"
    assert package_label("nonesuch") == "nonesuch"


def test_a_record_anchor_is_stable_and_holds_only_safe_characters() -> None:
    assert anchor("INV/2024 001") == anchor("INV/2024 001")
    assert anchor("INV/2024 001").replace("-", "").isalnum()
