"""What a new sandbox business starts with: a UK chart of accounts, bank accounts and GB tax rates."""

from __future__ import annotations

from decimal import Decimal

# (nominal code, name, ledger_account_type_id)
UK_CHART: tuple[tuple[int, str, str], ...] = (
    (10, "Freehold Property", "FIXED_ASSETS"),
    (30, "Office Equipment", "FIXED_ASSETS"),
    (1100, "Trade Debtors", "CURRENT_ASSETS"),
    (1200, "Bank Current Account", "BANK"),
    (1210, "Bank Deposit Account", "BANK"),
    (1230, "Petty Cash", "CASH_IN_HAND"),
    (2100, "Trade Creditors", "CURRENT_LIABILITY"),
    (2200, "Sales Tax Control Account", "CURRENT_LIABILITY"),
    (2201, "Purchase Tax Control Account", "CURRENT_LIABILITY"),
    (2202, "VAT Liability", "CURRENT_LIABILITY"),
    (3000, "Capital introduced", "EQUITY"),
    (3200, "Profit and Loss Account", "EQUITY"),
    (4000, "Sales Type A", "SALES"),
    (4001, "Sales Type B", "SALES"),
    (4002, "Sales Type C", "SALES"),
    (4009, "Discounts Allowed", "SALES"),
    (4900, "Other income", "OTHER_INCOME"),
    (5000, "Cost of sales - goods", "DIRECT_EXPENSES"),
    (5001, "Cost of sales - materials", "DIRECT_EXPENSES"),
    (5100, "Carriage", "DIRECT_EXPENSES"),
    (7000, "Gross Wages", "OVERHEADS"),
    (7100, "Rent", "OVERHEADS"),
    (7200, "Electricity", "OVERHEADS"),
    (7300, "Motor Fuel", "OVERHEADS"),
    (7400, "Travelling", "OVERHEADS"),
    (7500, "Printing", "OVERHEADS"),
    (7502, "Telephone", "OVERHEADS"),
    (7600, "Legal Fees", "OVERHEADS"),
    (7800, "Repairs and Renewals", "OVERHEADS"),
    (7900, "Bank charges and interest", "OVERHEADS"),
)

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
