"""The package's chart of accounts, bank accounts and tax rates: read, kept, refreshed, changes noticed."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any, TypeVar

from ledgerlink.packages.base import PackageConnector
from ledgerlink.packages.holdings import AccountClass, BankAccount, LedgerAccount, TaxRate
from ledgerlink.store.connections import ListChanges, ListItem, ListName
from ledgerlink.store.unit_of_work import UnitOfWork

_Listed = TypeVar("_Listed", LedgerAccount, BankAccount, TaxRate)


@dataclass(frozen=True)
class PackageLists:
    """What the package holds now (usable or not), as the port's types."""

    ledger_accounts: tuple[LedgerAccount, ...]
    bank_accounts: tuple[BankAccount, ...]
    tax_rates: tuple[TaxRate, ...]
    gone: frozenset[tuple[ListName, str]] = frozenset()

    def ledger_account(self, package_id: str) -> LedgerAccount | None:
        return self._ledger_accounts_by_id.get(package_id)

    def bank_account(self, package_id: str) -> BankAccount | None:
        return self._bank_accounts_by_id.get(package_id)

    def tax_rate(self, package_id: str) -> TaxRate | None:
        return self._tax_rates_by_id.get(package_id)

    # by id, made on first use: a send asks for every line's account and rate and every payment's bank,
    # and a walk of the chart for each cost more than the rest of drafting the line
    @cached_property
    def _ledger_accounts_by_id(self) -> dict[str, LedgerAccount]:
        return _first_by_id(self.ledger_accounts)

    @cached_property
    def _bank_accounts_by_id(self) -> dict[str, BankAccount]:
        return _first_by_id(self.bank_accounts)

    @cached_property
    def _tax_rates_by_id(self) -> dict[str, TaxRate]:
        return _first_by_id(self.tax_rates)


def _first_by_id(items: tuple[_Listed, ...]) -> dict[str, _Listed]:
    found: dict[str, _Listed] = {}
    for item in items:
        found.setdefault(item.id, item)
    return found


def _plain(value: Any) -> dict[str, Any]:
    data = asdict(value)
    for name, item in list(data.items()):
        if isinstance(item, frozenset):
            data[name] = sorted(str(getattr(element, "value", element)) for element in item)
        elif isinstance(item, Decimal):
            data[name] = str(item)
        elif hasattr(item, "value"):
            data[name] = item.value
    return data


def ledger_account_from(item: ListItem) -> LedgerAccount:
    data = item.content
    return LedgerAccount(
        id=data["id"],
        code=data["code"],
        name=data["name"],
        account_class=AccountClass(data["account_class"]),
        active=item.usable,
        package_type=data.get("package_type", ""),
        default_tax_rate_id=data.get("default_tax_rate_id", ""),
        heading=data.get("heading", ""),
    )


def bank_account_from(item: ListItem) -> BankAccount:
    data = item.content
    return BankAccount(
        id=data["id"],
        name=data["name"],
        code=data.get("code", ""),
        active=item.usable,
        ledger_account_id=data.get("ledger_account_id", ""),
    )


def tax_rate_from(item: ListItem) -> TaxRate:
    data = item.content
    return TaxRate(
        id=data["id"],
        name=data["name"],
        percent=Decimal(data["percent"]),
        active=item.usable,
        usages=frozenset(data.get("usages", ["sales", "purchase"])),
        applies_to=frozenset(AccountClass(v) for v in data.get("applies_to", [])),
        exempt_or_outside=bool(data.get("exempt_or_outside", False)),
    )


@dataclass(frozen=True)
class ReadResult:
    accounts: ListChanges
    banks: ListChanges
    taxes: ListChanges

    @property
    def changes(self) -> list[str]:
        lines = []
        for label, changes in (
            ("account", self.accounts),
            ("bank account", self.banks),
            ("tax rate", self.taxes),
        ):
            lines += [f"new {label}: {name}" for name in changes.added]
            lines += [f"{label} gone from the package: {name}" for name in changes.gone]
            lines += [f"{label} made inactive: {name}" for name in changes.deactivated]
            lines += [f"{label} changed: {name}" for name in changes.changed]
        return lines


async def read_package_lists(
    connector: PackageConnector,
) -> tuple[list[LedgerAccount], list[BankAccount], list[TaxRate]]:
    return await connector.ledger_accounts(), await connector.bank_accounts(), await connector.tax_rates()


def store_package_lists(
    uow: UnitOfWork,
    connection_id: int,
    accounts: list[LedgerAccount],
    banks: list[BankAccount],
    taxes: list[TaxRate],
) -> ReadResult:
    repository = uow.package_lists(connection_id)
    return ReadResult(
        accounts=repository.replace(
            "ledger_account", [(a.id, a.code, a.name, _plain(a), a.active) for a in accounts]
        ),
        banks=repository.replace(
            "bank_account", [(b.id, b.code, b.name, _plain(b), b.active) for b in banks]
        ),
        taxes=repository.replace("tax_rate", [(t.id, "", t.name, _plain(t), t.active) for t in taxes]),
    )


def load_package_lists(uow: UnitOfWork, connection_id: int) -> PackageLists:
    repository = uow.package_lists(connection_id)
    accounts = repository.items("ledger_account", include_gone=True)
    banks = repository.items("bank_account", include_gone=True)
    taxes = repository.items("tax_rate", include_gone=True)
    gone = frozenset(
        (item.list_name, item.package_id)
        for item in (*accounts, *banks, *taxes)
        if item.gone_since is not None
    )
    return PackageLists(
        ledger_accounts=tuple(ledger_account_from(item) for item in accounts),
        bank_accounts=tuple(bank_account_from(item) for item in banks),
        tax_rates=tuple(tax_rate_from(item) for item in taxes),
        gone=gone,
    )
