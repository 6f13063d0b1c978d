"""Money as QuickBooks keeps it: pennies rounded half up, and JSON numbers in its replies."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

CENT = Decimal("0.01")


def money(value: Any) -> Decimal:
    return Decimal(str(value)).quantize(CENT, ROUND_HALF_UP)


def times(quantity: Any, price: Any) -> Decimal:
    return money(Decimal(str(quantity)) * Decimal(str(price)))


def number(value: Decimal) -> float:
    return float(value)
