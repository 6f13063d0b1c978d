"""Money rules: VAT per line rounded half up to the penny, totals the sums of their lines."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.domain.money import format_money, line_net, line_vat, parse_money, to_pennies
from ledgerlink.domain.records import DocumentLine, Invoice

pennies = st.integers(min_value=-10_000_000, max_value=10_000_000).map(lambda p: Decimal(p).scaleb(-2))
rates = st.sampled_from([Decimal(0), Decimal(5), Decimal(20), Decimal("17.5"), Decimal("12.5")])
PERCENT = {"S": Decimal(20), "R": Decimal(5), "Z": Decimal(0)}


@given(net=pennies, rate=rates)
def test_line_vat_is_the_exact_product_rounded_half_up_to_the_penny(net: Decimal, rate: Decimal) -> None:
    exact = net * rate / 100
    vat = line_vat(net, rate)
    assert vat == exact.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    assert abs(vat - exact) <= Decimal("0.005")
    assert vat.as_tuple().exponent == -2


def test_a_half_penny_of_vat_rounds_up_not_to_even() -> None:
    assert line_vat(Decimal("0.10"), Decimal(5)) == Decimal("0.01")
    assert line_vat(Decimal("0.30"), Decimal(5)) == Decimal("0.02")
    assert line_vat(Decimal("-0.10"), Decimal(5)) == Decimal("-0.01")


lines = st.lists(
    st.builds(
        DocumentLine,
        description=st.just("work"),
        quantity=st.integers(min_value=0, max_value=50).map(Decimal),
        unit_price=st.integers(min_value=-5_000, max_value=500_000).map(lambda p: Decimal(p).scaleb(-2)),
        vat_rate=st.sampled_from(sorted(PERCENT)),
        nominal_code=st.just("4000"),
    ),
    min_size=1,
    max_size=12,
)


@given(lines=lines)
def test_document_totals_are_the_sums_of_per_line_figures(lines: list[DocumentLine]) -> None:
    invoice = Invoice(source_id="i", number="1", date=date(2025, 1, 1), customer_id="c", lines=tuple(lines))
    totals = invoice.computed_totals(PERCENT)
    assert totals.net == sum((line.net for line in lines), Decimal(0))
    assert totals.vat == sum((line.vat(PERCENT[line.vat_rate]) for line in lines), Decimal(0))
    assert totals.gross == totals.net + totals.vat


@given(amount=pennies)
def test_formatted_money_reads_back_as_the_same_amount(amount: Decimal) -> None:
    assert parse_money(format_money(amount)) == amount


@pytest.mark.parametrize(("text", "amount"), [("1,204.50", "1204.50"), ("£12", "12"), (" -3.1 ", "-3.1")])
def test_amounts_are_read_as_people_write_them(text: str, amount: str) -> None:
    assert parse_money(text) == Decimal(amount)


@pytest.mark.parametrize("text", ["", "twelve", "NaN", "1.2.3"])
def test_something_that_is_not_money_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not an amount"):
        parse_money(text)


def test_line_net_is_quantity_times_price_to_the_penny() -> None:
    assert line_net(Decimal(3), Decimal("0.335")) == Decimal("1.01")
    assert to_pennies(Decimal("2.675")) == Decimal("2.68")
