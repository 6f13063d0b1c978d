"""Where the opening items go: the account and the no-VAT rate open items at the cut-off are sent on.

On the new-package path each document still open at the cut-off goes to the package as an opening item
the way that package takes them (its plugin's `OpeningItems`). A package that takes them as documents
on an account needs that account and its rate for no VAT mapped like any other code: suggested from
what the package's own chart keeps for it (sure when the name is the package's own, to check when it
only sounds like one), or said plainly when nothing fits. Nothing is guessed at sending time: an open
item whose mapping is missing fails, naming the mapping step.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from ledgerlink.domain.ledger import Ledger
from ledgerlink.domain.outbox import EntryState
from ledgerlink.domain.records import RecordKind, record_date
from ledgerlink.errors import ConfigurationError
from ledgerlink.packages.drafts import OpeningItems
from ledgerlink.packages.holdings import LedgerAccount, TaxRate, TaxUsage
from ledgerlink.packages.registry import get_package
from ledgerlink.services.onboarding.mapping_line import MappingLine
from ledgerlink.services.onboarding.package_lists import PackageLists
from ledgerlink.services.onboarding.suggestions import Band, Suggestion, a_or_an, class_words, tax_refusal
from ledgerlink.store.connections import Connection, MappingKind
from ledgerlink.store.records import StoredRecord
from ledgerlink.store.unit_of_work import UnitOfWork

OPENING: MappingKind = "opening"
ACCOUNT = "account"
VAT: dict[TaxUsage, str] = {"sales": "vat-sales", "purchase": "vat-purchase"}
NAMES = {
    ACCOUNT: "Opening items at the cut-off: account",
    VAT["sales"]: "Opening items at the cut-off: VAT on invoices and credit notes",
    VAT["purchase"]: "Opening items at the cut-off: VAT on bills and supplier credit notes",
}
_SOUNDS_LIKE = ("opening balance", "suspense", "historical", "brought forward")


def opening_items_way(connection: Connection) -> OpeningItems | None:
    """How the connection's package takes open items, where the path sends them (new-package)."""
    if connection.onboarding_path != "new-package":
        return None
    try:
        return get_package(connection.package).opening_items
    except ConfigurationError:
        return None


def _account_label(account: LedgerAccount) -> str:
    return f"{account.code} {account.name}".strip()


def suggest_opening_account(way: OpeningItems, accounts: Sequence[LedgerAccount]) -> Suggestion | None:
    usable = [a for a in accounts if a.active and a.account_class in way.account_classes]
    wanted = [name.casefold() for name in way.account_names]
    for name in wanted:
        found = next((a for a in usable if a.name.casefold() == name), None)
        if found is not None:
            return Suggestion(
                ACCOUNT, found.id, _account_label(found), "the account the package keeps for it", Band.SURE
            )
    alike = next((a for a in usable if any(word in a.name.casefold() for word in _SOUNDS_LIKE)), None)
    if alike is not None:
        return Suggestion(
            ACCOUNT, alike.id, _account_label(alike), "its name says opening balances", Band.CHECK
        )
    return None


def suggest_opening_tax(way: OpeningItems, taxes: Sequence[TaxRate], usage: TaxUsage) -> Suggestion | None:
    wanted = {name.casefold() for name in way.tax_names}
    for tax in taxes:
        if (
            tax.active
            and usage in tax.usages
            and (tax.id.casefold() in wanted or tax.name.casefold() in wanted)
        ):
            return Suggestion(VAT[usage], tax.id, tax.name, "the package's rate for no VAT", Band.SURE)
    return None


def account_problem(
    way: OpeningItems, account: LedgerAccount | None, package_id: str, lists: PackageLists
) -> str:
    """Why a mapped account cannot take the opening items ("" when it can)."""
    if account is None or ("ledger_account", package_id) in lists.gone:
        return "mapped to an account that is no longer in the package"
    if not account.active:
        return f"mapped to {_account_label(account)}, which is inactive in the package"
    if account.account_class not in way.account_classes:
        wanted = " or ".join(sorted(class_words(c) for c in way.account_classes))
        return (
            f"mapped to {_account_label(account)}, {a_or_an(class_words(account.account_class))} account; "
            f"opening items go to {a_or_an(wanted)} account"
        )
    return ""


def tax_problem(tax: TaxRate | None, usage: TaxUsage, account: LedgerAccount | None) -> str:
    if tax is None or not tax.active:
        return "mapped to a tax rate no longer usable in the package"
    if usage not in tax.usages:
        return f"{tax.name} is not for {usage}"
    if tax.percent != 0:
        return f"{tax.name} is not a rate for no VAT: the VAT on open items was accounted before the cut-off"
    refusal = tax_refusal(tax, account) if account is not None else None
    return refusal or ""


def opening_lines(
    way: OpeningItems, lists: PackageLists, mapped: dict[tuple[MappingKind, str], str]
) -> list[MappingLine]:
    """The mapping lines opening items need on this package (none where it has its own mechanism)."""
    if not way.needs_mapping:
        return []
    current = mapped.get((OPENING, ACCOUNT), "")
    account = lists.ledger_account(current) if current else None
    lines = [
        MappingLine(
            OPENING,
            ACCOUNT,
            NAMES[ACCOUNT],
            current,
            _account_label(account) if account else "",
            suggest_opening_account(way, lists.ledger_accounts),
            account_problem(way, account, current, lists) if current else "",
        )
    ]
    if not way.needs_tax:
        return lines  # a journal entry on the account, with no tax rate to choose
    for usage, code in VAT.items():
        chosen = mapped.get((OPENING, code), "")
        tax = lists.tax_rate(chosen) if chosen else None
        lines.append(
            MappingLine(
                OPENING,
                code,
                NAMES[code],
                chosen,
                tax.name if tax else "",
                suggest_opening_tax(way, lists.tax_rates, usage),
                tax_problem(tax, usage, account) if chosen else "",
            )
        )
    return lines


def validated_opening(way: OpeningItems | None, code: str, package_ref: str, lists: PackageLists) -> str:
    """The package id a person maps an opening code to; ValueError says why it cannot be."""
    if way is None or not way.needs_mapping:
        raise ValueError("opening items need no mapping on this connection")
    if code == ACCOUNT:
        account = next((a for a in lists.ledger_accounts if package_ref in (a.id, a.code, a.name)), None)
        if account is None:
            raise ValueError(f"{package_ref} is not an account in the package")
        problem = account_problem(way, account, account.id, lists)
        if problem:
            raise ValueError(f"opening items cannot go there: {problem.removeprefix('mapped to ')}")
        return account.id
    usage = next((u for u, c in VAT.items() if c == code), None)
    if usage is not None and not way.needs_tax:
        raise ValueError("opening items go in with no tax rate on this package: only the account is mapped")
    if usage is None:
        raise ValueError(
            f"there is no opening code {code}: choose {ACCOUNT}, {VAT['sales']} or {VAT['purchase']}"
        )
    tax = next((t for t in lists.tax_rates if package_ref in (t.id, t.name)), None)
    if tax is None:
        raise ValueError(f"{package_ref} is not a tax rate in the package")
    problem = tax_problem(tax, usage, None)
    if problem:
        raise ValueError(problem)
    return tax.id


# --- what is open at the cut-off -----------------------------------------------------------------

DOCUMENT_KINDS = (
    RecordKind.INVOICE,
    RecordKind.CREDIT_NOTE,
    RecordKind.SUPPLIER_INVOICE,
    RecordKind.SUPPLIER_CREDIT_NOTE,
)
FINANCIAL_KINDS = (*DOCUMENT_KINDS, RecordKind.CUSTOMER_PAYMENT, RecordKind.SUPPLIER_PAYMENT)


def open_at_cut_off(uow: UnitOfWork, company_id: int, cut_off: date) -> list[tuple[StoredRecord, Decimal]]:
    """Documents dated before the cut-off with money still open on them at it, and how much: their
    gross less what was set against them before the cut-off (the jobs side's own ledger of then)."""
    records = uow.records(company_id)
    percents = {rate.code: rate.percent for rate in uow.reference(company_id).vat_rates()}
    before = [
        stored
        for kind in FINANCIAL_KINDS
        for chunk in records.iter_chunks(kind, chunk_size=5000, before=cut_off)
        for stored in chunk
        if (when := record_date(stored.record)) is not None and when < cut_off
    ]
    ledger = Ledger(percent_by_rate=percents).apply_all(stored.record for stored in before)
    return [
        (stored, left)
        for stored in before
        if stored.kind in DOCUMENT_KINDS and (left := ledger.outstanding(stored.kind, stored.source_id)) > 0
    ]


def opening_problems(
    uow: UnitOfWork, connection: Connection, lines: Sequence[MappingLine]
) -> list[tuple[MappingKind, str, str, int]]:
    """Opening mappings missing or unusable while open items wait on them: (kind, code, message, held)."""
    if connection.cut_off_date is None or not lines:
        return []
    wanted = [line for line in lines if not line.mapped_to or line.problem]
    if not wanted:
        return []
    documents = open_at_cut_off(uow, connection.company_id, connection.cut_off_date)
    keys = [(stored.kind, stored.source_id) for stored, _ in documents]
    held = uow.outbox(connection).for_records(keys) if keys else {}
    waiting = [
        key
        for key in keys
        if not (found := held.get(key)) or found.state not in (EntryState.DO_NOT_SEND, EntryState.SENT)
    ]
    sales = sum(1 for kind, _ in waiting if kind in (RecordKind.INVOICE, RecordKind.CREDIT_NOTE))
    counts = {ACCOUNT: len(waiting), VAT["sales"]: sales, VAT["purchase"]: len(waiting) - sales}
    problems = []
    for line in wanted:
        count = counts.get(line.jobs_code, 0)
        if count:
            what = line.problem or "is not mapped"
            items = f"{count:,} open item{'' if count == 1 else 's'} at the cut-off"
            problems.append(
                (line.kind, line.jobs_code, f"{line.jobs_name} {what}: {items} cannot be sent", count)
            )
    return problems
