"""Names read in UK bookkeeping words: what counts as meaning the same, and what never does."""

from __future__ import annotations

import pytest

from ledgerlink.services.onboarding.meaning import exactly_the_same, related, same_meaning


@pytest.mark.parametrize(
    ("jobs", "package"),
    [
        ("Fuel", "Motor Vehicle Expenses"),
        ("Diesel", "Fuel and Oil"),
        ("Van insurance", "Vehicle Insurance"),
        ("Mobile phones", "Telephone & Internet"),
        ("Accountancy", "Audit & Accountancy fees"),
        ("Sub-contractors", "Subcontractors"),
        ("Public liability insurance", "Insurance"),
        ("Card fees", "Bank Fees"),
        ("Roofing materials", "Cost of Goods Sold"),
        ("Business rates", "General Rates"),
        ("Plant hire", "Equipment Hire"),  # plant is the equipment a trade hires
        ("Scaffolding hire", "Equipment Hire"),
        ("Hire of plant", "Direct Expenses"),
        ("Software subscriptions", "Subscriptions"),  # a subscription, whatever it is to
        ("Trade subscriptions", "Subscriptions"),
        ("Motor expenses", "Miscellaneous Motor Expenses"),  # the chart's home for motor costs as a whole
        ("Van running costs", "Miscellaneous Motor Expenses"),
    ],
)
def test_names_that_mean_the_same(jobs: str, package: str) -> None:
    assert same_meaning(jobs, package)


@pytest.mark.parametrize(
    ("jobs", "package"),
    [
        ("Insurance", "Medical Insurance"),  # the package's account is narrower
        ("Insurance", "Vehicle Insurance"),
        ("Vehicle repairs", "Repairs & Maintenance"),  # a vehicle cost belongs with the vehicles
        ("Electricity", "Gas"),
        ("Tools", "General Expenses"),  # a catch-all is never the same thing
        ("Rent and rates", "Rent"),  # half of what the jobs side holds
        ("Fuel", "Miscellaneous Motor Expenses"),
        ("Plant hire", "Car Hire"),  # hired, but not a vehicle
        ("Car hire", "Equipment Hire"),
        ("Hire", "Equipment Hire"),  # the package's account is narrower
        ("Tools and equipment", "Equipment Hire"),  # bought, not hired
        ("Software", "Subscriptions"),  # software may be bought outright
        ("Subscriptions", "Software Subscriptions"),
        ("Vehicle tracking subscription", "Subscriptions"),  # a vehicle's costs belong with the vehicles
        ("Light and heat", "Other Heating Costs"),  # heating is one kind of utilities, not all of them
        ("Motor expenses", "Miscellaneous Expenses"),
        ("Vehicle insurance", "Miscellaneous Motor Expenses"),  # a kind with an account of its own
    ],
)
def test_names_that_do_not(jobs: str, package: str) -> None:
    assert not same_meaning(jobs, package)


def test_other_income_is_not_sales_but_a_line_of_work_sold_is() -> None:
    assert not same_meaning("Other income", "Sales", sales=True)
    assert same_meaning("Other income", "Other Revenue", sales=True)
    assert same_meaning("Sales - installations", "Sales Type A", sales=True)
    assert not same_meaning("Bank interest received", "Sales", sales=True)


def test_the_same_name_ignores_case_spacing_and_punctuation_only() -> None:
    assert exactly_the_same("Petty cash", "Petty  Cash")
    assert not exactly_the_same("Petty cash", "Cash")


@pytest.mark.parametrize(
    ("jobs", "package", "expected"),
    [
        ("Skip hire", "Car Hire", False),  # alike only in the word "hire"
        ("Tools and equipment", "Equipment Hire", False),
        ("Tools and equipment", "Office Equipment Depreciation", False),
        ("Bank interest received", "Royalties Received", False),
        ("Vehicle repairs", "Vehicle Depreciation", False),
        ("Fuel", "Motor Vehicle Expenses", True),  # the general account of the family
        ("Motor expenses", "Fuel and Oil", True),  # a kind of what the name says
        ("Vehicle repairs", "Repairs and Servicing", True),  # a vehicle's repairs are repairs
        ("Bank interest received", "Interest Income", True),
        ("Light and heat", "Other Heating Costs", True),
        ("Boiler installs", "Car Hire", True),  # words the vocabulary does not know: a person looks
    ],
)
def test_names_alike_in_spelling_are_related_only_when_their_meanings_are(
    jobs: str, package: str, expected: bool
) -> None:
    assert related(jobs, package) is expected
