"""The mapping check: what each gap or unusable mapping holds back, counted from the records themselves.

Kept apart from the mapping step so the step reads as what a person does (suggest, accept, map) and this
as what it is checked against: the records in the store and the package's lists as last read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from ledgerlink.domain.records import (
    CreditNote,
    CustomerPayment,
    Invoice,
    NominalKind,
    RecordKind,
    SupplierCreditNote,
    SupplierInvoice,
    SupplierPayment,
)
from ledgerlink.packages.base import LedgerAccount, TaxUsage
from ledgerlink.services.package_lists import PackageLists
from ledgerlink.services.suggestions import SUITABLE_CLASSES, a_or_an, class_words, tax_refusal
from ledgerlink.store.connections import MappingKind
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
