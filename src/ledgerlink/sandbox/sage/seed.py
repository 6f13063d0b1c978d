"""What a new sandbox business starts with: a UK chart of accounts, bank accounts and GB tax rates.

The chart (`uk_chart.csv`) is Sage 50 Accounts' standard UK nominal list, the one Sage publishes for
Sage 50 and UK bookkeepers reproduce (4000 Sales Type A, 5001 Cost of sales - materials, 6002
Sub-contractors, 7300 Fuel and Oil, 7301 Repairs and Servicing, 7502 Telephone, 7901 Bank Charges, 8204
Insurance), its control accounts named as Sage Accounting names them (1100 Trade Debtors, 2100 Trade
Creditors), each account with the `ledger_account_type_id` Sage Accounting's API uses for its range and
the default VAT rate a UK business would expect. It is not the chart a new Sage Accounting business
starts from: that one, as the examples in Sage's own Accounting API reference and its help on control
accounts show, numbers and names many accounts differently (4000 Sales - Products and 4010 Sales -
Services, 5000 Cost of Sales - Goods and 5020 Cost of Sales - Materials, 7530 Telephone, 7900 Bank
Charges and Interest, 9999 Suspense). That complete list is not published where it can be checked
account by account, so the sandbox keeps a whole chart UK businesses really use rather than a guessed
one; a test that needs other names seeds its own `chart`.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from ledgerlink.sandbox.kit import AdminError

# (nominal code, name, ledger_account_type_id, default tax rate id), read from `uk_chart.csv`.
ChartRow = tuple[int, str, str, str]


def _read_chart() -> tuple[ChartRow, ...]:
    text = (Path(__file__).parent / "uk_chart.csv").read_text(encoding="utf-8")
    return tuple(
        (int(row["nominal_code"]), row["name"], row["ledger_account_type_id"], row["tax_rate_id"])
        for row in csv.DictReader(io.StringIO(text))
    )


UK_CHART: tuple[ChartRow, ...] = _read_chart()


def chart_from(rows: Any) -> tuple[ChartRow, ...]:
    """A business's own chart from `POST /_sandbox/seed`'s `chart`: `[{code, name, type, tax_rate?}]`
    in Sage's words (`type` a `ledger_account_type_id`), so a test can start from any customised chart."""
    if not isinstance(rows, list) or not rows:
        raise AdminError("chart must be a non-empty list of {code, name, type}")
    chart: list[ChartRow] = []
    for row in rows:
        if not isinstance(row, dict) or not {"code", "name", "type"} <= row.keys():
            raise AdminError(f"each chart entry needs code, name and type: {row!r}")
        kind = str(row["type"]).upper()
        if kind not in LEDGER_ACCOUNT_TYPE_NAMES:
            raise AdminError(f"unknown ledger_account_type_id {kind!r} for {row['code']}")
        default_tax = "GB_STANDARD" if kind in SALES_TYPES | PURCHASE_TYPES else ""
        chart.append((int(str(row["code"])), str(row["name"]), kind, str(row.get("tax_rate", default_tax))))
    codes = [row[0] for row in chart]
    if len(set(codes)) != len(codes):
        raise AdminError("chart codes must be unique")
    return tuple(chart)


LEDGER_ACCOUNT_TYPE_NAMES = {
    "SALES": "Sales",
    "OTHER_INCOME": "Other Income",
    "DIRECT_EXPENSES": "Direct Expenses",
    "OVERHEADS": "Overheads",
    "DEPRECIATION": "Depreciation",
    "CURRENT_ASSETS": "Current Assets",
    "FIXED_ASSETS": "Fixed Assets",
    "FUTURE_ASSETS": "Future Assets",
    "BANK": "Bank",
    "CASH_IN_HAND": "Cash in Hand",
    "CURRENT_LIABILITY": "Current Liability",
    "FUTURE_LIABILITY": "Future Liability",
    "EQUITY": "Equity",
    "LT_LIABILITY": "Long Term Liability",
}

SALES_TYPES = frozenset({"SALES", "OTHER_INCOME"})
PURCHASE_TYPES = frozenset({"DIRECT_EXPENSES", "OVERHEADS", "FIXED_ASSETS", "DEPRECIATION"})

# (nominal code, name, bank_account_type_id)
BANK_ACCOUNTS: tuple[tuple[int, str, str], ...] = (
    (1200, "Current Account", "CHECKING"),
    (1210, "Deposit Account", "SAVINGS"),
    (1230, "Petty Cash", "CASH_IN_HAND"),
)

# (id, name, percentage, agency-type flag: taxable)
GB_TAX_RATES: tuple[tuple[str, str, Decimal, bool], ...] = (
    ("GB_STANDARD", "Standard 20.00%", Decimal("20.00"), True),
    ("GB_LOWER", "Lower 5.00%", Decimal("5.00"), True),
    ("GB_ZERO", "Zero 0.00%", Decimal("0.00"), True),
    ("GB_EXEMPT", "Exempt 0.00%", Decimal("0.00"), False),
    ("GB_NO_TAX", "No Tax", Decimal("0.00"), False),
)

PAYMENT_METHODS: tuple[tuple[str, str], ...] = (
    ("BANK_TRANSFER", "Bank Transfer"),
    ("CASH", "Cash"),
    ("CHEQUE", "Cheque"),
    ("CREDIT_DEBIT", "Credit/Debit Card"),
    ("ALTERNATIVE_PAYMENT", "Alternative Payment Method"),
)

CONTACT_TYPES = {"CUSTOMER": "Customer", "VENDOR": "Supplier"}

TRANSACTION_TYPES = {
    "CUSTOMER_RECEIPT": "Customer Receipt",
    "CUSTOMER_REFUND": "Customer Refund",
    "VENDOR_PAYMENT": "Supplier Payment",
    "VENDOR_REFUND": "Supplier Refund",
    "CUSTOMER_ALLOCATION": "Customer Allocation",
    "VENDOR_ALLOCATION": "Supplier Allocation",
}
