"""Nominal accounts, VAT rates and payment methods: where each kind of money goes in the package.

Without this, sending fails with "invalid nominal code", the most common failure in this field. So
ledgerlink suggests a mapping for every code the company uses, lets the user accept them in one go or
change them one by one, refuses pairs the package would refuse, and says what each gap holds back.
Where the package needs something made in its books before records can go (the service items some
packages sell invoice lines through, say), this step asks the user's consent to make it, and keeps
the answer on the connection.
"""

from __future__ import annotations

from dataclasses import dataclass

from ledgerlink.domain.records import (
    NominalAccount,
    NominalKind,
    PaymentMethod,
    VatRate,
    VatTreatment,
)
from ledgerlink.errors import LedgerlinkError, Rejected
from ledgerlink.packages.base import PackageConnector
from ledgerlink.packages.connection import Consent
from ledgerlink.packages.drafts import LedgerAccountDraft
from ledgerlink.packages.holdings import TaxUsage
from ledgerlink.packages.registry import get_package
from ledgerlink.services.onboarding.nominal_check import (
    CheckReport,
    MappingLine,
    check_mapping,
    mapping_context,
    mapping_lines,
)
from ledgerlink.services.onboarding.opening_mapping import (
    OPENING,
    opening_items_way,
    opening_lines,
    validated_opening,
)
from ledgerlink.services.onboarding.package_lists import (
    PackageLists,
    ReadResult,
    load_package_lists,
    read_package_lists,
    store_package_lists,
)
from ledgerlink.services.onboarding.steps import require_step
from ledgerlink.services.onboarding.suggestions import (
    SUITABLE_CLASSES,
    USAGE_FOR_KIND,
    Band,
    a_or_an,
    account_suits,
    class_for_new_account,
    class_words,
    percent_text,
    suggest_tax_rate,
    tax_rate_suits,
)
from ledgerlink.store import Store
from ledgerlink.store.connections import Connection, MappingKind


class MappingRefused(LedgerlinkError):
    """A mapping the package would refuse, with the reason in words."""


@dataclass(frozen=True)
class ConsentAsked:
    """Something the package needs made, and whether the user has allowed ledgerlink to make it."""

    consent: Consent
    given: bool


def _standard_tax(
    lists: PackageLists, mapped: dict[tuple[MappingKind, str], str], rates: list[VatRate], usage: TaxUsage
) -> str:
    """The package tax rate the jobs side's standard rate goes to on this side: mapped, else surely
    suggested; empty (the package's own default) when neither."""
    standard = next((rate for rate in rates if rate.treatment is VatTreatment.STANDARD), None)
    if standard is None:
        return ""
    kind: MappingKind = "vat_sales" if usage == "sales" else "vat_purchase"
    if mapped.get((kind, standard.code)):
        return mapped[(kind, standard.code)]
    suggestion = suggest_tax_rate(standard, lists.tax_rates, usage)
    return suggestion.package_id if suggestion and suggestion.band is Band.SURE else ""


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
            uow.connections(self.connection.company_id).touch(self.connection.id, lists_read=True)
            uow.commit()
        return result

    def offer(self) -> tuple[PackageLists, dict[str, NominalKind]]:
        """The package's lists as last read, and the kind of each jobs-side nominal account: what the
        mapping page offers each line to choose from."""
        with self.store.unit_of_work() as uow:
            lists = load_package_lists(uow, self.connection.id)
            nominals = uow.reference(self.connection.company_id).nominal_accounts()
        return lists, {nominal.code: nominal.kind for nominal in nominals}

    # listing and suggesting -----------------------------------------------------------------------

    def lines(self) -> list[MappingLine]:
        with self.store.unit_of_work() as uow:
            lists, mapped, nominals, rates, methods = mapping_context(uow, self.connection)
        return mapping_lines(lists, mapped, nominals, rates, methods) + self._opening_lines(lists, mapped)

    def _opening_lines(
        self, lists: PackageLists, mapped: dict[tuple[MappingKind, str], str]
    ) -> list[MappingLine]:
        """Where open items at the cut-off go, on a path and package that send them as documents."""
        way = opening_items_way(self.connection)
        return opening_lines(way, lists, mapped) if way is not None else []

    # changing -------------------------------------------------------------------------------------

    def _entering(self) -> None:
        """Mapping is a step of its own: refused (StepNotReady, naming what is missing) before the steps
        it follows, e.g. before the cut-off date is set, or before the import on the package-first path."""
        require_step(self.store, self.connection.company_id, "nominals")

    def accept_suggestions(self, *, replace: bool = False, checked: bool = False) -> int:
        """Take every sure suggestion for codes not mapped yet (or all of them with `replace`): "Accept
        all". Suggestions to check are left for a person, so nothing taken in bulk can be wrong; `checked`
        takes them too, for a caller that has looked at every one (the demo, playing the bookkeeper)."""
        self._entering()
        bands = {Band.SURE, Band.CHECK} if checked else {Band.SURE}
        taken = 0
        with self.store.unit_of_work() as uow:
            lists, mapped, nominals, rates, methods = mapping_context(uow, self.connection)
            repository = uow.mappings(self.connection.id)
            for line in mapping_lines(lists, mapped, nominals, rates, []):
                if line.suggestion and line.band in bands and (replace or not line.mapped_to or line.problem):
                    repository.set(line.kind, line.jobs_code, line.suggestion.package_id, set_by="suggestion")
                    taken += 1
            # payment methods follow the bank nominals just mapped
            mapped = repository.as_dict()
            for line in mapping_lines(lists, mapped, [], [], methods) + self._opening_lines(lists, mapped):
                if line.suggestion and line.band in bands and (replace or not line.mapped_to or line.problem):
                    repository.set(line.kind, line.jobs_code, line.suggestion.package_id, set_by="suggestion")
                    taken += 1
            uow.commit()
        return taken

    def map(self, kind: MappingKind, jobs_code: str, package_ref: str) -> MappingLine:
        """Map one code to a package account/rate given by id or code; refused with the reason if unsuitable."""
        self._entering()
        with self.store.unit_of_work() as uow:
            lists, _, nominals, rates, methods = mapping_context(uow, self.connection)
            package_id = self._validated(kind, jobs_code, package_ref, lists, nominals, rates, methods)
            uow.mappings(self.connection.id).set(kind, jobs_code, package_id)
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
        if kind == OPENING:
            try:
                return validated_opening(opening_items_way(self.connection), jobs_code, package_ref, lists)
            except ValueError as refused:
                raise MappingRefused(str(refused)) from refused
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
        """Create the jobs-side account in the package (same code and name, the class its code and name
        say, the standard VAT rate mapped for its side as default) and map to it. Refused with the
        package's own reason when it refuses (a code already taken), or when the package cannot."""
        self._entering()
        with self.store.unit_of_work() as uow:
            lists, mapped, nominals, rates, _ = mapping_context(uow, self.connection)
        nominal = next((n for n in nominals if n.code == nominal_code), None)
        if nominal is None or nominal.kind is NominalKind.BANK:
            raise MappingRefused(f"{nominal_code} is not a sales or expense nominal account on the jobs side")
        usage = USAGE_FOR_KIND[nominal.kind]
        draft = LedgerAccountDraft(
            nominal.code,
            nominal.name,
            class_for_new_account(nominal),
            _standard_tax(lists, mapped, rates, usage),
        )
        try:
            account = await connector.create_ledger_account(draft)
        except Rejected as refused:
            raise MappingRefused(
                f"the package refused to create {nominal.code} {nominal.name}: {refused}"
            ) from refused
        await self.read_lists(connector)
        return self.map("nominal", nominal.code, account.id)

    # consent to what the package needs made ----------------------------------------------------------

    def consents(self) -> list[ConsentAsked]:
        """What the package needs made before records can go, each with the user's answer so far."""
        with self.store.unit_of_work() as uow:
            given = uow.connections(self.connection.company_id).get(self.connection.id).consents
        asked = get_package(self.connection.package).connector.consents
        return [ConsentAsked(consent, consent.name in given) for consent in asked]

    def give_consent(self, name: str, *, given: bool = True) -> ConsentAsked:
        """Allow ledgerlink to make what the package needs (or withdraw that), for this connection."""
        self._entering()
        asked = {item.consent.name: item.consent for item in self.consents()}
        if name not in asked:
            offered = ", ".join(asked) or "nothing"
            raise MappingRefused(
                f"{self.connection.package} asks no consent named {name!r}: it asks {offered}"
            )
        with self.store.unit_of_work() as uow:
            self.connection = uow.connections(self.connection.company_id).set_consent(
                self.connection.id, name, given
            )
            uow.commit()
        return ConsentAsked(asked[name], given)

    def give_every_consent(self) -> list[ConsentAsked]:
        """Allow all the package asks: for a caller playing the bookkeeper who has read each (the demo)."""
        return [self.give_consent(item.consent.name) for item in self.consents()]

    # checking -------------------------------------------------------------------------------------

    def check(self) -> CheckReport:
        with self.store.unit_of_work() as uow:
            return check_mapping(uow, self.connection)


__all__ = [
    "USAGE_FOR_KIND",
    "Band",
    "CheckReport",
    "ConsentAsked",
    "MappingLine",
    "MappingRefused",
    "Nominals",
]
