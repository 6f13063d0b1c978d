"""An open item at the cut-off as the draft that puts it into a new package as an opening item.

On the new-package path a document dated before the cut-off that was still open at it goes to the
package once, standing for what was open: dated at the cut-off, for that amount, in one line on the
opening account with no VAT (the VAT was accounted before the cut-off), carrying its own number, date
and gross (`OpeningOf`) for a package with a mechanism of its own (its plugin reads them). Once it is
in, money set against the document after the cut-off goes to the package against it like any other.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Protocol

from ledgerlink.domain.money import ZERO
from ledgerlink.domain.outbox import Step
from ledgerlink.domain.records import CreditNote, Invoice, RecordKind, SupplierCreditNote, SupplierInvoice
from ledgerlink.errors import NotReadyToSend
from ledgerlink.packages.drafts import DocumentDraft, DocumentType, LineDraft, OpeningItems, OpeningOf
from ledgerlink.packages.holdings import LedgerAccount, TaxRate, TaxUsage

Document = Invoice | CreditNote | SupplierInvoice | SupplierCreditNote


class OpeningResolver(Protocol):
    """What the connection knows about opening items."""

    @property
    def cut_off(self) -> date | None: ...

    @property
    def opening_way(self) -> OpeningItems | None: ...

    @property
    def package_label(self) -> str: ...

    def linked_id(self, kind: RecordKind, source_id: str) -> str | None: ...

    def open_at_cut_off(self, kind: RecordKind, source_id: str) -> Decimal: ...

    def opening_account(self) -> LedgerAccount: ...

    def opening_tax(self, usage: TaxUsage) -> TaxRate: ...


def is_opening_item(record: object, step: Step, resolver: OpeningResolver) -> bool:
    """A document dated before the cut-off on its way to the package can only be an opening item."""
    cut_off = resolver.cut_off
    return (
        step is Step.CREATE and cut_off is not None and isinstance(record, Document) and record.date < cut_off
    )


def opening_draft(
    record: Document, key: str, document_type: DocumentType, gross: Decimal, resolver: OpeningResolver
) -> DocumentDraft:
    """`gross`: the document's own gross, as stored."""
    cut_off = resolver.cut_off
    assert cut_off is not None
    way = resolver.opening_way
    if way is None:
        raise NotReadyToSend(
            f"{resolver.package_label} cannot take opening items from ledgerlink: mark it settled outside "
            "(open items) once it is in the package",
            field="opening",
        )
    sales = isinstance(record, Invoice | CreditNote)
    party = (RecordKind.CUSTOMER, record.customer_id) if sales else (RecordKind.SUPPLIER, record.supplier_id)  # type: ignore[union-attr]
    contact_id = resolver.linked_id(*party)
    if contact_id is None:
        raise NotReadyToSend(f"{party[0].label} {party[1]} is not in the package yet", field=party[0].value)
    amount = resolver.open_at_cut_off(record.kind, record.source_id)
    if amount <= ZERO:
        raise NotReadyToSend(
            f"nothing was open on {record.kind.label} {record.number} at the cut-off: mark it do-not-send",
            field="opening",
        )
    account_id = account_code = tax_id = ""
    if way.needs_mapping:
        account = resolver.opening_account()
        account_id, account_code = account.id, account.code
    if way.needs_tax:
        tax_id = resolver.opening_tax("sales" if sales else "purchase").id
    own_due = getattr(record, "due_date", None)
    line = LineDraft(
        description=f"Opening balance: {record.number} of {record.date:%d/%m/%Y}, {amount} open at the cut-off",
        quantity=Decimal(1),
        unit_price=amount,
        net=amount,
        vat=ZERO,
        account_id=account_id,
        account_code=account_code,
        tax_rate_id=tax_id,
    )
    return DocumentDraft(
        key=key,
        source_id=record.source_id,
        document_type=document_type,
        contact_id=contact_id,
        number=record.number,
        date=cut_off,
        lines=(line,),
        net=amount,
        vat=ZERO,
        gross=amount,
        due_date=max(own_due, cut_off) if own_due is not None else None,
        opening=OpeningOf(date=record.date, number=record.number, gross=gross, cut_off=cut_off),
    )
