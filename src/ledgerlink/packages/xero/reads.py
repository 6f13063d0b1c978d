"""What the Xero connector reads about contacts beyond their details: which are customers and which
suppliers, read from their documents where Xero has not flagged them yet, and what each owes on each side.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Any

from ledgerlink.domain.package_contact import PackageContact
from ledgerlink.packages.drafts import ContactBalance, DocumentType, OpenDocument
from ledgerlink.packages.xero import mapping

BATCH = 50
PAGE_SIZE = 100
OPEN_TYPES = {
    "ACCREC": DocumentType.SALES_INVOICE,
    "ACCPAY": DocumentType.PURCHASE_INVOICE,
    "ACCRECCREDIT": DocumentType.SALES_CREDIT_NOTE,
    "ACCPAYCREDIT": DocumentType.PURCHASE_CREDIT_NOTE,
}
# where each list keeps a document's id, number and what is still open on it
OPEN_FIELDS = {
    "Invoices": ("InvoiceID", "InvoiceNumber", "AmountDue"),
    "CreditNotes": ("CreditNoteID", "CreditNoteNumber", "RemainingCredit"),
}


def _sides(contact: Mapping[str, Any]) -> ContactBalance:
    """Xero keeps what a contact owes (receivable) and what it is owed (payable) apart."""
    balances = contact.get("Balances") or {}
    return ContactBalance(
        receivable=mapping.money((balances.get("AccountsReceivable") or {}).get("Outstanding")),
        payable=mapping.money((balances.get("AccountsPayable") or {}).get("Outstanding")),
    )


class XeroReads(ABC):
    """Contacts' roles and balances, for the connector (which supplies `_get`)."""

    @abstractmethod
    async def _get(
        self, path: str, *, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Any: ...

    async def _with_roles(self, contacts: list[PackageContact]) -> list[PackageContact]:
        """Xero flags a contact customer or supplier once it has a sales invoice or a bill, and the flag
        can lag the document: a contact flagged as neither is read from the invoices and bills it has."""
        unstated = [c.id for c in contacts if not c.is_customer and not c.is_supplier]
        if not unstated:
            return contacts
        kinds: dict[str, set[str]] = {}
        page = 1
        while True:
            params = {"ContactIDs": ",".join(unstated), "summaryOnly": "true", "page": page}
            found = (await self._get("/Invoices", params=params)).get("Invoices", [])
            for document in found:
                if document.get("Status") in ("DELETED", "VOIDED"):
                    continue
                contact_id = str((document.get("Contact") or {}).get("ContactID") or "")
                kinds.setdefault(contact_id, set()).add(str(document.get("Type") or ""))
            if len(found) < PAGE_SIZE:
                break
            page += 1
        return [
            replace(c, is_customer="ACCREC" in kinds[c.id], is_supplier="ACCPAY" in kinds[c.id])
            if c.id in kinds
            else c
            for c in contacts
        ]

    async def contact_balances(self, contact_ids: Sequence[str]) -> dict[str, ContactBalance]:
        """Fifty contacts a call through `IDs=`; one Xero left without Balances is read on its own."""
        wanted = list(dict.fromkeys(contact_ids))
        found: dict[str, ContactBalance] = {}
        for start in range(0, len(wanted), BATCH):
            chunk = wanted[start : start + BATCH]
            body = await self._get("/Contacts", params={"IDs": ",".join(chunk), "includeArchived": "true"})
            for contact in body.get("Contacts", []):
                if contact.get("Balances") is not None:
                    found[str(contact["ContactID"])] = _sides(contact)
        for contact_id in wanted:
            if contact_id not in found:
                found[contact_id] = _sides((await self._get(f"/Contacts/{contact_id}"))["Contacts"][0])
        return found

    async def open_documents(self, *, before: date) -> list[OpenDocument]:
        """Authorised (approved, not fully paid) invoices, bills and credit notes dated before `before`,
        read page by page in summary; a bill's number is the supplier's reference Xero keeps there."""
        found: list[OpenDocument] = []
        for collection, (id_field, number_field, open_field) in OPEN_FIELDS.items():
            page = 1
            while True:
                params = {"where": 'Status=="AUTHORISED"', "summaryOnly": "true", "page": page}
                listed = (await self._get(f"/{collection}", params=params)).get(collection, [])
                for document in listed:
                    day = date.fromisoformat(str(document.get("DateString") or "")[:10])
                    kind = OPEN_TYPES.get(str(document.get("Type") or ""))
                    outstanding = mapping.money(document.get(open_field))
                    if day >= before or kind is None or outstanding <= 0:
                        continue
                    found.append(
                        OpenDocument(
                            package_id=str(document[id_field]),
                            document_type=kind,
                            number=str(document.get(number_field) or ""),
                            contact_id=str((document.get("Contact") or {}).get("ContactID") or ""),
                            date=day,
                            outstanding=outstanding,
                            reference=str(document.get("Reference") or ""),
                        )
                    )
                if len(listed) < PAGE_SIZE:
                    break
                page += 1
        return found
