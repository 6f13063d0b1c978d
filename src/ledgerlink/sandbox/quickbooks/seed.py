"""What a new sandbox company starts with: a UK chart of accounts and UK VAT codes and rates."""

from __future__ import annotations

from typing import Any

# (AcctNum, Name, AccountType, AccountSubType)
UK_CHART: tuple[tuple[str, str, str, str], ...] = (
    ("1100", "Debtors", "Accounts Receivable", "AccountsReceivable"),
    ("1200", "Current Account", "Bank", "Checking"),
    ("1210", "Deposit Account", "Bank", "Savings"),
    ("1230", "Petty Cash", "Bank", "CashOnHand"),
    ("1250", "Undeposited Funds", "Other Current Asset", "UndepositedFunds"),
    ("2100", "Creditors", "Accounts Payable", "AccountsPayable"),
    ("2200", "VAT Control", "Other Current Liability", "GlobalTaxPayable"),
    ("3000", "Owner's Equity", "Equity", "OwnersEquity"),
    ("3200", "Retained Earnings", "Equity", "RetainedEarnings"),
    (
        "3900",
        "Opening Balance Equity",
        "Equity",
        "OpeningBalanceEquity",
    ),  # QuickBooks makes it in every company
    ("4000", "Sales", "Income", "SalesOfProductIncome"),
    ("4010", "Services", "Income", "ServiceFeeIncome"),
    ("4900", "Other Income", "Other Income", "OtherMiscellaneousIncome"),
    ("5000", "Cost of sales - materials", "Cost of Goods Sold", "SuppliesMaterialsCogs"),
    ("5010", "Subcontractors", "Cost of Goods Sold", "CostOfLabourCos"),
    ("7100", "Rent or Lease", "Expense", "RentOrLeaseOfBuildings"),
    ("7200", "Utilities", "Expense", "Utilities"),
    ("7300", "Motor Expenses", "Expense", "Auto"),
    ("7500", "Office Expenses", "Expense", "OfficeGeneralAdministrativeExpenses"),
    ("7510", "Telephone and internet", "Expense", "Utilities"),
    ("7520", "Tools and equipment", "Expense", "SuppliesMaterials"),
    ("7600", "Insurance", "Expense", "Insurance"),
    ("7800", "Repairs and Maintenance", "Expense", "RepairMaintenance"),
    ("7900", "Bank Charges", "Expense", "BankCharges"),
)

# (Name, Description, rate %, taxable): UK VAT codes, each with one sales and one purchase rate.
UK_TAX_CODES: tuple[tuple[str, str, str, bool], ...] = (
    ("20.0% S", "Standard rate", "20", True),
    ("5.0% R", "Reduced rate", "5", True),
    ("0.0% Z", "Zero-rated", "0", True),
    ("Exempt", "Exempt", "0", False),
    ("No VAT", "Outside the scope of VAT", "0", False),
)


def _rate_list(rate: dict[str, Any]) -> dict[str, Any]:
    reference = {"value": rate["Id"], "name": rate["Name"]}
    return {"TaxRateDetail": [{"TaxRateRef": reference, "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0}]}


def tax_code(
    name: str, description: str, taxable: bool, sales: dict[str, Any], purchase: dict[str, Any]
) -> dict[str, Any]:
    """A VAT code as QuickBooks shows one: its sales rate and its purchase rate, each listed on its own."""
    return {
        "Name": name,
        "Description": description,
        "Active": True,
        "Taxable": taxable,
        "TaxGroup": False,
        "SalesTaxRateList": _rate_list(sales),
        "PurchaseTaxRateList": _rate_list(purchase),
    }
