"""Suggested mappings: what a bookkeeper would pick first, and the pairs a package would refuse."""

from __future__ import annotations

from decimal import Decimal

from ledgerlink.domain.records import NominalAccount, NominalKind, standard_vat_rates
from ledgerlink.packages.base import AccountClass, BankAccount, LedgerAccount, TaxRate
from ledgerlink.services.suggestions import (
    suggest_bank_account,
    suggest_ledger_account,
    suggest_tax_rate,
    tax_refusal,
)

ACCOUNTS = [
    LedgerAccount("a4000", "4000", "Sales Type A", AccountClass.INCOME),
    LedgerAccount("a4900", "4900", "Other Income", AccountClass.OTHER_INCOME),
    LedgerAccount("a5000", "5000", "Cost of sales - goods", AccountClass.COST_OF_SALES),
    LedgerAccount("a7500", "7500", "Vehicle fuel", AccountClass.EXPENSE),
    LedgerAccount("a1100", "1100", "Trade Debtors", AccountClass.ASSET),
    LedgerAccount("old", "4010", "Installations (closed)", AccountClass.INCOME, active=False),
]
RATES = {rate.code: rate for rate in standard_vat_rates()}
TAXES = [
    TaxRate("OUTPUT2", "20% (VAT on Income)", Decimal(20), usages=frozenset({"sales"})),
    TaxRate("INPUT2", "20% (VAT on Expenses)", Decimal(20), usages=frozenset({"purchase"})),
    TaxRate("RROUTPUT", "5% (VAT on Income)", Decimal(5), usages=frozenset({"sales"})),
    TaxRate("ZERORATEDOUTPUT", "Zero Rated Income", Decimal(0), usages=frozenset({"sales"})),
    TaxRate("EXEMPTOUTPUT", "Exempt Income", Decimal(0), usages=frozenset({"sales"}), exempt_or_outside=True),
    TaxRate("NONE", "No VAT", Decimal(0), exempt_or_outside=True),
]


def test_an_account_with_the_same_code_is_suggested_first() -> None:
    suggestion = suggest_ledger_account(
        NominalAccount(code="4000", name="Sales", kind=NominalKind.SALES), ACCOUNTS
    )
    assert suggestion is not None
    assert suggestion.package_id == "a4000"
    assert suggestion.reason == "same code"


def test_a_sales_account_is_never_suggested_an_expense_or_inactive_account() -> None:
    nominal = NominalAccount(code="4010", name="Installations", kind=NominalKind.SALES)
    suggestion = suggest_ledger_account(nominal, ACCOUNTS)
    assert suggestion is not None
    assert suggestion.package_id == "a4000"  # the closed 4010 is not offered


def test_an_expense_account_is_matched_by_name_among_cost_accounts() -> None:
    nominal = NominalAccount(code="7100", name="Fuel for vehicles", kind=NominalKind.EXPENSE)
    suggestion = suggest_ledger_account(nominal, ACCOUNTS)
    assert suggestion is not None
    assert suggestion.package_id == "a7500"


def test_vat_rates_map_by_percentage_treatment_and_usage() -> None:
    assert (suggest_tax_rate(RATES["S"], TAXES, "sales") or _none()).package_id == "OUTPUT2"
    assert (suggest_tax_rate(RATES["S"], TAXES, "purchase") or _none()).package_id == "INPUT2"
    assert (suggest_tax_rate(RATES["R"], TAXES, "sales") or _none()).package_id == "RROUTPUT"
    assert (suggest_tax_rate(RATES["Z"], TAXES, "sales") or _none()).package_id == "ZERORATEDOUTPUT"
    assert (suggest_tax_rate(RATES["E"], TAXES, "sales") or _none()).package_id == "EXEMPTOUTPUT"
    assert (suggest_tax_rate(RATES["N"], TAXES, "sales") or _none()).package_id == "NONE"
    assert suggest_tax_rate(RATES["R"], TAXES, "purchase") is None  # no 5% purchase rate in this package


def test_a_purchase_rate_on_a_sales_account_is_refused_with_the_reason() -> None:
    reason = tax_refusal(TAXES[1], ACCOUNTS[0])
    assert reason is not None
    assert "for purchases" in reason
    assert "4000 Sales Type A" in reason
    assert tax_refusal(TAXES[0], ACCOUNTS[0]) is None


def test_a_rate_limited_to_some_account_classes_is_refused_elsewhere() -> None:
    narrow = TaxRate("T1", "Sales only", Decimal(20), applies_to=frozenset({AccountClass.INCOME}))
    reason = tax_refusal(narrow, ACCOUNTS[3])
    assert reason is not None
    assert "cannot be used on 7500 Vehicle fuel" in reason


def test_a_bank_nominal_goes_to_the_bank_account_with_its_code() -> None:
    banks = [BankAccount("b1", "Petty Cash", "1230"), BankAccount("b2", "Current Account", "1200")]
    nominal = NominalAccount(code="1200", name="Bank current account", kind=NominalKind.BANK)
    assert (suggest_bank_account(nominal, banks) or _none()).package_id == "b2"


def _none() -> object:
    raise AssertionError("expected a suggestion")


CHART = [
    LedgerAccount("fuel", "7300", "Motor Fuel", AccountClass.EXPENSE),
    LedgerAccount("rent", "7100", "Rent", AccountClass.EXPENSE),
    LedgerAccount("fees", "7600", "Legal Fees", AccountClass.EXPENSE),
    LedgerAccount("advertising", "400", "Advertising & Marketing", AccountClass.EXPENSE),
    LedgerAccount("general", "429", "General Expenses", AccountClass.EXPENSE),
    LedgerAccount("goods", "310", "Cost of Goods Sold", AccountClass.COST_OF_SALES),
]


def test_a_name_that_reads_the_same_beats_an_account_that_only_shares_the_code() -> None:
    suggestion = suggest_ledger_account(
        NominalAccount(code="7100", name="Fuel", kind=NominalKind.EXPENSE), CHART
    )
    assert (suggestion or _none()).package_label == "7300 Motor Fuel"


def test_an_account_sharing_only_the_code_is_offered_with_a_warning_to_check_it() -> None:
    suggestion = suggest_ledger_account(
        NominalAccount(code="7600", name="Insurance", kind=NominalKind.EXPENSE), CHART
    )
    assert (suggestion or _none()).package_label == "7600 Legal Fees"
    assert (
        suggestion or _none()
    ).reason == "same code, but named Legal Fees there: check it is the same account"


def test_a_direct_cost_without_a_match_goes_to_cost_of_sales_not_the_first_overhead() -> None:
    suggestion = suggest_ledger_account(
        NominalAccount(code="5000", name="Materials", kind=NominalKind.EXPENSE), CHART
    )
    assert (suggestion or _none()).package_label == "310 Cost of Goods Sold"


def test_an_overhead_without_a_match_goes_to_the_general_account() -> None:
    suggestion = suggest_ledger_account(
        NominalAccount(code="7300", name="Tools and equipment", kind=NominalKind.EXPENSE), CHART[1:]
    )
    assert (suggestion or _none()).package_label == "429 General Expenses"


def test_a_bank_nominal_with_a_different_name_is_not_taken_for_the_account_with_its_code_silently() -> None:
    banks = [BankAccount("b1", "Deposit Account", "1210"), BankAccount("b2", "Card takings", "1300")]
    nominal = NominalAccount(code="1210", name="Card takings account", kind=NominalKind.BANK)
    assert (suggest_bank_account(nominal, banks) or _none()).package_id == "b2"


def test_the_reason_for_a_tax_rate_shows_its_percentage_as_a_person_writes_it() -> None:
    assert (suggest_tax_rate(RATES["S"], TAXES, "sales") or _none()).reason == "20% sales"


def test_a_line_on_an_account_of_the_other_side_is_refused_naming_the_rate_and_the_account() -> None:
    both_sides = TaxRate("GB_STANDARD", "Standard 20.00%", Decimal(20))
    reason = tax_refusal(both_sides, ACCOUNTS[3], "sales")
    assert reason == (
        "a sales line with tax rate Standard 20.00% cannot go to 7500 Vehicle fuel, an expense account: "
        "the package takes sales lines on income or other income accounts only"
    )
    assert tax_refusal(both_sides, ACCOUNTS[3], "purchase") is None
