"""The organisation a Xero sandbox starts from: a UK chart of accounts and UK VAT rates as Xero ships them."""

from __future__ import annotations

from decimal import Decimal

# (code, name, type, tax type, system account, payments enabled)
UK_ACCOUNTS: tuple[tuple[str, str, str, str, str, bool], ...] = (
    ("090", "Business Bank Account", "BANK", "NONE", "", False),
    ("091", "Business Savings Account", "BANK", "NONE", "", False),
    ("200", "Sales", "REVENUE", "OUTPUT2", "", False),
    ("260", "Other Revenue", "REVENUE", "OUTPUT2", "", False),
    ("270", "Interest Income", "OTHERINCOME", "EXEMPTOUTPUT", "", False),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "INPUT2", "", False),
    ("320", "Direct Wages", "DIRECTCOSTS", "NONE", "", False),
    ("325", "Direct Expenses", "DIRECTCOSTS", "INPUT2", "", False),
    ("400", "Advertising & Marketing", "OVERHEADS", "INPUT2", "", False),
    ("401", "Audit & Accountancy fees", "OVERHEADS", "INPUT2", "", False),
    ("404", "Bank Fees", "OVERHEADS", "EXEMPTINPUT", "", False),
    ("408", "Cleaning", "OVERHEADS", "INPUT2", "", False),
    ("412", "Consulting", "OVERHEADS", "INPUT2", "", False),
    ("420", "Entertainment-100% business", "OVERHEADS", "INPUT2", "", False),
    ("429", "General Expenses", "OVERHEADS", "INPUT2", "", False),
    ("433", "Insurance", "OVERHEADS", "EXEMPTINPUT", "", False),
    ("445", "Light, Power, Heating", "OVERHEADS", "INPUT2", "", False),
    ("449", "Motor Vehicle Expenses", "OVERHEADS", "INPUT2", "", False),
    ("461", "Printing & Stationery", "OVERHEADS", "INPUT2", "", False),
    ("469", "Rent", "OVERHEADS", "INPUT2", "", False),
    ("473", "Repairs & Maintenance", "OVERHEADS", "INPUT2", "", False),
    ("477", "Salaries", "EXPENSE", "NONE", "", False),
    ("489", "Telephone & Internet", "OVERHEADS", "INPUT2", "", False),
    ("493", "Travel - National", "OVERHEADS", "INPUT2", "", False),
    ("610", "Accounts Receivable", "CURRENT", "NONE", "DEBTORS", False),
    ("620", "Prepayments", "PREPAYMENT", "NONE", "", False),
    ("710", "Office Equipment", "FIXED", "INPUT2", "", False),
    ("800", "Accounts Payable", "CURRLIAB", "NONE", "CREDITORS", False),
    ("820", "VAT", "CURRLIAB", "NONE", "GST", False),
    ("840", "Historical Adjustment", "CURRLIAB", "NONE", "HISTORICAL", False),
    ("860", "Rounding", "CURRLIAB", "NONE", "ROUNDING", False),
    ("877", "Tracking Transfers", "CURRLIAB", "NONE", "TRACKINGTRANSFERS", False),
    ("880", "Owner A Drawings", "CURRLIAB", "NONE", "", True),
    ("960", "Retained Earnings", "EQUITY", "NONE", "RETAINEDEARNINGS", False),
    ("970", "Owner A Funds Introduced", "EQUITY", "NONE", "", False),
)

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
