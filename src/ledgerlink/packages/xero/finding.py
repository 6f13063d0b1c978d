"""Finding by natural key what a send may have made in Xero before its reply was lost.

Contacts and documents carry our own unique numbers; a payment is found by the document it settles, its
amount, date and reference, money on account by its contact, amount and reference, and `taken` passes by
what is linked to another record already. A payment Xero keeps as several objects is found only whole:
part of it found is said, never guessed at.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from ledgerlink.errors import NotFound, PartlyApplied
from ledgerlink.packages.base import Taken, nothing_taken
from ledgerlink.packages.drafts import (
    AllocationLine,
    ContactDraft,
    CreditAllocationDraft,
    DocumentDraft,
    Draft,
    PaymentDraft,
)
from ledgerlink.packages.xero import mapping


def quoted(value: str) -> str:
    """A string as Xero's `where` filter takes it."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class XeroFinding(ABC):
    """`find` for the connector (which supplies `_get`)."""

    @abstractmethod
    async def _get(
        self, path: str, *, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Any: ...

    async def find(self, draft: Draft, *, taken: Taken = nothing_taken) -> str | None:
        """Contacts and documents carry our own unique numbers, so `taken` can only matter for money:
        two payments of one amount against one document, or two equal sums on account."""
        if isinstance(draft, ContactDraft):
            return await self._contact_by_number(draft.source_id)
        if isinstance(draft, DocumentDraft):
            return await self._find_document(draft)
        if isinstance(draft, PaymentDraft):
            return await self._find_payment(draft, taken)
        return await self._find_allocation(draft)

    async def _find_document(self, draft: DocumentDraft) -> str | None:
        kind = mapping.DOCUMENT_TYPES[draft.document_type]
        live = ("DRAFT", "SUBMITTED", "AUTHORISED", "PAID")
        if draft.document_type in mapping.CREDIT_NOTES:
            where = f"CreditNoteNumber=={quoted(draft.number)} AND Type=={quoted(kind)}"
            found = (await self._get("/CreditNotes", params={"where": where})).get("CreditNotes", [])
            matches = [
                c
                for c in found
                if c.get("Status") in live and c.get("Contact", {}).get("ContactID") == draft.contact_id
            ]
            return str(matches[0]["CreditNoteID"]) if matches else None
        params = {"InvoiceNumbers": draft.number}
        if kind == "ACCPAY":  # bill numbers are the supplier's, unique only with the supplier
            params["ContactIDs"] = draft.contact_id
        found = (await self._get("/Invoices", params=params)).get("Invoices", [])
        matches = [
            i
            for i in found
            if i.get("Type") == kind and i.get("Status") in live and i.get("InvoiceNumber") == draft.number
        ]
        return str(matches[0]["InvoiceID"]) if matches else None

    async def _find_payment(self, draft: PaymentDraft, taken: Taken = nothing_taken) -> str | None:
        """Every part the payment became in Xero (`_create_payments`): a Payment per document settled,
        and an overpayment for money left on account. All there: the first part's id, the one a send
        links too (Xero keeps the others apart; they carry the payment's reference, which is how what
        comes back from Xero knows them as ours). None there: absent, to be sent whole. Only some:
        neither answer is true, so PartlyApplied names what Xero holds and what it does not."""
        if not draft.allocations:
            return await self._find_overpayment(draft, taken)
        claimed: set[str] = set()  # one Payment answers one part, however alike two parts are
        held: list[str] = []
        missing: list[str] = []
        first: str | None = None
        for allocation in draft.allocations:
            found = await self._payment_part(
                draft, allocation, lambda package_id: package_id in claimed or taken(package_id)
            )
            if found is None:
                missing.append(f"{allocation.amount} on {await self._document_number(allocation)}")
                continue
            payment_id = str(found["PaymentID"])
            claimed.add(payment_id)
            first = first or payment_id
            document = found.get("Invoice") or found.get("CreditNote") or {}
            number = document.get("InvoiceNumber") or document.get("CreditNoteNumber") or ""
            held.append(
                f"{allocation.amount} on {number or await self._document_number(allocation)} "
                f"(Xero payment {payment_id})"
            )
        if draft.on_account > 0:
            overpayment = await self._find_overpayment(draft, taken)
            if overpayment is None:
                missing.append(f"{draft.on_account} on account")
            else:
                held.append(f"{draft.on_account} on account (Xero overpayment {overpayment})")
        if not missing:
            return first
        if not held:
            return None
        raise PartlyApplied(
            f"Xero holds only part of this payment: {'; '.join(held)}. It does not hold "
            f"{' nor '.join(missing)}. Linking it or sending it again would each leave Xero wrong, so "
            "it is for you: delete what Xero holds of it and re-send it, or record the rest in Xero by "
            "hand and mark it do-not-send"
        )

    async def _payment_part(
        self, draft: PaymentDraft, allocation: AllocationLine, taken: Taken
    ) -> dict[str, Any] | None:
        """The Xero Payment one allocation became: its document, amount, date and the payment's reference."""
        target = (
            "CreditNote.CreditNoteID"
            if allocation.document_type in mapping.CREDIT_NOTES
            else "Invoice.InvoiceID"
        )
        day = draft.date
        clauses = [
            f'{target}==guid("{allocation.document_id}")',
            f"Amount=={allocation.amount}",
            f"Date==DateTime({day.year},{day.month:02d},{day.day:02d})",
            'Status=="AUTHORISED"',
        ]
        if draft.reference:
            clauses.insert(0, f"Reference=={quoted(draft.reference)}")
        found = (await self._get("/Payments", params={"where": " AND ".join(clauses)})).get("Payments", [])
        return next((payment for payment in found if not taken(str(payment["PaymentID"]))), None)

    async def _document_number(self, allocation: AllocationLine) -> str:
        """The number people know a settled document by, to name it in a message; its id if Xero has none."""
        credit = allocation.document_type in mapping.CREDIT_NOTES
        collection, number_field = (
            ("CreditNotes", "CreditNoteNumber") if credit else ("Invoices", "InvoiceNumber")
        )
        try:
            body = await self._get(f"/{collection}/{allocation.document_id}")
        except NotFound:
            return allocation.document_id
        documents = body.get(collection) or [{}]
        return str(documents[0].get(number_field) or allocation.document_id)

    async def _find_overpayment(self, draft: PaymentDraft, taken: Taken = nothing_taken) -> str | None:
        kind = mapping.overpayment_type(draft)
        clauses = [
            f"Type=={quoted(kind)}",
            f'Contact.ContactID==guid("{draft.contact_id}")',
            f"Total=={draft.on_account}",
            'Status=="AUTHORISED"',
        ]
        if draft.reference:
            clauses.insert(0, f"Reference=={quoted(draft.reference)}")
        where = " AND ".join(clauses)
        found = (await self._get("/BankTransactions", params={"where": where})).get("BankTransactions", [])
        ids = [str(item.get("OverpaymentID") or item["BankTransactionID"]) for item in found]
        free = [package_id for package_id in ids if not taken(package_id)]
        return free[0] if free else None

    async def _find_allocation(self, draft: CreditAllocationDraft) -> str | None:
        try:
            body = await self._get(f"/CreditNotes/{draft.credit_note_id}")
        except NotFound:
            return None
        for credit in body.get("CreditNotes", []):
            for allocation in credit.get("Allocations") or ():
                invoice = allocation.get("Invoice") or {}
                if (
                    invoice.get("InvoiceID") == draft.invoice_id
                    and mapping.money(allocation.get("Amount")) == draft.amount
                ):
                    return str(allocation.get("AllocationID") or "") or None
        return None

    async def _contact_by_number(self, number: str) -> str | None:
        try:
            body = await self._get(f"/Contacts/{mapping.contact_number(number)}")
        except NotFound:
            return None
        contacts = body.get("Contacts") or []
        return str(contacts[0]["ContactID"]) if contacts else None
