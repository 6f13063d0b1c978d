"""Nominal accounts, VAT rates and payment methods: where each kind of money goes in the package.

Without this, sending fails with "invalid nominal code", the most common failure in this field. So
ledgerlink suggests a mapping for every code the company uses, lets the user accept them in one go or
change them one by one, refuses pairs the package would refuse, and says what each gap holds back.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ledgerlink.domain.records import (
    NominalAccount,
    NominalKind,
    PaymentMethod,
    VatRate,
)
from ledgerlink.errors import LedgerlinkError
from ledgerlink.packages.base import LedgerAccountDraft, PackageConnector, TaxUsage
from ledgerlink.services.nominal_check import (
    CheckProblem,
    CheckReport,
    account_problem,
    bank_problem,
    held_text,
    many,
    pair_problems,
    usage_of,
)
from ledgerlink.services.package_lists import (
    PackageLists,
    ReadResult,
    load_package_lists,
    read_package_lists,
    store_package_lists,
)
from ledgerlink.services.suggestions import (
    SUITABLE_CLASSES,
    USAGE_FOR_KIND,
    Suggestion,
    a_or_an,
    account_suits,
    class_words,
    percent_text,
    suggest_bank_account,
    suggest_ledger_account,
    suggest_tax_rate,
    tax_rate_suits,
)
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection, ConnectionRepository, MappingKind, MappingRepository
from ledgerlink.store.unit_of_work import UnitOfWork


class MappingRefused(LedgerlinkError):
    """A mapping the package would refuse, with the reason in words."""


@dataclass(frozen=True)
class MappingLine:
    """One jobs-side code, where it goes now, and what ledgerlink suggests."""

    kind: MappingKind
    jobs_code: str
    jobs_name: str
    mapped_to: str  # package id, "" when unmapped
    mapped_label: str
    suggestion: Suggestion | None
    problem: str = ""  # why the current mapping cannot be used (gone, inactive, unsuitable)


class Nominals:
    """The mapping step for one connection."""

    def __init__(self, store: Store, connection: Connection) -> None:
        self.store = store
        self.connection = connection

    # reading the package's lists ------------------------------------------------------------------

    async def read_lists(self, connector: PackageConnector) -> ReadResult:
        accounts, banks, taxes = await read_package_lists(connector)
        with self.store.unit_of_work() as uow:
            result = store_package_lists(uow, self.connection.id, accounts, banks, taxes)
            ConnectionRepository(uow.session, self.connection.company_id).touch(
                self.connection.id, lists_read=True
            )
            uow.commit()
        return result

    def _context(
        self, uow: UnitOfWork
    ) -> tuple[
        PackageLists,
        dict[tuple[MappingKind, str], str],
        list[NominalAccount],
        list[VatRate],
        list[PaymentMethod],
    ]:
        reference = uow.reference(self.connection.company_id)
        return (
            load_package_lists(uow, self.connection.id),
            MappingRepository(uow.session, self.connection.id).as_dict(),
            reference.nominal_accounts(),
            reference.vat_rates(),
            reference.payment_methods(),
        )

    # listing and suggesting -----------------------------------------------------------------------

    def lines(self) -> list[MappingLine]:
        with self.store.unit_of_work() as uow:
            lists, mapped, nominals, rates, methods = self._context(uow)
        return self._lines(lists, mapped, nominals, rates, methods)

    def _lines(
        self,
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
            lines.append(
                MappingLine("nominal", nominal.code, nominal.name, current, label, suggestion, problem)
            )
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
                    f"the bank account of nominal {method.bank_nominal_code}",
                )
            else:
                suggestion = suggest_bank_account(
                    NominalAccount(code=method.bank_nominal_code, name=method.name, kind=NominalKind.BANK),
                    [b for b in lists.bank_accounts if b.active],
                )
                if suggestion is not None:
                    suggestion = Suggestion(
                        method.code, suggestion.package_id, suggestion.package_label, suggestion.reason
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

    # changing -------------------------------------------------------------------------------------

    def _entering(self) -> None:
        """Mapping is a step of its own: refused (StepNotReady, naming what is missing) before the steps
        it follows, e.g. before the cut-off date is set, or before the import on the package-first path."""
        # imported here: onboarding asks this module whether the mapping step is complete
        from ledgerlink.services.onboarding import require_step

        require_step(self.store, self.connection.company_id, "nominals")

    def accept_suggestions(self, *, replace: bool = False) -> int:
        """Take every suggestion for codes not mapped yet (or all of them with `replace`)."""
        self._entering()
        taken = 0
        with self.store.unit_of_work() as uow:
            lists, mapped, nominals, rates, methods = self._context(uow)
            repository = MappingRepository(uow.session, self.connection.id)
            for line in self._lines(lists, mapped, nominals, rates, []):
                if line.suggestion and (replace or not line.mapped_to or line.problem):
                    repository.set(line.kind, line.jobs_code, line.suggestion.package_id, set_by="suggestion")
                    taken += 1
            # payment methods follow the bank nominals just mapped
            mapped = repository.as_dict()
            for line in self._lines(lists, mapped, [], [], methods):
                if line.suggestion and (replace or not line.mapped_to or line.problem):
                    repository.set(line.kind, line.jobs_code, line.suggestion.package_id, set_by="suggestion")
                    taken += 1
            uow.commit()
        return taken

    def map(self, kind: MappingKind, jobs_code: str, package_ref: str) -> MappingLine:
        """Map one code to a package account/rate given by id or code; refused with the reason if unsuitable."""
        self._entering()
        with self.store.unit_of_work() as uow:
            lists, _, nominals, rates, methods = self._context(uow)
            package_id = self._validated(kind, jobs_code, package_ref, lists, nominals, rates, methods)
            MappingRepository(uow.session, self.connection.id).set(kind, jobs_code, package_id)
            uow.commit()
        return next(line for line in self.lines() if line.kind == kind and line.jobs_code == jobs_code)

    def _validated(
        self,
        kind: MappingKind,
        jobs_code: str,
        package_ref: str,
        lists: PackageLists,
        nominals: list[NominalAccount],
        rates: list[VatRate],
        methods: list[PaymentMethod],
    ) -> str:
        if kind == "nominal":
            nominal = next((n for n in nominals if n.code == jobs_code), None)
            if nominal is None:
                raise MappingRefused(f"there is no nominal account {jobs_code} on the jobs side")
            if nominal.kind is NominalKind.BANK:
                bank = next((b for b in lists.bank_accounts if package_ref in (b.id, b.code, b.name)), None)
                if bank is None or not bank.active:
                    raise MappingRefused(f"{package_ref} is not an active bank account in the package")
                return bank.id
            account = next((a for a in lists.ledger_accounts if package_ref in (a.id, a.code)), None)
            if account is None:
                raise MappingRefused(f"{package_ref} is not an account in the package")
            if not account_suits(nominal.kind, account):
                wanted = " or ".join(
                    sorted(c.value.replace("_", " ") for c in SUITABLE_CLASSES[nominal.kind])
                )
                state = (
                    "inactive"
                    if not account.active
                    else f"{a_or_an(class_words(account.account_class))} account"
                )
                raise MappingRefused(
                    f"{nominal.kind.value} account {jobs_code} cannot go to {account.code} {account.name}: it is {state}; "
                    f"choose an active {wanted} account"
                )
            return account.id
        if kind in ("vat_sales", "vat_purchase"):
            usage: TaxUsage = "sales" if kind == "vat_sales" else "purchase"
            rate = next((r for r in rates if r.code == jobs_code), None)
            if rate is None:
                raise MappingRefused(f"there is no VAT rate {jobs_code} on the jobs side")
            tax = next((t for t in lists.tax_rates if package_ref in (t.id, t.name)), None)
            if tax is None:
                raise MappingRefused(f"{package_ref} is not a tax rate in the package")
            if not tax_rate_suits(rate, tax, usage):
                raise MappingRefused(
                    f"{tax.name} ({percent_text(tax.percent)}, {'/'.join(sorted(tax.usages))}) cannot stand for "
                    f"{rate.name} on {usage}"
                )
            return tax.id
        method = next((m for m in methods if m.code == jobs_code), None)
        if method is None:
            raise MappingRefused(f"there is no payment method {jobs_code} on the jobs side")
        bank = next((b for b in lists.bank_accounts if package_ref in (b.id, b.code, b.name)), None)
        if bank is None or not bank.active:
            raise MappingRefused(f"{package_ref} is not an active bank account in the package")
        return bank.id

    async def create_account(self, connector: PackageConnector, nominal_code: str) -> MappingLine:
        """Create the jobs-side account in the package (same code and name) and map to it."""
        self._entering()
        with self.store.unit_of_work() as uow:
            nominals = uow.reference(self.connection.company_id).nominal_accounts()
        nominal = next((n for n in nominals if n.code == nominal_code), None)
        if nominal is None or nominal.kind is NominalKind.BANK:
            raise MappingRefused(f"{nominal_code} is not a sales or expense nominal account on the jobs side")
        account_class = sorted(SUITABLE_CLASSES[nominal.kind], key=lambda c: c.value)[
            -1 if nominal.kind is NominalKind.SALES else 0
        ]
        account = await connector.create_ledger_account(
            LedgerAccountDraft(nominal.code, nominal.name, account_class)
        )
        await self.read_lists(connector)
        return self.map("nominal", nominal.code, account.id)

    # checking -------------------------------------------------------------------------------------

    def check(self) -> CheckReport:
        with self.store.unit_of_work() as uow:
            lists, mapped, nominals, rates, methods = self._context(uow)
            usage = usage_of(uow, self.connection.company_id)
        lines = self._lines(lists, mapped, nominals, rates, methods)
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
        summary = []
        for kind, codes in by_kind.items():
            held = sum(usage.nominal[c] for c in codes)
            summary.append(
                f"{many(len(codes), f'{kind.value} account')} unmapped: {many(held, 'document')} cannot be sent"
            )
        return CheckReport(tuple(problems), tuple(summary))


__all__ = ["USAGE_FOR_KIND", "CheckReport", "MappingLine", "MappingRefused", "Nominals"]
