"""The port: what comes back from the package, the changes made there (payments, allocations,
voids) that a connection chooses to read, and the notices a package may push about them."""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import ClassVar

from ledgerlink.packages.drafts import AllocationLine, DocumentType


class ChangeKind(StrEnum):
    """What a change made in the package is about; each connection chooses which kinds come back."""

    PAYMENT = "payment"  # a receipt, refund or supplier payment, with what it settles
    CREDIT_ALLOCATION = "credit_allocation"  # a credit note set against an invoice
    DOCUMENT = "document"  # an invoice, credit note or bill voided or deleted


@dataclass(frozen=True)
class PaymentChange:
    """A payment as the package holds it now; its allocations name the package's documents."""

    package_id: str
    document_type: DocumentType  # CUSTOMER_RECEIPT, CUSTOMER_REFUND or SUPPLIER_PAYMENT
    contact_id: str
    bank_account_id: str
    date: dt.date
    amount: Decimal
    changed_at: datetime
    reference: str = ""
    allocations: tuple[AllocationLine, ...] = ()

    change_kind: ClassVar[ChangeKind] = ChangeKind.PAYMENT


@dataclass(frozen=True)
class CreditAllocationChange:
    """A credit note set against an invoice in the package."""

    package_id: str
    contact_id: str
    credit_note_id: str
    invoice_id: str
    amount: Decimal
    date: dt.date
    changed_at: datetime
    purchase: bool = False

    change_kind: ClassVar[ChangeKind] = ChangeKind.CREDIT_ALLOCATION


@dataclass(frozen=True)
class CreditAllocationsHeld:
    """Every allocation a credit note holds now, for a package where removing one leaves nothing of its
    own to read: the credit note is stamped changed, and lists only the allocations left on it."""

    package_id: str  # the credit note's
    allocation_ids: tuple[str, ...]
    changed_at: datetime
    purchase: bool = False

    change_kind: ClassVar[ChangeKind] = ChangeKind.CREDIT_ALLOCATION


@dataclass(frozen=True)
class DocumentChange:
    """An invoice, credit note or bill as the package holds it now (its figures, whether it is void)."""

    package_id: str
    document_type: DocumentType
    contact_id: str
    number: str
    gross: Decimal
    status: str  # the package's own word
    voided: bool
    changed_at: datetime

    change_kind: ClassVar[ChangeKind] = ChangeKind.DOCUMENT


@dataclass(frozen=True)
class Removal:
    """A payment, allocation or document the package no longer holds: only its id is left to read."""

    removed: ChangeKind
    package_id: str
    changed_at: datetime

    @property
    def change_kind(self) -> ChangeKind:
        return self.removed


PackageChange = PaymentChange | CreditAllocationChange | CreditAllocationsHeld | DocumentChange | Removal


@dataclass(frozen=True)
class ChangesRead:
    """One read of one change feed: what it held, and where the next read starts.

    The cursor is the package's own (a time, with whatever overlap its bounds need), opaque to the
    engine; a change may come back in more than one read, so whoever applies them must not mind.
    """

    changes: tuple[PackageChange, ...]
    cursor: str


class IncomingWebhooks(ABC):
    """A package that posts a notice when something changes: how to check one is the package's, and
    whose books it names. A notice is only ever a prompt to read the change feeds, never a change."""

    @abstractmethod
    def verify(self, key: str, body: bytes, headers: Mapping[str, str]) -> bool:
        """Whether the package signed `body` with `key` (the raw body, before any parsing)."""

    @abstractmethod
    def businesses(self, body: bytes) -> list[str]:
        """The businesses a verified notice names; none for a notice that only checks the receiver."""
