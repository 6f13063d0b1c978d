"""Changes to what Xero holds already: a contact's details, and an approved document with nothing paid
or credited against it, updated in place by id. A document with money against it is refused before
anything is sent, naming what is against it: only those need a credit and a re-issue.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from ledgerlink.errors import FeatureUnavailable, NotFound, Problem
from ledgerlink.packages.drafts import ContactDraft, Created, DocumentDraft, Draft, Outcome, Refused
from ledgerlink.packages.xero import mapping
from ledgerlink.packages.xero.client import element_problems


class XeroUpdates(ABC):
    """`update` for the connector (which supplies `_get` and `_write`)."""

    @abstractmethod
    async def _get(
        self, path: str, *, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Any: ...

    @abstractmethod
    async def _write(self, method: str, path: str, body: dict[str, Any], key: str) -> dict[str, Any]: ...

    async def update(self, package_id: str, draft: Draft) -> Outcome:
        """Change a contact, or an approved document that has no money against it, in place (POST by id).

        A document with payments or credits against it is refused before anything is sent: Xero keeps
        it as it is until they are removed, so the answer names what is against it.
        """
        if isinstance(draft, ContactDraft):
            return await self._update_contact(package_id, draft)
        if not isinstance(draft, DocumentDraft) or draft.document_type not in mapping.DOCUMENT_TYPES:
            raise FeatureUnavailable(f"Xero cannot update a {draft.document_type.value}")
        credit = draft.document_type in mapping.CREDIT_NOTES
        collection, id_field = ("CreditNotes", "CreditNoteID") if credit else ("Invoices", "InvoiceID")
        try:
            current = (await self._get(f"/{collection}/{package_id}")).get(collection) or [{}]
        except NotFound:
            return Refused(draft.key, (Problem(f"{draft.number} is no longer in Xero"),))
        against = mapping.money_against(current[0])
        if against:
            return Refused(draft.key, (Problem(f"{draft.number} has {against} against it in Xero"),))
        status = str(current[0].get("Status") or "")
        if status in ("VOIDED", "DELETED"):
            return Refused(draft.key, (Problem(f"{draft.number} is {status} in Xero"),))
        body = {**mapping.document_body(draft), id_field: package_id}
        if status != "AUTHORISED":
            body.pop("Status")  # a draft the plan kept unapproved stays as Xero holds it
        key = mapping.batch_key(f"POST /{collection}/{package_id}", [draft.key, mapping.fingerprint(body)])
        reply = await self._write("POST", f"/{collection}/{package_id}", {collection: [body]}, key)
        element = (reply.get(collection) or [{}])[0]
        if element.get("StatusAttributeString") == "ERROR" or element.get("HasErrors"):
            return Refused(draft.key, element_problems(element) or (Problem("refused by Xero"),))
        return Created(
            draft.key,
            str(element.get(id_field) or package_id),
            number=str(element.get("CreditNoteNumber" if credit else "InvoiceNumber") or draft.number),
            totals=mapping.totals(element),
            status=str(element.get("Status") or ""),
        )

    async def _update_contact(self, package_id: str, draft: ContactDraft) -> Outcome:
        """A contact's details as they are now; a name Xero holds made unique at creation is kept."""
        try:
            current = ((await self._get(f"/Contacts/{package_id}")).get("Contacts") or [{}])[0]
        except NotFound:
            return Refused(draft.key, (Problem(f"the contact for {draft.name} is no longer in Xero"),))
        held = str(current.get("Name") or "")
        name = held if held == draft.name or held.startswith(f"{draft.name} (") else draft.name
        body = {**mapping.contact_body(draft, name=name), "ContactID": package_id}
        key = mapping.batch_key(f"POST /Contacts/{package_id}", [draft.key, mapping.fingerprint(body)])
        reply = await self._write("POST", f"/Contacts/{package_id}", {"Contacts": [body]}, key)
        element = (reply.get("Contacts") or [{}])[0]
        if element.get("StatusAttributeString") == "ERROR" or element.get("HasValidationErrors"):
            return Refused(draft.key, element_problems(element) or (Problem("refused by Xero"),))
        return Created(draft.key, str(element.get("ContactID") or package_id), number=draft.source_id)
