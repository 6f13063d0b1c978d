"""Suggesting where each jobs-side nominal account, VAT rate and payment method goes in the package.

A suggestion is what a bookkeeper would pick first: the package account with the same code, else the
one whose name reads the same, else the package's main account of the right type; for VAT, the rate of
the same percentage and treatment that the package accepts on that kind of account. Every suggestion
says why, so the user can accept them in one go with confidence or change one by one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

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


def account_suits(kind: NominalKind, account: LedgerAccount) -> bool:
    return account.active and account.account_class in SUITABLE_CLASSES[kind]


def suggest_ledger_account(nominal: NominalAccount, accounts: Sequence[LedgerAccount]) -> Suggestion | None:
    """The best package account for a sales or expense nominal account, or None when none suits."""
    suitable = [account for account in accounts if account_suits(nominal.kind, account)]
    if not suitable:
        return None
    for account in suitable:
        if account.code and account.code == nominal.code:
            return Suggestion(nominal.code, account.id, _label(account), "same code")
    scored = sorted(
        ((fuzz.token_set_ratio(nominal.name.lower(), account.name.lower()), account) for account in suitable),
        key=lambda pair: (-pair[0], pair[1].code, pair[1].id),
    )
    score, best = scored[0]
    if score >= 80:
        return Suggestion(nominal.code, best.id, _label(best), f"name reads the same ({score:.0f}%)")
    main_class = AccountClass.INCOME if nominal.kind is NominalKind.SALES else AccountClass.EXPENSE
    preferred = [account for _, account in scored if account.account_class is main_class] or [scored[0][1]]
    first = min(preferred, key=lambda account: (account.code or "~", account.id))
    return Suggestion(
        nominal.code, first.id, _label(first), f"the package's first {main_class.value} account"
    )


def suggest_bank_account(nominal: NominalAccount, banks: Sequence[BankAccount]) -> Suggestion | None:
    active = [bank for bank in banks if bank.active]
    if not active:
        return None
    for bank in active:
        if bank.code and bank.code == nominal.code:
            return Suggestion(nominal.code, bank.id, _label(bank), "same code")
    scored = sorted(
        ((fuzz.token_set_ratio(nominal.name.lower(), bank.name.lower()), bank) for bank in active),
        key=lambda pair: (-pair[0], pair[1].code, pair[1].id),
    )
    score, best = scored[0]
    reason = f"name reads the same ({score:.0f}%)" if score >= 80 else "the package's first bank account"
    if score < 80:
        best = min(active, key=lambda bank: (bank.code or "~", bank.id))
    return Suggestion(nominal.code, best.id, _label(best), reason)


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
    reason = f"{best.percent.normalize()}% {usage}" + (
        " (exempt/outside scope)" if best.exempt_or_outside else ""
    )
    return Suggestion(rate.code, best.id, best.name, reason)


def tax_refusal(tax: TaxRate, account: LedgerAccount) -> str | None:
    """Why the package would refuse this tax rate on this account, in words, or None if it would not."""
    if not tax.active:
        return f"tax rate {tax.name} is not active in the package"
    if tax.applies_to and account.account_class not in tax.applies_to:
        allowed = ", ".join(sorted(cls.value.replace("_", " ") for cls in tax.applies_to))
        return (
            f"tax rate {tax.name} cannot be used on {_label(account)} "
            f"({account.account_class.value.replace('_', ' ')} account; it applies to {allowed})"
        )
    if account.account_class in SUITABLE_CLASSES[NominalKind.SALES] and "sales" not in tax.usages:
        return (
            f"tax rate {tax.name} is for purchases and cannot be used on the sales account {_label(account)}"
        )
    if account.account_class in SUITABLE_CLASSES[NominalKind.EXPENSE] and "purchase" not in tax.usages:
        return f"tax rate {tax.name} is for sales and cannot be used on the expense account {_label(account)}"
    return None
