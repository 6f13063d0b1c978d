"""Money and VAT arithmetic.

Everything here works in `decimal.Decimal`: a penny lost to binary floating point is a penny a bookkeeper
has to find by hand. The jobs side computes VAT per line, rounded half up to the penny, and a document's
totals are the sums of its lines; the packages that round differently declare it in their connector.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
MOST_HELD = Decimal("999999999999.99")
"""The largest amount a ledger holds, either way: a document's gross is kept in 14 digits, 2 of them pence.

An amount or quantity beyond it (`1e400`, a mistyped `1000000000000`) is refused where it comes in, so
no sum or rounding downstream ever meets a figure it cannot hold.
"""


def to_pennies(amount: Decimal) -> Decimal:
    """Round to the penny the way UK invoices do: half up, away from zero."""
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def parse_money(text: str | int | Decimal) -> Decimal:
    """Read an amount written by a person or a file ("1,204.50", "£12", "-3.1") exactly."""
    if isinstance(text, Decimal):
        return text
    if isinstance(text, int):
        return Decimal(text)
    cleaned = text.strip().replace(",", "").replace("£", "").replace(" ", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as error:
        raise ValueError(f"{text!r} is not an amount of money") from error
    if not value.is_finite():
        raise ValueError(f"{text!r} is not an amount of money")
    return value


def held(amount: Decimal) -> Decimal:
    """`amount`, when a ledger can hold it; a ValueError saying so when it cannot."""
    if not -MOST_HELD <= amount <= MOST_HELD:
        raise ValueError(f"{amount} is more than a ledger holds ({MOST_HELD:,} either way)")
    return amount


def line_net(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """The net of one line: quantity times the net unit price, to the penny."""
    return to_pennies(quantity * unit_price)


def line_vat(net: Decimal, rate_percent: Decimal) -> Decimal:
    """The VAT of one line: its net times the rate, rounded half up to the penny."""
    return to_pennies(net * rate_percent / HUNDRED)


def total(amounts: Iterable[Decimal]) -> Decimal:
    """A sum that starts from a penny-exact zero, so an empty document totals 0.00, not 0."""
    return sum(amounts, ZERO)


def format_money(amount: Decimal) -> str:
    """Pounds with thousands separators, as a bookkeeper reads them: 1,204.50."""
    return f"{to_pennies(amount):,.2f}"
