"""Sage Accounting v3.1 as the engine sees it: one record a call, `idempotency_id` in every body.

Where a create's outcome is unknown, the engine replays it (the same `idempotency_id` makes Sage answer
with the first record) or asks `find`, which looks the record up by its natural key: a contact by its
reference, a document by its reference and contact, a payment by reference, contact and amount.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from ledgerlink.errors import FeatureUnavailable, Rejected
from ledgerlink.packages.base import (
    BankAccount,
    ConnectionContext,
    ContactDraft,
    Created,
    CreditAllocationDraft,
    DocumentDraft,
    DocumentType,
    Draft,
    IdempotencyMechanism,
    LedgerAccount,
    Limits,
    Outcome,
    PackageConnector,
    PackageContact,
    PaymentDraft,
    Refused,
    TaxRate,
    VatRounding,
)
from ledgerlink.packages.sage import mapping
from ledgerlink.packages.sage.client import SageClient


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


class SageConnector(PackageConnector):
    name: ClassVar[str] = "sage"
    # Sage documents no number; 200 a minute per business was quoted, 100 reported: stay under both.
    limits: ClassVar[Limits] = Limits(requests_per_minute=180, concurrency=2)
    idempotency: ClassVar[IdempotencyMechanism] = IdempotencyMechanism.BODY_FIELD
    vat_rounding: ClassVar[VatRounding] = VatRounding.PER_LINE
    supports_update: ClassVar[frozenset[DocumentType]] = frozenset(
        {
            DocumentType.CONTACT,
            DocumentType.SALES_INVOICE,
            DocumentType.SALES_CREDIT_NOTE,
            DocumentType.PURCHASE_INVOICE,
            DocumentType.PURCHASE_CREDIT_NOTE,
        }
    )

    def __init__(self, context: ConnectionContext) -> None:
        super().__init__(context)
        self.client = SageClient(context)

    async def aclose(self) -> None:
        await self.client.aclose()

    # --- reading ----------------------------------------------------------------------------------

    async def ledger_accounts(self) -> list[LedgerAccount]:
        return [
            mapping.ledger_account_from_sage(item) async for item in self.client.items("/ledger_accounts")
        ]

    async def bank_accounts(self) -> list[BankAccount]:
        return [mapping.bank_account_from_sage(item) async for item in self.client.items("/bank_accounts")]

    async def tax_rates(self) -> list[TaxRate]:
        return [mapping.tax_rate_from_sage(item) async for item in self.client.items("/tax_rates")]

    async def contacts(self, *, changed_since: datetime | None = None) -> AsyncIterator[PackageContact]:
        params: dict[str, Any] = {}
        if changed_since is not None:
            params["updated_or_created_since"] = changed_since.isoformat()
        async for item in self.client.items("/contacts", params):
            yield mapping.contact_from_sage(item)

    async def outstanding_balance(self, contact_id: str) -> Decimal:
        item = await self.client.get(f"/contacts/{contact_id}", {"show_balance": "true"})
        return mapping.decimal(item.get("balance"))

    async def financial_settings(self) -> dict[str, Any]:
        """The year end, lockdown date and accounting scheme, read at connect time."""
        settings: dict[str, Any] = await self.client.get("/financial_settings")
        return settings

    # --- writing ----------------------------------------------------------------------------------

    async def create(self, drafts: Sequence[Draft]) -> list[Outcome]:
        outcomes: list[Outcome] = []
        for draft in drafts:
            try:
                outcomes.append(await self._create_one(draft))
            except Rejected as error:
                outcomes.append(Refused(draft.key, error.problems))
        return outcomes

    async def _create_one(self, draft: Draft) -> Created:
        if isinstance(draft, ContactDraft):
            item = await self.client.post("/contacts", mapping.contact_create(draft))
            return Created(draft.key, str(item["id"]), number=str(item.get("reference") or ""))
        if isinstance(draft, DocumentDraft):
            endpoint = mapping.ENDPOINTS[draft.document_type]
            item = await self.client.post(endpoint.path, mapping.document_create(draft))
            return mapping.created_document(draft.key, item)
        if isinstance(draft, PaymentDraft):
            item = await self.client.post("/contact_payments", mapping.payment_create(draft))
            return mapping.created_payment(draft.key, item)
        item = await self.client.post("/contact_allocations", mapping.allocation_create(draft))
        return Created(draft.key, str(item["id"]), related_ids=(draft.invoice_id, draft.credit_note_id))

    async def find(self, draft: Draft) -> str | None:
        if isinstance(draft, ContactDraft):
            return await self._find_contact(draft)
        if isinstance(draft, DocumentDraft):
            return await self._find_document(draft)
        if isinstance(draft, PaymentDraft):
            return await self._find_payment(draft)
        return await self._find_allocation(draft)

    async def _find_contact(self, draft: ContactDraft) -> str | None:
        wanted_type = "CUSTOMER" if draft.role == "customer" else "VENDOR"
        term = draft.reference or draft.name
        matches: list[str] = []
        async for item in self.client.items("/contacts", {"search": term}):
            types = {str(t.get("id")) for t in item.get("contact_types") or []}
            if wanted_type not in types:
                continue
            if draft.reference and _same(str(item.get("reference") or ""), draft.reference):
                return str(item["id"])
            if not draft.reference and _same(str(item.get("name") or ""), draft.name):
                matches.append(str(item["id"]))
        return matches[0] if len(matches) == 1 else None  # a name alone must be unambiguous

    async def _find_document(self, draft: DocumentDraft) -> str | None:
        endpoint = mapping.ENDPOINTS[draft.document_type]
        params = {"search": draft.number, "contact_id": draft.contact_id}
        async for item in self.client.items(endpoint.path, params):
            if str((item.get("contact") or {}).get("id")) != draft.contact_id:
                continue
            if (item.get("status") or {}).get("id") == "VOID":
                continue
            references = (str(item.get("reference") or ""), str(item.get("vendor_reference") or ""))
            if any(_same(reference, draft.number) for reference in references if reference):
                return str(item["id"])
        return None

    async def _find_payment(self, draft: PaymentDraft) -> str | None:
        params = {
            "contact_id": draft.contact_id,
            "transaction_type_id": mapping.PAYMENT_TYPES[draft.document_type],
        }
        async for item in self.client.items("/contact_payments", params):
            if mapping.decimal(item.get("total_amount")) != draft.amount:
                continue
            if draft.reference and not _same(str(item.get("reference") or ""), draft.reference):
                continue
            if not draft.reference and item.get("date") != draft.date.isoformat():
                continue
            return str(item["id"])
        return None

    async def _find_allocation(self, draft: CreditAllocationDraft) -> str | None:
        async for item in self.client.items("/contact_allocations", {"contact_id": draft.contact_id}):
            artefacts = {
                str((line.get("artefact") or {}).get("id")): abs(mapping.decimal(line.get("amount")))
                for line in item.get("allocated_artefacts") or []
            }
            if (
                artefacts.get(draft.invoice_id) == draft.amount
                and artefacts.get(draft.credit_note_id) == draft.amount
            ):
                return str(item["id"])
        return None

    async def update(self, package_id: str, draft: Draft) -> Outcome:
        try:
            if isinstance(draft, ContactDraft):
                item = await self.client.put(f"/contacts/{package_id}", mapping.contact_update(draft))
                return Created(draft.key, str(item["id"]), number=str(item.get("reference") or ""))
            if isinstance(draft, DocumentDraft):
                endpoint = mapping.ENDPOINTS[draft.document_type]
                item = await self.client.put(f"{endpoint.path}/{package_id}", mapping.document_update(draft))
                return mapping.created_document(draft.key, item)
        except Rejected as error:
            return Refused(draft.key, error.problems)
        raise FeatureUnavailable(
            f"Sage cannot update a {draft.document_type.value}: delete and send it again"
        )

    async def void(self, package_id: str, document_type: DocumentType, reason: str) -> None:
        if document_type in mapping.ENDPOINTS:
            endpoint = mapping.ENDPOINTS[document_type]
            params = None if endpoint.purchase else {"void_reason": reason or "voided"}
            await self.client.delete(f"{endpoint.path}/{package_id}", params)
            return
        if document_type in mapping.PAYMENT_TYPES:
            await self.client.delete(f"/contact_payments/{package_id}")
            return
        if document_type is DocumentType.CREDIT_ALLOCATION:
            await self.client.delete(f"/contact_allocations/{package_id}")
            return
        raise FeatureUnavailable(f"Sage cannot void a {document_type.value}")
