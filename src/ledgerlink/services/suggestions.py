"""Suggesting where each jobs-side nominal account, VAT rate and payment method goes in the package.

A suggestion is what a bookkeeper would pick first: the package account with the same code and a name
alike, else the one whose name reads the same, else the one with the same code (said plainly, as the
names differ: charts reuse codes for different things), else the package's main account of the right
type; for VAT, the rate of the same percentage and treatment that the package accepts on that kind of
account. Every suggestion says why, so the user can accept them in one go with confidence or change
one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from rapidfuzz import fuzz

from ledgerlink.domain.records import NominalAccount, NominalKind, VatRate, VatTreatment
from ledgerlink.packages.base import AccountClass, BankAccount, LedgerAccount, TaxRate, TaxUsage

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


@dataclass(frozen=True)
class Suggestion:
    jobs_code: str
    package_id: str
    package_label: str
    reason: str


def _label(account: LedgerAccount | BankAccount) -> str:
    return f"{account.code} {account.name}".strip() if account.code else account.name


# Words every chart puts in names; left in, "Card takings account" would read like "Deposit Account".
_FILLER = frozenset({"account", "accounts", "a/c", "and", "&", "-", "of", "the", "for"})
READS_THE_SAME = 80  # a name this alike (0-100) is taken for the same account
ALIKE = 60  # a same-code account whose name is this alike is the same account
# Catch-all expense accounts a bookkeeper posts to when the chart has nothing closer.
_CATCH_ALL = ("general", "sundry", "sundries", "miscellaneous")

Account = TypeVar("Account", LedgerAccount, BankAccount)


def _words(name: str) -> str:
    return " ".join(word for word in name.lower().split() if word not in _FILLER)


def _alike(one: str, other: str) -> float:
    return float(fuzz.token_set_ratio(_words(one), _words(other)))


def _by_name_or_code(nominal: NominalAccount, candidates: Sequence[Account]) -> Suggestion | None:
    """Same code with a name alike, a name that reads the same, or the same code: the first that holds."""
    same_code = next((c for c in candidates if c.code and c.code == nominal.code), None)
    if same_code is not None and _alike(nominal.name, same_code.name) >= ALIKE:
        return Suggestion(nominal.code, same_code.id, _label(same_code), "same code")
    scored = sorted(
        ((_alike(nominal.name, c.name), c) for c in candidates),
        key=lambda pair: (-pair[0], pair[1].code or "~", pair[1].id),
    )
    if scored and scored[0][0] >= READS_THE_SAME:
        score, best = scored[0]
        return Suggestion(nominal.code, best.id, _label(best), f"name reads the same ({score:.0f}%)")
    if same_code is not None:
        return Suggestion(
            nominal.code,
            same_code.id,
            _label(same_code),
            f"same code, but named {same_code.name} there: check it is the same account",
        )
    return None


def _direct_cost_code(code: str) -> bool:
    """UK charts keep direct costs (materials, subcontractors) in 5000-5999, overheads from 6000."""
    return code.isdigit() and len(code) == 4 and code.startswith("5")


def account_suits(kind: NominalKind, account: LedgerAccount) -> bool:
    return account.active and account.account_class in SUITABLE_CLASSES[kind]


def suggest_ledger_account(nominal: NominalAccount, accounts: Sequence[LedgerAccount]) -> Suggestion | None:
    """The best package account for a sales or expense nominal account, or None when none suits."""
    suitable = [account for account in accounts if account_suits(nominal.kind, account)]
    if not suitable:
        return None
    found = _by_name_or_code(nominal, suitable)
    if found is not None:
        return found
    if nominal.kind is NominalKind.SALES:
        main_class = AccountClass.INCOME
    elif _direct_cost_code(nominal.code):
        main_class = AccountClass.COST_OF_SALES
    else:
        main_class = AccountClass.EXPENSE
    preferred = [account for account in suitable if account.account_class is main_class] or suitable
    if nominal.kind is NominalKind.EXPENSE:
        catch_all = [a for a in preferred if any(word in a.name.lower() for word in _CATCH_ALL)]
        if catch_all:
            first = min(catch_all, key=lambda account: (account.code or "~", account.id))
            return Suggestion(
                nominal.code, first.id, _label(first), "nothing closer: the package's general account"
            )
    first = min(preferred, key=lambda account: (account.code or "~", account.id))
    what = main_class.value.replace("_", " ")
    return Suggestion(nominal.code, first.id, _label(first), f"the package's first {what} account")


def suggest_bank_account(nominal: NominalAccount, banks: Sequence[BankAccount]) -> Suggestion | None:
    active = [bank for bank in banks if bank.active]
    if not active:
        return None
    found = _by_name_or_code(nominal, active)
    if found is not None:
        return found
    best = min(active, key=lambda bank: (bank.code or "~", bank.id))
    return Suggestion(nominal.code, best.id, _label(best), "the package's first bank account")


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


def suggest_tax_rate(rate: VatRate, taxes: Sequence[TaxRate], usage: TaxUsage) -> Suggestion | None:
    candidates = sorted(
        (tax for tax in taxes if tax_rate_suits(rate, tax, usage)), key=lambda t: (len(t.usages), t.id)
    )
    if not candidates:
        return None
    best = candidates[0]
    reason = f"{percent_text(best.percent)} {usage}" + (
        " (exempt/outside scope)" if best.exempt_or_outside else ""
    )
    return Suggestion(rate.code, best.id, best.name, reason)


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
