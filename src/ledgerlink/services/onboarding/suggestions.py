"""Suggesting where each jobs-side nominal account, VAT rate and payment method goes in the package.

Every suggestion comes in a band and says why. *Sure* ones are taken by "Accept all": only those that
cannot reasonably be wrong, because the package's account has the same name, or a name that means the
same in UK bookkeeping words (`meaning.py`, its words in `vocabulary.py`), in a class that fits (sales
to income, materials and subcontractors to cost of sales, other costs to cost of sales or overheads,
banks to bank accounts). An account as the package ships it is read with the heading its chart files
it under, where the package's plugin knows one and the name leaves it unsaid.
*Check* ones are shown for a person to confirm with a click: names alike, or the package's general
account when nothing is closer. A code alone is never ground for a sure suggestion: charts reuse codes
for different things (7300 is fuel in one and tools in another). Where nothing fits the band is *none*:
the person chooses, or creates the account in the package.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from rapidfuzz import fuzz

from ledgerlink.domain.records import NominalAccount, NominalKind, VatRate, VatTreatment
from ledgerlink.packages.holdings import AccountClass, BankAccount, LedgerAccount, TaxRate, TaxUsage
from ledgerlink.services.onboarding.meaning import (
    direct_cost,
    distance,
    equal_meaning,
    exactly_the_same,
    general_account,
    meaning_of,
    nothing_said,
    related,
    same_meaning,
)
from ledgerlink.services.onboarding.vocabulary import INCOME_KINDS

SUITABLE_CLASSES: dict[NominalKind, frozenset[AccountClass]] = {
    NominalKind.SALES: frozenset({AccountClass.INCOME, AccountClass.OTHER_INCOME}),
    NominalKind.EXPENSE: frozenset({AccountClass.EXPENSE, AccountClass.COST_OF_SALES}),
    NominalKind.BANK: frozenset({AccountClass.BANK}),
}

USAGE_FOR_KIND: dict[NominalKind, TaxUsage] = {NominalKind.SALES: "sales", NominalKind.EXPENSE: "purchase"}

_NAME_WORDS = {
    VatTreatment.ZERO: ("zero",),
    VatTreatment.EXEMPT: ("exempt",),
    VatTreatment.NO_VAT: ("no vat", "no tax", "none", "outside", "not vat", "no_tax"),
}
# Tax rates for schemes a plain rate never stands for, whatever their percentage.
_SPECIAL_SCHEMES = ("reverse", "import", "postponed", "ec ", "eu ", "margin", "flat rate", "capital goods")


class Band(StrEnum):
    """How sure a suggestion is: sure ones are taken by "Accept all", check ones need a click."""

    SURE = "sure"
    CHECK = "check"
    NONE = "none"


@dataclass(frozen=True)
class Suggestion:
    jobs_code: str
    package_id: str
    package_label: str
    reason: str
    band: Band = Band.CHECK


def _label(account: LedgerAccount | BankAccount) -> str:
    return f"{account.code} {account.name}".strip() if account.code else account.name


# Words every chart puts in names; left in, "Card takings account" would read like "Deposit Account".
_FILLER = frozenset(
    {
        "account",
        "accounts",
        "a/c",
        "and",
        "&",
        "-",
        "of",
        "the",
        "for",
        "costs",
        "cost",
        "expenses",
        "expense",
    }
)
ALIKE = 60  # names this alike (0-100) are worth a person's look

Account = TypeVar("Account", LedgerAccount, BankAccount)


def _words(name: str) -> str:
    return " ".join(word for word in name.lower().split() if word not in _FILLER)


def _plain_words(name: str) -> set[str]:
    return set(_words(re.sub(r"[^a-z0-9 ]+", " ", name.lower())).split())


def _alike(one: str, other: str) -> float:
    return float(fuzz.token_set_ratio(_words(one), _words(other)))


def _read(account: LedgerAccount | BankAccount) -> str:
    """The account's name as what it is for is read: with the heading its chart files it under, where
    the package gives one ("Repairs and Servicing" kept with the vehicles' costs is their repairs)."""
    heading = getattr(account, "heading", "")
    return f"{heading} {account.name}" if heading else account.name


def _order(account: LedgerAccount | BankAccount) -> tuple[str, str]:
    return (account.code or "~", account.id)


def _numbered_variants(names: Sequence[str]) -> bool:
    """ "Sales Type A", "Sales Type B": one account the package numbers for the user to name."""
    return (
        len({meaning_of(name).all for name in names}) == 1
        and len({re.sub(r"\b(type|[a-z]|\d+)\b", "", name.lower()).strip() for name in names}) == 1
    )


def _by_meaning(
    nominal: NominalAccount, candidates: Sequence[Account], *, sales: bool, bank: bool
) -> Suggestion | None:
    """The package account of the same name, or of a name that means the same: the closest of them,
    sure. Two different accounts that fit equally well are left for a person to check (`_tied`): the package
    tells them apart by something the names do not say."""
    same_name = [c for c in candidates if exactly_the_same(nominal.name, c.name)]
    if same_name:
        best = min(same_name, key=_order)
        return Suggestion(nominal.code, best.id, _label(best), "same name", Band.SURE)
    name = nominal.name
    if bank and nothing_said(name):
        name = "current account"  # a bank nominal called only "Bank" is the business's current account
    elif sales and _plain_sales(name) and meaning_of(name).all != {"sales"}:
        name = "sales"  # a line of work sold is still sales
    meaning = [c for c in candidates if same_meaning(name, _read(c), sales=sales, bank=bank)]
    if not meaning:
        return None
    closest = min(distance(name, _read(c)) for c in meaning)
    best_ones = [c for c in meaning if distance(name, _read(c)) == closest]
    if len(best_ones) > 1 and not _numbered_variants([c.name for c in best_ones]):
        # the one that says it in the same words, if only one does ("Wages": "Gross Wages", not
        # "Staff Salaries"); else the package tells them apart by something the names do not say
        shared = {c.id: len(_plain_words(nominal.name) & _plain_words(c.name)) for c in best_ones}
        most = max(shared.values())
        best_ones = [c for c in best_ones if shared[c.id] == most]
        if most == 0 or len(best_ones) > 1:
            return _tied(nominal, best_ones)
    best = min(best_ones, key=lambda c: (-_alike(nominal.name, c.name), *_order(c)))
    if name == "sales":
        reason = f"{nominal.name} is a sale of the business's work: the package's sales account"
    elif equal_meaning(name, _read(best)):
        reason = f"same meaning: {nominal.name} is {best.name} in the package's words"
    else:
        reason = f"{best.name} is the package's account for {nominal.name.lower()}"
    if heading := getattr(best, "heading", ""):
        reason += f" (its chart files {best.name} under {heading.lower()})"
    return Suggestion(nominal.code, best.id, _label(best), reason, Band.SURE)


def _tied(nominal: NominalAccount, tied: Sequence[Account]) -> Suggestion:
    """Accounts that mean the same as this one, equally well ("Gross Wages" and "Staff Salaries" for
    "Wages and salaries"): the one spelt most like it offered to check, the others named beside it, so
    the person chooses between equals rather than taking an account that only looks alike."""
    ordered = sorted(tied, key=lambda c: (-_alike(nominal.name, c.name), *_order(c)))
    best, others = ordered[0], [_label(c) for c in ordered[1:]]
    verb = "does" if len(others) == 1 else "do"
    return Suggestion(
        nominal.code,
        best.id,
        _label(best),
        f"means the same, as {verb} {', '.join(others)}: check which one is meant",
        Band.CHECK,
    )


def _plain_sales(name: str) -> bool:
    """A sales account whose name says no other kind of income (interest, rent, commission, grants):
    the business's own work, whatever line of it the name gives."""
    return not (meaning_of(name).all & INCOME_KINDS)


def _alike_check(nominal: NominalAccount, candidates: Sequence[Account]) -> Suggestion | None:
    """The package account spelt most like this one, for a person to check; never one whose name speaks
    of something else in the bookkeeping words ("Skip hire" is not "Car Hire" for sharing "hire")."""
    scored = sorted(
        ((_alike(nominal.name, c.name), c) for c in candidates if related(nominal.name, _read(c))),
        key=lambda p: (-p[0], *_order(p[1])),
    )
    if scored and scored[0][0] >= ALIKE:
        score, best = scored[0]
        return Suggestion(
            nominal.code,
            best.id,
            _label(best),
            f"names alike ({score:.0f}%) but not the same: check it is the same account",
            Band.CHECK,
        )
    return None


def _direct_cost_code(code: str) -> bool:
    """UK charts keep direct costs (materials, subcontractors) in 5000-5999, overheads from 6000."""
    return code.isdigit() and len(code) == 4 and code.startswith("5")


def account_suits(kind: NominalKind, account: LedgerAccount) -> bool:
    return account.active and account.account_class in SUITABLE_CLASSES[kind]


def fitting_classes(nominal: NominalAccount) -> frozenset[AccountClass]:
    """The classes a package account may have to stand for this one: sales go to income, materials
    and subcontractors to cost of sales, other costs to cost of sales or overheads."""
    if nominal.kind is NominalKind.EXPENSE and direct_cost(nominal.name):
        return frozenset({AccountClass.COST_OF_SALES})
    return SUITABLE_CLASSES[nominal.kind]


def class_for_new_account(nominal: NominalAccount) -> AccountClass:
    """The class an account made in the package for this one gets, as its code and name say: sales to
    income (other income when the name says so), materials, subcontractors and 5000s to cost of sales,
    other costs to overheads."""
    if nominal.kind is NominalKind.SALES:
        return (
            AccountClass.OTHER_INCOME if meaning_of(nominal.name).all & INCOME_KINDS else AccountClass.INCOME
        )
    if direct_cost(nominal.name) or _direct_cost_code(nominal.code):
        return AccountClass.COST_OF_SALES
    return AccountClass.EXPENSE


def suggest_ledger_account(nominal: NominalAccount, accounts: Sequence[LedgerAccount]) -> Suggestion | None:
    """The best package account for a sales or expense nominal account, or None when none suits."""
    suitable = [account for account in accounts if account_suits(nominal.kind, account)]
    if not suitable:
        return None
    fitting = [account for account in suitable if account.account_class in fitting_classes(nominal)]
    sales = nominal.kind is NominalKind.SALES
    found = _by_meaning(nominal, fitting, sales=sales, bank=False) or _alike_check(nominal, fitting)
    if found is not None:
        return found
    if sales and meaning_of(nominal.name).all & INCOME_KINDS:
        return _other_income_check(nominal, fitting)
    if sales:
        main_class = AccountClass.INCOME
    elif _direct_cost_code(nominal.code) or direct_cost(nominal.name):
        main_class = AccountClass.COST_OF_SALES
    else:
        main_class = AccountClass.EXPENSE
    preferred = [account for account in fitting if account.account_class is main_class] or fitting
    if not preferred:
        return None
    if not sales:
        # a chart may keep its one general account among the direct costs (a "Miscellaneous
        # Expenses" numbered with them): nearer the cost's own class first, else wherever it is
        catch_all = [a for a in preferred if general_account(a.name)] or [
            a for a in fitting if general_account(a.name)
        ]
        return _nothing_closer(nominal, catch_all, "general account")
    return _nothing_closer(nominal, preferred, "first sales account")


def _other_income_check(nominal: NominalAccount, fitting: Sequence[LedgerAccount]) -> Suggestion | None:
    """Income that is not the business's work (interest, rent, an insurance claim) with no account of
    its own: the package's general other income account, to check; never its sales account, which
    would put it in the turnover. None when the package keeps no such account."""
    # by its name, whatever type the package gives it ("Other Revenue" is plain revenue in some charts)
    general = [account for account in fitting if meaning_of(account.name).all == {"other", "sales"}]
    return _nothing_closer(nominal, general, "general account for other income")


def _nothing_closer(
    nominal: NominalAccount, accounts: Sequence[LedgerAccount], what: str
) -> Suggestion | None:
    """The first of these accounts (by code), offered to check when nothing means the same; None
    when there is none. `what` says which account it is to the person."""
    if not accounts:
        return None
    first = min(accounts, key=_order)
    return Suggestion(
        nominal.code,
        first.id,
        _label(first),
        f"nothing closer: the package's {what}; check it is where this belongs",
        Band.CHECK,
    )


def suggest_bank_account(nominal: NominalAccount, banks: Sequence[BankAccount]) -> Suggestion | None:
    active = [bank for bank in banks if bank.active]
    if not active:
        return None
    found = _by_meaning(nominal, active, sales=False, bank=True) or _alike_check(nominal, active)
    if found is not None:
        return found
    best = min(active, key=_order)
    return Suggestion(
        nominal.code,
        best.id,
        _label(best),
        "nothing closer: the package's first bank account; check it is the one",
        Band.CHECK,
    )


def percent_text(percent: Decimal) -> str:
    """20 as "20%", 17.5 as "17.5%": never the "2E+1%" a bare normalize() prints."""
    return f"{format(percent.normalize(), 'f')}%"


def tax_rate_suits(rate: VatRate, tax: TaxRate, usage: TaxUsage) -> bool:
    """Whether the package rate means the same VAT as the jobs-side one, for sales or purchases."""
    if not tax.active or usage not in tax.usages or tax.percent != rate.percent:
        return False
    if rate.treatment in (VatTreatment.EXEMPT, VatTreatment.NO_VAT):
        words = _NAME_WORDS[rate.treatment]
        return tax.exempt_or_outside and any(word in tax.name.lower() for word in words)
    if rate.treatment is VatTreatment.ZERO:
        return not tax.exempt_or_outside
    return rate.percent > Decimal(0) or not tax.exempt_or_outside


def _special_scheme(tax: TaxRate) -> bool:
    name = f"{tax.name.lower()} "
    return any(word in name for word in _SPECIAL_SCHEMES)


def suggest_tax_rate(rate: VatRate, taxes: Sequence[TaxRate], usage: TaxUsage) -> Suggestion | None:
    """The package rate of the same percentage and treatment for sales or purchases: sure when it is the
    only plain one (a reverse charge or import rate of the same percentage means something else)."""
    candidates = sorted(
        (tax for tax in taxes if tax_rate_suits(rate, tax, usage)), key=lambda t: (len(t.usages), t.id)
    )
    if not candidates:
        return None
    plain = [tax for tax in candidates if not _special_scheme(tax)]
    best = (plain or candidates)[0]
    reason = f"{percent_text(best.percent)} {usage}" + (
        " (exempt/outside scope)" if best.exempt_or_outside else ""
    )
    if len(plain) == 1:
        return Suggestion(rate.code, best.id, best.name, f"same rate and treatment: {reason}", Band.SURE)
    others = ", ".join(tax.name for tax in candidates if tax is not best)
    return Suggestion(
        rate.code, best.id, best.name, f"{reason}, but {others} too: check which one is meant", Band.CHECK
    )


def a_or_an(word: str) -> str:
    return f"an {word}" if word[:1].lower() in "aeiou" else f"a {word}"


def class_words(account_class: AccountClass) -> str:
    return account_class.value.replace("_", " ")


def tax_refusal(tax: TaxRate, account: LedgerAccount, usage: TaxUsage | None = None) -> str | None:
    """Why the package would refuse this tax rate on this account (on a sales or purchase document, when
    `usage` says which), in words naming both, or None if it would not."""
    if not tax.active:
        return f"tax rate {tax.name} is not active in the package"
    if tax.applies_to and account.account_class not in tax.applies_to:
        allowed = ", ".join(sorted(class_words(cls) for cls in tax.applies_to))
        return (
            f"tax rate {tax.name} cannot be used on {_label(account)} "
            f"({class_words(account.account_class)} account; it applies to {allowed})"
        )
    if account.account_class in SUITABLE_CLASSES[NominalKind.SALES] and "sales" not in tax.usages:
        return (
            f"tax rate {tax.name} is for purchases and cannot be used on the sales account {_label(account)}"
        )
    if account.account_class in SUITABLE_CLASSES[NominalKind.EXPENSE] and "purchase" not in tax.usages:
        return f"tax rate {tax.name} is for sales and cannot be used on the expense account {_label(account)}"
    side = {"sales": NominalKind.SALES, "purchase": NominalKind.EXPENSE}.get(usage or "")
    if side is not None and account.account_class not in SUITABLE_CLASSES[side]:
        allowed = " or ".join(sorted(class_words(c) for c in SUITABLE_CLASSES[side]))
        return (
            f"a {usage} line with tax rate {tax.name} cannot go to {_label(account)}, "
            f"{a_or_an(class_words(account.account_class))} account: the package takes {usage} lines on "
            f"{allowed} accounts only"
        )
    return None
