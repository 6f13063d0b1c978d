"""The organisation a Xero sandbox starts from: a UK chart of accounts and UK VAT rates as Xero ships them."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

from ledgerlink.sandbox.kit import AdminError
from ledgerlink.sandbox.xero.bodies import AccountType

# (code, name, type, tax type, system account, payments enabled): Xero's default UK chart of accounts, kept
# as data beside this module (`uk_chart.csv`; docs/sandboxes.md says where it comes from).
ChartRow = tuple[str, str, str, str, str, bool]

# The default tax type Xero gives a new account of each type when none is said.
DEFAULT_TAX_TYPE = {
    "REVENUE": "OUTPUT2",
    "SALES": "OUTPUT2",
    "OTHERINCOME": "OUTPUT2",
    "DIRECTCOSTS": "INPUT2",
}
DEFAULT_TAX_TYPE |= {"OVERHEADS": "INPUT2", "EXPENSE": "INPUT2", "FIXED": "INPUT2"}
# every account type a body may name but PAYG, which a UK organisation's chart has no use for
ACCOUNT_TYPES = frozenset(get_args(AccountType)) - {"PAYG"}


def _read_chart() -> tuple[ChartRow, ...]:
    text = (Path(__file__).parent / "uk_chart.csv").read_text(encoding="utf-8")
    return tuple(
        (
            row["code"],
            row["name"],
            row["type"],
            row["tax_type"],
            row["system_account"],
            row["payments"] == "true",
        )
        for row in csv.DictReader(io.StringIO(text))
    )


UK_ACCOUNTS: tuple[ChartRow, ...] = _read_chart()


def chart_from(rows: Any) -> tuple[ChartRow, ...]:
    """An organisation's own chart from `POST /_sandbox/seed`'s `chart`: `[{code, name, type, tax_type?}]`
    in Xero's words (`type` an account Type such as OVERHEADS), so a test can start from any chart."""
    if not isinstance(rows, list) or not rows:
        raise AdminError("chart must be a non-empty list of {code, name, type}")
    chart: list[ChartRow] = []
    for row in rows:
        if not isinstance(row, dict) or not {"code", "name", "type"} <= row.keys():
            raise AdminError(f"each chart entry needs code, name and type: {row!r}")
        kind = str(row["type"]).upper()
        if kind not in ACCOUNT_TYPES:
            raise AdminError(f"unknown account Type {kind!r} for {row['code']}")
        tax = str(row.get("tax_type", DEFAULT_TAX_TYPE.get(kind, "NONE")))
        chart.append((str(row["code"]), str(row["name"]), kind, tax, "", bool(row.get("payments", False))))
    for position in (0, 1):
        values = [str(entry[position]).casefold() for entry in chart]
        if len(set(values)) != len(values):
            raise AdminError("chart codes and names must be unique")
    return tuple(chart)


_SALES = {"REVENUE": True, "EXPENSES": False, "ASSETS": True, "LIABILITIES": True, "EQUITY": True}
_PURCHASES = {"REVENUE": False, "EXPENSES": True, "ASSETS": True, "LIABILITIES": True, "EQUITY": True}
_ANY = {"REVENUE": True, "EXPENSES": True, "ASSETS": True, "LIABILITIES": True, "EQUITY": True}

# (tax type, name, rate, report tax type, where it may be used)
UK_TAX_RATES: tuple[tuple[str, str, Decimal, str, dict[str, bool]], ...] = (
    ("OUTPUT2", "20% (VAT on Income)", Decimal("20.0000"), "OUTPUT", _SALES),
    ("INPUT2", "20% (VAT on Expenses)", Decimal("20.0000"), "INPUT", _PURCHASES),
    ("RROUTPUT", "5% (VAT on Income)", Decimal("5.0000"), "OUTPUT", _SALES),
    ("RRINPUT", "5% (VAT on Expenses)", Decimal("5.0000"), "INPUT", _PURCHASES),
    ("ZERORATEDOUTPUT", "Zero Rated Income", Decimal("0.0000"), "OUTPUT", _SALES),
    ("ZERORATEDINPUT", "Zero Rated Expenses", Decimal("0.0000"), "INPUT", _PURCHASES),
    ("EXEMPTOUTPUT", "Exempt Income", Decimal("0.0000"), "EXEMPTOUTPUT", _SALES),
    ("EXEMPTINPUT", "Exempt Expenses", Decimal("0.0000"), "EXEMPTINPUT", _PURCHASES),
    ("NONE", "No VAT", Decimal("0.0000"), "NONE", _ANY),
)
