"""Suggested mappings in bands: sure only where they cannot reasonably be wrong, and the pairs a package would refuse."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from ledgerlink.domain.records import NominalAccount, NominalKind, standard_vat_rates
from ledgerlink.packages.holdings import AccountClass, BankAccount, LedgerAccount, TaxRate
from ledgerlink.services.onboarding.suggestions import (
    Band,
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


def test_the_same_code_alone_is_never_a_sure_suggestion() -> None:
    suggestion = suggest_ledger_account(
        NominalAccount(code="5000", name="Subcontractors", kind=NominalKind.EXPENSE), ACCOUNTS
    )
    assert suggestion is None or suggestion.band is not Band.SURE


def test_a_sale_of_the_business_s_work_goes_surely_to_the_plain_sales_account_never_an_inactive_one() -> None:
    nominal = NominalAccount(code="4010", name="Installations", kind=NominalKind.SALES)
    suggestion = suggest_ledger_account(nominal, ACCOUNTS)
    assert suggestion is not None
    assert (suggestion.package_id, suggestion.band) == ("a4000", Band.SURE)  # the closed 4010 is not offered


def test_other_income_is_never_taken_for_sales() -> None:
    """Not even to check: a click would put interest or an insurance claim in the turnover."""
    chart = [ACCOUNTS[0]]
    for name in ("Other income", "Bank interest received", "Insurance claims received"):
        nominal = NominalAccount(code="4900", name=name, kind=NominalKind.SALES)
        assert suggest_ledger_account(nominal, chart) is None


def test_income_with_no_account_of_its_own_is_offered_the_other_income_account_to_check() -> None:
    chart = [
        LedgerAccount("sales", "200", "Sales", AccountClass.INCOME),
        LedgerAccount("other", "260", "Other Revenue", AccountClass.INCOME),  # a revenue type, as Xero's
        LedgerAccount("interest", "270", "Interest Income", AccountClass.INCOME),
    ]
    assert _suggested("4900", "Insurance claims received", NominalKind.SALES, chart) == (
        "260 Other Revenue",
        Band.CHECK,
    )
    assert _suggested("4910", "Rent received", NominalKind.SALES, chart) == ("260 Other Revenue", Band.CHECK)


def test_an_expense_account_is_matched_by_meaning_among_cost_accounts() -> None:
    nominal = NominalAccount(code="7100", name="Diesel", kind=NominalKind.EXPENSE)
    suggestion = suggest_ledger_account(nominal, ACCOUNTS)
    assert suggestion is not None
    assert (suggestion.package_id, suggestion.band) == ("a7500", Band.SURE)


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
    suggestion = suggest_bank_account(nominal, banks) or _none()
    assert (suggestion.package_id, suggestion.band) == ("b2", Band.SURE)


def _none() -> Any:
    raise AssertionError("expected a suggestion")


CHART = [
    LedgerAccount("fuel", "7300", "Motor Fuel", AccountClass.EXPENSE),
    LedgerAccount("rent", "7100", "Rent", AccountClass.EXPENSE),
    LedgerAccount("fees", "7600", "Legal Fees", AccountClass.EXPENSE),
    LedgerAccount("tools", "7200", "Electricity", AccountClass.EXPENSE),
    LedgerAccount("advertising", "400", "Advertising & Marketing", AccountClass.EXPENSE),
    LedgerAccount("general", "429", "General Expenses", AccountClass.EXPENSE),
    LedgerAccount("motor", "449", "Motor Vehicle Expenses", AccountClass.EXPENSE),
    LedgerAccount("repairs", "473", "Repairs & Maintenance", AccountClass.EXPENSE),
    LedgerAccount("insurance", "433", "Insurance", AccountClass.EXPENSE),
    LedgerAccount("phone", "489", "Telephone & Internet", AccountClass.EXPENSE),
    LedgerAccount("goods", "310", "Cost of Goods Sold", AccountClass.COST_OF_SALES),
    LedgerAccount("revenue", "200", "Sales", AccountClass.INCOME),
    LedgerAccount("other", "260", "Other Revenue", AccountClass.INCOME),
]


def _suggested(
    code: str, name: str, kind: NominalKind = NominalKind.EXPENSE, chart: list[LedgerAccount] = CHART
) -> tuple[str, Band] | None:
    suggestion = suggest_ledger_account(NominalAccount(code=code, name=name, kind=kind), chart)
    return (suggestion.package_label, suggestion.band) if suggestion else None


def test_names_that_mean_the_same_in_uk_bookkeeping_words_are_sure() -> None:
    assert _suggested("7100", "Van fuel") == ("7300 Motor Fuel", Band.SURE)
    assert _suggested("7500", "Mobile phones") == ("489 Telephone & Internet", Band.SURE)
    assert _suggested("7600", "Public liability insurance") == ("433 Insurance", Band.SURE)
    assert _suggested("4900", "Sundry income", NominalKind.SALES) == ("260 Other Revenue", Band.SURE)


def test_vehicle_costs_go_to_the_motor_account_not_the_general_or_repairs_one() -> None:
    without_fuel = CHART[1:]
    assert _suggested("7100", "Fuel", chart=without_fuel) == ("449 Motor Vehicle Expenses", Band.SURE)
    assert _suggested("7200", "Vehicle repairs and servicing") == ("449 Motor Vehicle Expenses", Band.SURE)
    assert _suggested("7210", "Van insurance") == ("449 Motor Vehicle Expenses", Band.SURE)


def test_an_account_sharing_only_the_code_is_never_suggested_for_it() -> None:
    assert _suggested("7600", "Insurance", chart=[a for a in CHART if a.id != "insurance"]) != (
        "7600 Legal Fees",
        Band.SURE,
    )
    tools = _suggested("7200", "Tools")
    assert tools == ("429 General Expenses", Band.CHECK)


def test_a_narrower_or_different_account_is_not_sure() -> None:
    chart = [LedgerAccount("medical", "483", "Medical Insurance", AccountClass.EXPENSE), *CHART[:3]]
    assert (_suggested("7600", "Insurance", chart=chart) or ("", Band.NONE))[1] is not Band.SURE
    assert _suggested("7300", "Electricity", chart=[CHART[3]]) == ("7200 Electricity", Band.SURE)
    gas = _suggested("7310", "Gas", chart=[CHART[3]])
    assert gas is None or gas[1] is not Band.SURE


def test_materials_go_surely_to_cost_of_sales_and_never_to_an_overhead() -> None:
    assert _suggested("5000", "Roofing materials") == ("310 Cost of Goods Sold", Band.SURE)
    overheads_only = [a for a in CHART if a.account_class is AccountClass.EXPENSE]
    assert _suggested("5000", "Materials", chart=overheads_only) is None


def test_two_accounts_that_fit_equally_are_left_for_a_person() -> None:
    chart = [
        LedgerAccount("r1", "7301", "Repairs and Servicing", AccountClass.EXPENSE),
        LedgerAccount("r2", "7800", "Repairs and Renewals", AccountClass.EXPENSE),
    ]
    assert (_suggested("7600", "Machinery repairs", chart=chart) or ("", Band.NONE))[1] is Band.CHECK


def test_of_two_accounts_that_fit_equally_one_is_offered_to_check_naming_the_other() -> None:
    """Never an account that only looks alike: directors' salaries are not the staff's wages."""
    chart = [
        LedgerAccount("gross", "7000", "Gross Wages", AccountClass.EXPENSE),
        LedgerAccount("directors", "7001", "Directors Salaries", AccountClass.EXPENSE),
        LedgerAccount("staff", "7003", "Staff Salaries", AccountClass.EXPENSE),
    ]
    nominal = NominalAccount(code="7000", name="Wages and salaries", kind=NominalKind.EXPENSE)
    suggestion = suggest_ledger_account(nominal, chart)
    assert suggestion is not None
    assert (suggestion.package_label, suggestion.band) == ("7003 Staff Salaries", Band.CHECK)
    assert "as does 7000 Gross Wages: check which one is meant" in suggestion.reason


# Sage's shipped chart keeps "Repairs and Servicing" with the motor costs; its connector says so
FILED_UNDER_MOTOR = [
    LedgerAccount("r1", "7301", "Repairs and Servicing", AccountClass.EXPENSE, heading="Motor expenses"),
    LedgerAccount("r2", "7800", "Repairs and Renewals", AccountClass.EXPENSE),
    LedgerAccount("lic", "7302", "Licences", AccountClass.EXPENSE, heading="Motor expenses"),
    LedgerAccount("fuel", "7300", "Fuel and Oil", AccountClass.EXPENSE),
]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Vehicle repairs", "7301 Repairs and Servicing"),
        ("Van repairs and servicing", "7301 Repairs and Servicing"),
        ("Road tax", "7302 Licences"),
        ("Machinery repairs", "7800 Repairs and Renewals"),  # not the vehicles' repairs any more
    ],
)
def test_an_account_filed_under_the_motor_costs_is_read_as_the_vehicles(name: str, expected: str) -> None:
    assert _suggested("7200", name, chart=FILED_UNDER_MOTOR) == (expected, Band.SURE)


def test_the_heading_an_account_is_filed_under_is_given_as_the_reason_and_never_stands_alone() -> None:
    nominal = NominalAccount(code="7200", name="Vehicle repairs", kind=NominalKind.EXPENSE)
    suggestion = suggest_ledger_account(nominal, FILED_UNDER_MOTOR)
    assert suggestion is not None
    assert suggestion.package_label == "7301 Repairs and Servicing"
    assert "under motor expenses" in suggestion.reason
    # the heading says whose repairs; it does not make every motor account the fuel one, nor the
    # general motor account
    assert _suggested("7200", "Fuel", chart=FILED_UNDER_MOTOR) == ("7300 Fuel and Oil", Band.SURE)
    assert (_suggested("7200", "Motor expenses", chart=FILED_UNDER_MOTOR) or ("", Band.NONE))[
        1
    ] is not Band.SURE


def test_a_bank_nominal_with_a_different_name_is_not_taken_for_the_account_with_its_code_silently() -> None:
    banks = [BankAccount("b1", "Deposit Account", "1210"), BankAccount("b2", "Card takings", "1300")]
    nominal = NominalAccount(code="1210", name="Card takings account", kind=NominalKind.BANK)
    suggestion = suggest_bank_account(nominal, banks) or _none()
    assert (suggestion.package_id, suggestion.band) == ("b2", Band.SURE)


def test_the_reason_for_a_tax_rate_shows_its_percentage_as_a_person_writes_it() -> None:
    suggestion = suggest_tax_rate(RATES["S"], TAXES, "sales") or _none()
    assert (suggestion.reason, suggestion.band) == ("same rate and treatment: 20% sales", Band.SURE)


def test_a_reverse_charge_rate_of_the_same_percentage_is_never_taken_for_the_plain_one() -> None:
    reverse = TaxRate(
        "DRCHARGE", "Domestic Reverse Charge @ 20%", Decimal(20), usages=frozenset({"purchase"})
    )
    suggestion = suggest_tax_rate(RATES["S"], [reverse, *TAXES], "purchase") or _none()
    assert (suggestion.package_id, suggestion.band) == ("INPUT2", Band.SURE)
    alone = suggest_tax_rate(RATES["S"], [reverse], "purchase") or _none()
    assert alone.band is Band.CHECK


def test_a_line_on_an_account_of_the_other_side_is_refused_naming_the_rate_and_the_account() -> None:
    both_sides = TaxRate("GB_STANDARD", "Standard 20.00%", Decimal(20))
    reason = tax_refusal(both_sides, ACCOUNTS[3], "sales")
    assert reason == (
        "a sales line with tax rate Standard 20.00% cannot go to 7500 Vehicle fuel, an expense account: "
        "the package takes sales lines on income or other income accounts only"
    )
    assert tax_refusal(both_sides, ACCOUNTS[3], "purchase") is None


# a Sage-style chart: vehicle costs by kind, hire of cars and equipment, its one general account kept
# among the direct costs, and depreciation beside the overheads
HIRE_CHART = [
    LedgerAccount("misc", "6900", "Miscellaneous Expenses", AccountClass.COST_OF_SALES),
    LedgerAccount("repairs", "7301", "Repairs and Servicing", AccountClass.EXPENSE),
    LedgerAccount("car", "7401", "Car Hire", AccountClass.EXPENSE),
    LedgerAccount("hire", "7700", "Equipment Hire", AccountClass.EXPENSE),
    LedgerAccount("depr", "8004", "Office Equipment Depreciation", AccountClass.EXPENSE),
    LedgerAccount("vdepr", "8003", "Vehicle Depreciation", AccountClass.EXPENSE),
]


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("5030", "Skip hire"),  # spelt like "Car Hire", but taking waste away is not hiring a car
        ("7300", "Tools and equipment"),  # not equipment hired, nor its depreciation
        ("7300", "Small tools"),
    ],
)
def test_a_cost_spelt_like_an_account_of_another_meaning_is_offered_the_general_account_to_check(
    code: str, name: str
) -> None:
    suggestion = suggest_ledger_account(
        NominalAccount(code=code, name=name, kind=NominalKind.EXPENSE), HIRE_CHART
    )
    assert suggestion is not None
    assert (suggestion.package_id, suggestion.band) == ("misc", Band.CHECK)
    assert "general account" in suggestion.reason


def test_vehicle_repairs_are_offered_the_repairs_account_to_check_never_the_vehicles_depreciation() -> None:
    nominal = NominalAccount(code="7200", name="Vehicle repairs", kind=NominalKind.EXPENSE)
    suggestion = suggest_ledger_account(nominal, HIRE_CHART)
    assert suggestion is not None
    # "Repairs and Servicing" does not say whose repairs: a person checks it is the vehicles'
    assert (suggestion.package_id, suggestion.band) == ("repairs", Band.CHECK)
