"""A package's refusal read against what was sent, so a mapping the package will not take is named.

When the package refuses a record because of an account a mapping chose (an account archived or
deleted in the package since the lists were read), its own words name the package's account code, or
only "account". The record's failure then names the jobs side's account too ("nominal account 4000 is
mapped to 200, which the package refused: ..."), so a bookkeeper knows which mapping to change, and the
rest of the send fails the other records using that account for that kind of document without asking
the package again; every other record goes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ledgerlink.domain.records import (
    CreditNote,
    CustomerPayment,
    Invoice,
    Record,
    SupplierCreditNote,
    SupplierInvoice,
    SupplierPayment,
)
from ledgerlink.packages.drafts import DocumentDraft, DocumentType, Draft, PaymentDraft


@dataclass(frozen=True)
class RefusedMapping:
    """One package account the package refused on a kind of document, in the jobs side's words."""

    package_id: str
    document_type: DocumentType
    what: str  # "nominal account 4000 is mapped to 200"
    field: str  # "nominal 4000"
    message: str  # the package's own words

    def reason(self, package_label: str) -> str:
        return f"{self.what}, which {package_label} refused: {self.message}"


def _mentions(message: str, code: str) -> bool:
    """Whether the package's message names this account code as a word of its own (not in 200.00)."""
    return bool(code) and re.search(rf"(?<![\w.]){re.escape(code)}(?![\w]|\.\d)", message) is not None


def _speaks_of_an_account(message: str) -> bool:
    return re.search(r"\baccount\b", message, re.IGNORECASE) is not None


def refused_mapping(record: Record, draft: Draft, message: str) -> RefusedMapping | None:
    """The mapped account the package's refusal of this record is about, if it is about one."""
    if isinstance(draft, DocumentDraft) and isinstance(
        record, Invoice | CreditNote | SupplierInvoice | SupplierCreditNote
    ):
        accounts = {line.account_id for line in draft.lines}
        for line, ours in zip(draft.lines, record.lines, strict=False):
            if _mentions(message, line.account_code) or (
                len(accounts) == 1 and _speaks_of_an_account(message)
            ):
                return RefusedMapping(
                    line.account_id,
                    draft.document_type,
                    f"nominal account {ours.nominal_code} is mapped to {line.account_code or line.account_id}",
                    f"nominal {ours.nominal_code}",
                    message,
                )
        return None
    about_the_bank = isinstance(draft, PaymentDraft) and (
        _mentions(message, draft.bank_account_code) or _speaks_of_an_account(message)
    )
    if (
        about_the_bank
        and isinstance(draft, PaymentDraft)
        and isinstance(record, CustomerPayment | SupplierPayment)
    ):
        return RefusedMapping(
            draft.bank_account_id,
            draft.document_type,
            f"payment method {record.method} is mapped to bank account "
            f"{draft.bank_account_code or draft.bank_account_id}",
            f"method {record.method}",
            message,
        )
    return None


RefusedMappings = dict[tuple[str, DocumentType], RefusedMapping]
"""What the package refused during one send: by package account and kind of document."""


def already_refused(record: Record, draft: Draft, refused: RefusedMappings) -> RefusedMapping | None:
    """The refusal this record would meet again, in its own words: an account the package refused on
    the same kind of document earlier in this send."""
    if not refused:
        return None
    if isinstance(draft, DocumentDraft) and isinstance(
        record, Invoice | CreditNote | SupplierInvoice | SupplierCreditNote
    ):
        for line, ours in zip(draft.lines, record.lines, strict=False):
            earlier = refused.get((line.account_id, draft.document_type))
            if earlier is not None:
                return RefusedMapping(
                    earlier.package_id,
                    earlier.document_type,
                    f"nominal account {ours.nominal_code} is mapped to {line.account_code or line.account_id}",
                    f"nominal {ours.nominal_code}",
                    earlier.message,
                )
    if isinstance(draft, PaymentDraft) and isinstance(record, CustomerPayment | SupplierPayment):
        earlier = refused.get((draft.bank_account_id, draft.document_type))
        if earlier is not None:
            return RefusedMapping(
                earlier.package_id,
                earlier.document_type,
                f"payment method {record.method} is mapped to bank account "
                f"{draft.bank_account_code or draft.bank_account_id}",
                f"method {record.method}",
                earlier.message,
            )
    return None
