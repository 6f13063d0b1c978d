"""The port: what a package holds, as ledgerlink reads it (its businesses, chart of accounts, bank
accounts, tax rates) and the fields its contacts have, in words every package shares."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Literal


class AccountClass(StrEnum):
    """A package account's nature, which decides what may be booked to it."""

    INCOME = "income"
    OTHER_INCOME = "other_income"
    COST_OF_SALES = "cost_of_sales"
    EXPENSE = "expense"
    BANK = "bank"
    ASSET = "asset"
    LIABILITY = "liability"
    EQUITY = "equity"
    OTHER = "other"


TaxUsage = Literal["sales", "purchase"]


@dataclass(frozen=True)
class Business:
    """One set of books the user may connect (each package has its own word: business, organisation...)."""

    id: str
    name: str
    country: str = ""


@dataclass(frozen=True)
class LedgerAccount:
    id: str
    code: str
    name: str
    account_class: AccountClass
    active: bool = True
    package_type: str = ""  # the package's own word for the type, shown to the user
    default_tax_rate_id: str = ""
    # What the package's own chart files the account under where its name leaves that unsaid (a
    # repairs account kept with the vehicles' costs: "Motor expenses"): read with the name to tell
    # what the account is for, never shown in its place.
    heading: str = ""


@dataclass(frozen=True)
class BankAccount:
    id: str
    name: str
    code: str = ""
    active: bool = True
    ledger_account_id: str = ""


@dataclass(frozen=True)
class TaxRate:
    id: str
    name: str
    percent: Decimal
    active: bool = True
    usages: frozenset[TaxUsage] = frozenset({"sales", "purchase"})
    applies_to: frozenset[AccountClass] = frozenset()  # empty: any account the usage suits
    exempt_or_outside: bool = False  # exempt / no VAT, as opposed to a 0% zero rate


class ContactPart(StrEnum):
    """What an import fills from a package's contact; the engine says what it does with each part."""

    ID = "id"
    ROLES = "roles"  # is_customer, is_supplier
    NAME = "name"
    CONTACT_PERSON = "contact_person"
    PERSON_NAMES = "first_name, last_name"
    REFERENCE = "reference"
    EMAIL = "email"
    PHONE = "phone"
    MOBILE = "mobile"
    ADDRESS_LINES = "address lines"
    TOWN = "town"
    COUNTY = "county"
    POSTCODE = "postcode"
    COUNTRY = "country"
    VAT_NUMBER = "vat_number"
    ACTIVE = "active"


@dataclass(frozen=True)
class ImportField:
    """One line of a package's import field table: which of its fields fills which part of a contact.

    `rule` is left empty where the engine's own rule for the part says it all, and says how this
    package's field differs where it does not.
    """

    package_field: str
    fills: ContactPart
    rule: str = ""
