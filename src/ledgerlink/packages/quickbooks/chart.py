"""The chart of accounts, bank accounts and VAT codes as the port reads them. In QuickBooks a bank is
an account of the chart, and a VAT code carries a sales rate and a purchase rate."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from ledgerlink.packages.holdings import AccountClass, BankAccount, LedgerAccount, TaxRate

ACCOUNT_CLASSES: dict[str, AccountClass] = {
    "Income": AccountClass.INCOME,
    "Other Income": AccountClass.OTHER_INCOME,
    "Cost of Goods Sold": AccountClass.COST_OF_SALES,
    "Expense": AccountClass.EXPENSE,
    "Other Expense": AccountClass.EXPENSE,
    "Bank": AccountClass.BANK,
    "Accounts Receivable": AccountClass.ASSET,
    "Other Current Asset": AccountClass.ASSET,
    "Fixed Asset": AccountClass.ASSET,
    "Other Asset": AccountClass.ASSET,
    "Accounts Payable": AccountClass.LIABILITY,
    "Credit Card": AccountClass.LIABILITY,
    "Other Current Liability": AccountClass.LIABILITY,
    "Long Term Liability": AccountClass.LIABILITY,
    "Equity": AccountClass.EQUITY,
}


def ledger_account_from_quickbooks(item: Mapping[str, Any]) -> LedgerAccount:
    kind = str(item.get("AccountType") or "")
    return LedgerAccount(
        id=str(item["Id"]),
        code=str(item.get("AcctNum") or ""),
        name=str(item.get("Name") or ""),
        account_class=ACCOUNT_CLASSES.get(kind, AccountClass.OTHER),
        active=bool(item.get("Active", True)),
        package_type=kind,
    )


def bank_account_from_quickbooks(item: Mapping[str, Any]) -> BankAccount:
    return BankAccount(
        id=str(item["Id"]),
        name=str(item.get("Name") or ""),
        code=str(item.get("AcctNum") or ""),
        active=bool(item.get("Active", True)),
        ledger_account_id=str(item["Id"]),  # in QuickBooks a bank is an account of the chart
    )


def tax_rate_from_quickbooks(code: Mapping[str, Any], rates: Mapping[str, Decimal]) -> TaxRate:
    """A tax code, at the rate of its sales (else purchase) rate; "Exempt"/"No VAT" codes are not taxable."""
    details = [
        d
        for name in ("SalesTaxRateList", "PurchaseTaxRateList")
        for d in (code.get(name) or {}).get("TaxRateDetail", [])
    ]
    percent = next((rates.get(str(d["TaxRateRef"]["value"]), Decimal(0)) for d in details), Decimal(0))
    usages = frozenset(
        usage
        for usage, name in (("sales", "SalesTaxRateList"), ("purchase", "PurchaseTaxRateList"))
        if (code.get(name) or {}).get("TaxRateDetail")
    )
    return TaxRate(
        id=str(code["Id"]),
        name=str(code.get("Name") or ""),
        percent=percent,
        active=bool(code.get("Active", True)),
        usages=usages or frozenset({"sales", "purchase"}),  # type: ignore[arg-type]
        exempt_or_outside=code.get("Taxable") is False,
    )
