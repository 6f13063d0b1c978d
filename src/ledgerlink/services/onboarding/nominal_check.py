"""The mapping check: where each code goes now, and what each gap or unusable mapping holds back.

Kept apart from the mapping step so the step reads as what a person does (suggest, accept, map) and this
as what it is checked against: the records in the store and the package's lists as last read. Onboarding
asks this module whether the mapping step is complete, and the mapping step asks onboarding whether it
may be entered, so imports run one way: nominals -> steps -> nominal_check.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from ledgerlink.domain.records import (
    CreditNote,
    CustomerPayment,
    Invoice,
    NominalAccount,
    NominalKind,
    PaymentMethod,
    RecordKind,
    SupplierCreditNote,
    SupplierInvoice,
    SupplierPayment,
    VatRate,
)
from ledgerlink.packages.holdings import LedgerAccount, TaxUsage
from ledgerlink.services.onboarding.mapping_line import MappingLine as MappingLine
from ledgerlink.services.onboarding.opening_mapping import opening_items_way, opening_lines, opening_problems
from ledgerlink.services.onboarding.package_lists import PackageLists, load_package_lists
from ledgerlink.services.onboarding.suggestions import (
    SUITABLE_CLASSES,
    Band,
    Suggestion,
    a_or_an,
    class_words,
    suggest_bank_account,
    suggest_ledger_account,
    suggest_tax_rate,
    tax_rate_suits,
    tax_refusal,
)
from ledgerlink.store.connections import Connection, MappingKind
from ledgerlink.store.unit_of_work import UnitOfWork


@dataclass
class Usage:
    """How many records use each code, so a gap can say what it holds back."""

    nominal: Counter[str] = field(default_factory=Counter)
    nominal_kinds: dict[str, Counter[RecordKind]] = field(default_factory=dict)
    vat: dict[TaxUsage, Counter[str]] = field(
        default_factory=lambda: {"sales": Counter(), "purchase": Counter()}
    )
    methods: Counter[str] = field(default_factory=Counter)
    pairs: Counter[tuple[str, str, TaxUsage]] = field(default_factory=Counter)


@dataclass(frozen=True)
class CheckProblem:
    kind: MappingKind
    jobs_code: str
    message: str
    records_held: int


@dataclass(frozen=True)
class CheckReport:
    problems: tuple[CheckProblem, ...]
    summary: tuple[str, ...]

    @property
    def clean(self) -> bool:
        return not self.problems


def usage_of(uow: UnitOfWork, company_id: int) -> Usage:
    usage = Usage()
    records = uow.records(company_id)
    for kind in (
        RecordKind.INVOICE,
        RecordKind.CREDIT_NOTE,
        RecordKind.SUPPLIER_INVOICE,
        RecordKind.SUPPLIER_CREDIT_NOTE,
        RecordKind.CUSTOMER_PAYMENT,
        RecordKind.SUPPLIER_PAYMENT,
    ):
        for chunk in records.iter_chunks(kind, chunk_size=2000):
            for stored in chunk:
                record = stored.record
                if isinstance(record, CustomerPayment | SupplierPayment):
                    usage.methods[record.method] += 1
                    continue
                assert isinstance(record, Invoice | CreditNote | SupplierInvoice | SupplierCreditNote)
                tax_usage: TaxUsage = "sales" if isinstance(record, Invoice | CreditNote) else "purchase"
                nominals = {line.nominal_code for line in record.lines}
                for code in nominals:
                    usage.nominal[code] += 1
                    usage.nominal_kinds.setdefault(code, Counter())[record.kind] += 1
                for code in {line.vat_rate for line in record.lines}:
                    usage.vat[tax_usage][code] += 1
                for pair in {(line.nominal_code, line.vat_rate) for line in record.lines}:
                    usage.pairs[(pair[0], pair[1], tax_usage)] += 1
    return usage


def many(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def held_text(counter: Counter[RecordKind]) -> str:
    return ", ".join(many(count, kind.label) for kind, count in counter.most_common())


def pair_problems(
    usage: Usage, lists: PackageLists, mapped: dict[tuple[MappingKind, str], str]
) -> Iterable[CheckProblem]:
    """Tax rate and account pairs in use that the package would refuse, with what each holds back."""
    for (nominal_code, vat_code, tax_usage), count in sorted(usage.pairs.items()):
        account_id = mapped.get(("nominal", nominal_code))
        tax_id = mapped.get(("vat_sales" if tax_usage == "sales" else "vat_purchase", vat_code))
        account = lists.ledger_account(account_id) if account_id else None
        tax = lists.tax_rate(tax_id) if tax_id else None
        if account is None or tax is None:
            continue
        reason = tax_refusal(tax, account, tax_usage)
        if reason:
            yield CheckProblem(
                "nominal",
                nominal_code,
                f"lines on {nominal_code} with VAT {vat_code}: {reason}; {many(count, 'document')} cannot be sent",
                count,
            )


def account_problem(
    kind: NominalKind, account: LedgerAccount | None, lists: PackageLists, package_id: str
) -> str:
    if account is None or ("ledger_account", package_id) in lists.gone:
        label = f"{account.code} {account.name}".strip() if account else package_id
        return f"mapped to {label}, which is no longer in the package"
    if not account.active:
        return f"mapped to {account.code} {account.name}, which is inactive in the package"
    if account.account_class not in SUITABLE_CLASSES[kind]:
        return (
            f"mapped to {account.code} {account.name}, {a_or_an(class_words(account.account_class))} account"
        )
    return ""


def bank_problem(bank: object, lists: PackageLists, package_id: str) -> str:
    if bank is None or ("bank_account", package_id) in lists.gone:
        return "mapped to a bank account that is no longer in the package"
    if not getattr(bank, "active", True):
        return "mapped to a bank account that is inactive in the package"
    return ""


def mapping_context(
    uow: UnitOfWork, connection: Connection
) -> tuple[
    PackageLists,
    dict[tuple[MappingKind, str], str],
    list[NominalAccount],
    list[VatRate],
    list[PaymentMethod],
]:
    reference = uow.reference(connection.company_id)
    return (
        load_package_lists(uow, connection.id),
        uow.mappings(connection.id).as_dict(),
        reference.nominal_accounts(),
        reference.vat_rates(),
        reference.payment_methods(),
    )


def mapping_lines(
    lists: PackageLists,
    mapped: dict[tuple[MappingKind, str], str],
    nominals: list[NominalAccount],
    rates: list[VatRate],
    methods: list[PaymentMethod],
) -> list[MappingLine]:
    lines: list[MappingLine] = []
    usable_accounts = [a for a in lists.ledger_accounts if a.active]
    for nominal in nominals:
        current = mapped.get(("nominal", nominal.code), "")
        if nominal.kind is NominalKind.BANK:
            suggestion = suggest_bank_account(nominal, [b for b in lists.bank_accounts if b.active])
            bank = lists.bank_account(current) if current else None
            label = f"{bank.code} {bank.name}".strip() if bank else ""
            problem = "" if not current else bank_problem(bank, lists, current)
        else:
            suggestion = suggest_ledger_account(nominal, usable_accounts)
            account = lists.ledger_account(current) if current else None
            label = f"{account.code} {account.name}".strip() if account else ""
            problem = "" if not current else account_problem(nominal.kind, account, lists, current)
        lines.append(MappingLine("nominal", nominal.code, nominal.name, current, label, suggestion, problem))
    for usage, kind in (("sales", "vat_sales"), ("purchase", "vat_purchase")):
        for rate in rates:
            current = mapped.get((kind, rate.code), "")  # type: ignore[arg-type]
            tax = lists.tax_rate(current) if current else None
            problem = ""
            if current and (tax is None or not tax.active):
                problem = f"{current} is no longer usable in the package"
            elif tax is not None and not tax_rate_suits(rate, tax, usage):  # type: ignore[arg-type]
                problem = f"{tax.name} does not mean {rate.name} for {usage}"
            lines.append(
                MappingLine(
                    kind,  # type: ignore[arg-type]
                    rate.code,
                    f"{rate.name} ({usage})",
                    current,
                    tax.name if tax else "",
                    suggest_tax_rate(rate, lists.tax_rates, usage),  # type: ignore[arg-type]
                    problem,
                )
            )
    for method in methods:
        current = mapped.get(("payment_method", method.code), "")
        bank = lists.bank_account(current) if current else None
        bank_nominal = mapped.get(("nominal", method.bank_nominal_code))
        suggestion = None
        target = lists.bank_account(bank_nominal) if bank_nominal else None
        if target is not None and target.active:
            suggestion = Suggestion(
                method.code,
                target.id,
                f"{target.code} {target.name}".strip(),
                f"where its bank nominal {method.bank_nominal_code} is mapped",
                Band.SURE,
            )
        else:
            suggestion = suggest_bank_account(
                NominalAccount(code=method.bank_nominal_code, name=method.name, kind=NominalKind.BANK),
                [b for b in lists.bank_accounts if b.active],
            )
            if suggestion is not None:
                suggestion = Suggestion(
                    method.code,
                    suggestion.package_id,
                    suggestion.package_label,
                    f"its bank nominal {method.bank_nominal_code} is not mapped yet; {suggestion.reason}",
                    suggestion.band,
                )
        problem = "" if not current else bank_problem(bank, lists, current)
        lines.append(
            MappingLine(
                "payment_method",
                method.code,
                method.name,
                current,
                f"{bank.code} {bank.name}".strip() if bank else "",
                suggestion,
                problem,
            )
        )
    return lines


def check_mapping(uow: UnitOfWork, connection: Connection) -> CheckReport:
    """What each gap or unusable mapping of the connection holds back; clean when nothing is held."""
    lists, mapped, nominals, rates, methods = mapping_context(uow, connection)
    usage = usage_of(uow, connection.company_id)
    lines = mapping_lines(lists, mapped, nominals, rates, methods)
    problems: list[CheckProblem] = []
    by_kind: dict[NominalKind, list[str]] = {}
    known = {n.code: n for n in nominals}
    for line in lines:
        if line.kind == "nominal":
            held = usage.nominal.get(line.jobs_code, 0)
            kinds = usage.nominal_kinds.get(line.jobs_code, Counter())
            if known[line.jobs_code].kind is NominalKind.BANK:
                continue  # bank nominals are reached through payment methods
            if not held:
                continue
            if not line.mapped_to:
                by_kind.setdefault(known[line.jobs_code].kind, []).append(line.jobs_code)
                problems.append(
                    CheckProblem(
                        line.kind,
                        line.jobs_code,
                        f"{line.jobs_name} is not mapped: {held_text(kinds)} cannot be sent",
                        held,
                    )
                )
            elif line.problem:
                problems.append(
                    CheckProblem(
                        line.kind,
                        line.jobs_code,
                        f"{line.jobs_name}: {line.problem}: {held_text(kinds)} cannot be sent",
                        held,
                    )
                )
        elif line.kind in ("vat_sales", "vat_purchase"):
            tax_usage: TaxUsage = "sales" if line.kind == "vat_sales" else "purchase"
            held = usage.vat[tax_usage].get(line.jobs_code, 0)
            if held and (not line.mapped_to or line.problem):
                what = line.problem or "is not mapped"
                problems.append(
                    CheckProblem(
                        line.kind,
                        line.jobs_code,
                        f"VAT rate {line.jobs_name} {what}: {many(held, 'document')} cannot be sent",
                        held,
                    )
                )
        else:
            held = usage.methods.get(line.jobs_code, 0)
            if held and (not line.mapped_to or line.problem):
                what = line.problem or "is not mapped"
                problems.append(
                    CheckProblem(
                        line.kind,
                        line.jobs_code,
                        f"payment method {line.jobs_name} {what}: {many(held, 'payment')} cannot be sent",
                        held,
                    )
                )
    problems.extend(pair_problems(usage, lists, mapped))
    way = opening_items_way(connection)
    if way is not None:
        found = opening_problems(uow, connection, opening_lines(way, lists, mapped))
        problems.extend(CheckProblem(*problem) for problem in found)
    summary = []
    for kind, codes in by_kind.items():
        held = sum(usage.nominal[c] for c in codes)
        summary.append(
            f"{many(len(codes), f'{kind.value} account')} unmapped: {many(held, 'document')} cannot be sent"
        )
    return CheckReport(tuple(problems), tuple(summary))
