"""A package held in memory that can be told to fail: the engine's rules tested without a sandbox.

It keeps idempotency keys like the real packages do (a replay answers the first reply and creates
nothing), refuses what a test asks it to, and can drop a reply after storing, or raise a rate limit.
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from ledgerlink.errors import Problem, UncertainOutcome
from ledgerlink.packages.base import PackageConnector, PackageContact, Taken, nothing_taken
from ledgerlink.packages.connection import ConnectionContext, Exchange, IdempotencyMechanism, Limits
from ledgerlink.packages.drafts import (
    ContactDraft,
    Created,
    CreditAllocationDraft,
    DocumentDraft,
    DocumentType,
    Draft,
    Outcome,
    PackageTotals,
    PaymentDraft,
    Refused,
)
from ledgerlink.packages.holdings import AccountClass, BankAccount, LedgerAccount, TaxRate

Refusal = Callable[[Draft], str | None]


@dataclass
class FakePackageState:
    objects: dict[str, Draft] = field(default_factory=dict)
    by_key: dict[str, Outcome] = field(default_factory=dict)
    calls: int = 0
    refuse: Refusal = lambda draft: None
    drop_after_store: set[str] = field(default_factory=set)  # source ids whose reply is lost once
    raise_next: list[Exception] = field(default_factory=list)  # raised by the next creates, in turn
    on_the_way: Callable[[], Awaitable[None]] | None = None  # awaited by every create before it answers
    accounts: list[LedgerAccount] = field(default_factory=list)
    banks: list[BankAccount] = field(default_factory=list)
    taxes: list[TaxRate] = field(default_factory=list)
    updatable: frozenset[DocumentType] = frozenset({DocumentType.CONTACT, DocumentType.SALES_INVOICE})
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def of_type(self, document_type: DocumentType) -> list[Draft]:
        return [draft for draft in self.objects.values() if draft.document_type is document_type]

    def balance(self, contact_id: str) -> Decimal:
        owed = Decimal("0.00")
        for draft in self.objects.values():
            if isinstance(draft, DocumentDraft) and draft.contact_id == contact_id:
                sign = (
                    -1
                    if draft.document_type
                    in (DocumentType.SALES_CREDIT_NOTE, DocumentType.PURCHASE_CREDIT_NOTE)
                    else 1
                )
                owed += sign * draft.gross
            if isinstance(draft, PaymentDraft) and draft.contact_id == contact_id:
                owed += draft.amount if draft.document_type is DocumentType.CUSTOMER_REFUND else -draft.amount
        return owed


def standard_lists(state: FakePackageState) -> None:
    state.accounts = [
        LedgerAccount("acc-4000", "4000", "Sales", AccountClass.INCOME),
        LedgerAccount("acc-4010", "4010", "Installations", AccountClass.INCOME),
        LedgerAccount("acc-5000", "5000", "Materials", AccountClass.COST_OF_SALES),
        LedgerAccount("acc-7100", "7100", "Fuel", AccountClass.EXPENSE),
    ]
    state.banks = [BankAccount("bank-1200", "Current account", "1200")]
    state.taxes = [
        TaxRate("T20S", "20% sales", Decimal(20), usages=frozenset({"sales"})),
        TaxRate("T20P", "20% purchases", Decimal(20), usages=frozenset({"purchase"})),
        TaxRate("T5S", "5% sales", Decimal(5), usages=frozenset({"sales"})),
        TaxRate("T0", "Zero rated", Decimal(0)),
        TaxRate("TEX", "Exempt", Decimal(0), exempt_or_outside=True),
        TaxRate("TNO", "No VAT", Decimal(0), exempt_or_outside=True),
    ]


class FakeConnector(PackageConnector):
    name = "fake"
    limits = Limits(
        requests_per_minute=6000,
        concurrency=2,
        batch_sizes={DocumentType.CONTACT: 10, DocumentType.SALES_INVOICE: 10},
    )
    idempotency = IdempotencyMechanism.BODY_FIELD

    def __init__(self, context: ConnectionContext, state: FakePackageState) -> None:
        super().__init__(context)
        self.state = state
        self.supports_update = state.updatable  # type: ignore[misc]

    def _exchange(self, method: str, status: int | None) -> None:
        self.state.calls += 1
        if self.context.observer:
            self.context.observer(Exchange(method, "/fake", status, request_id=f"r{self.state.calls}"))

    async def ledger_accounts(self) -> list[LedgerAccount]:
        return list(self.state.accounts)

    async def bank_accounts(self) -> list[BankAccount]:
        return list(self.state.banks)

    async def tax_rates(self) -> list[TaxRate]:
        return list(self.state.taxes)

    async def contacts(self, *, changed_since: datetime | None = None) -> AsyncIterator[PackageContact]:  # type: ignore[override]
        for package_id, draft in self.state.objects.items():
            if isinstance(draft, ContactDraft):
                yield PackageContact(id=package_id, name=draft.name, reference=draft.reference)

    async def outstanding_balance(self, contact_id: str) -> Decimal:
        return self.state.balance(contact_id)

    async def create(self, drafts: Sequence[Draft]) -> list[Outcome]:
        if self.state.on_the_way is not None:  # the request has left: a test acts while it travels
            await self.state.on_the_way()
        if self.state.raise_next:
            self._exchange("POST", 429)
            raise self.state.raise_next.pop(0)
        outcomes: list[Outcome] = []
        lost = False
        for draft in drafts:
            if draft.key in self.state.by_key:
                outcomes.append(self.state.by_key[draft.key])
                continue
            problem = self.state.refuse(draft)
            if problem:
                outcome: Outcome = Refused(draft.key, (Problem(problem, "line"),))
            else:
                package_id = f"{draft.document_type.value}-{next(self.state._ids)}"
                self.state.objects[package_id] = draft
                totals = (
                    PackageTotals(draft.net, draft.vat, draft.gross)
                    if isinstance(draft, DocumentDraft)
                    else None
                )
                outcome = Created(draft.key, package_id, totals=totals)
                if draft.source_id in self.state.drop_after_store:
                    self.state.drop_after_store.discard(draft.source_id)
                    lost = True
            self.state.by_key[draft.key] = outcome
            outcomes.append(outcome)
        self._exchange("POST", None if lost else 200)
        if lost:
            raise UncertainOutcome("the reply was lost after the package stored the records")
        return outcomes

    async def find(self, draft: Draft, *, taken: Taken = nothing_taken) -> str | None:
        self._exchange("GET", 200)
        for package_id, stored in self.state.objects.items():
            if taken(package_id):
                continue
            if stored.source_id == draft.source_id and stored.document_type is draft.document_type:
                return package_id
        return None

    async def update(self, package_id: str, draft: Draft) -> Outcome:
        self._exchange("PUT", 200)
        self.state.objects[package_id] = draft
        return Created(draft.key, package_id)

    async def aclose(self) -> None:
        return None


__all__ = ["CreditAllocationDraft", "FakeConnector", "FakePackageState", "standard_lists"]
