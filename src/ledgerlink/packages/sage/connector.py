"""Sage Accounting v3.1 as the engine sees it: one record a call, `idempotency_id` in every body.

Every create carries an `idempotency_id`, but Sage's published specs do not have the field, so nothing
relies on it: where a create's outcome is unknown, the engine asks `find`, which looks the record up by
its natural key (a contact by its reference, a document by its reference and contact, a payment by
contact, amount, reference, date and what it settles, an allocation by its two documents and amount),
and only a record not found is created again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar

from ledgerlink.domain.money import ZERO
from ledgerlink.domain.package_contact import PackageContact
from ledgerlink.errors import FeatureUnavailable, Rejected
from ledgerlink.packages.base import PackageConnector, Taken, nothing_taken
from ledgerlink.packages.changes import ChangeKind, ChangesRead
from ledgerlink.packages.connection import ConnectionContext, IdempotencyMechanism, Limits, VatRounding
from ledgerlink.packages.drafts import (
    ContactBalance,
    ContactDraft,
    Created,
    CreditAllocationDraft,
    DocumentDraft,
    DocumentType,
    Draft,
    LedgerAccountDraft,
    OpenDocument,
    Outcome,
    PaymentDraft,
    Refused,
    fitted_note,
)
from ledgerlink.packages.holdings import BankAccount, LedgerAccount, TaxRate
from ledgerlink.packages.sage import changes, mapping, opening
from ledgerlink.packages.sage.client import SageClient


def _same(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


class SageConnector(PackageConnector):
    name: ClassVar[str] = "sage"
    # Sage documents no number; 200 a minute per business was quoted, 100 reported: stay under both.
    limits: ClassVar[Limits] = Limits(requests_per_minute=180, concurrency=2)
    idempotency: ClassVar[IdempotencyMechanism] = IdempotencyMechanism.BODY_FIELD
    # `idempotency_id` is in neither of Sage's published specs: sent in every create, trusted for nothing.
    replay_proves_outcome: ClassVar[bool] = False
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

    async def create_ledger_account(self, draft: LedgerAccountDraft) -> LedgerAccount:
        """`POST /ledger_accounts`; a refusal (a nominal code already taken) comes back in Sage's words."""
        return mapping.ledger_account_from_sage(
            await self.client.post("/ledger_accounts", mapping.ledger_account_create(draft))
        )

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

    change_feeds: ClassVar[Mapping[str, ChangeKind]] = changes.FEEDS

    async def read_changes(self, feed: str, cursor: str | None, *, start: datetime) -> ChangesRead:
        return await changes.read_changes(self.client, feed, cursor, start=start)

    async def contact_balances(self, contact_ids: Sequence[str]) -> dict[str, ContactBalance]:
        """Sage gives one balance a contact; a contact that is a customer and a supplier at once is
        split into its two sides by reading what is outstanding on its documents and payments."""
        found: dict[str, ContactBalance] = {}
        for contact_id in dict.fromkeys(contact_ids):
            item = await self.client.get(f"/contacts/{contact_id}", {"show_balance": "true"})
            types = {str(t.get("id")) for t in item.get("contact_types") or []}
            balance = mapping.decimal(item.get("balance"))
            if {"CUSTOMER", "VENDOR"} <= types:
                found[contact_id] = await self._sides(contact_id)
            elif "VENDOR" in types:
                found[contact_id] = ContactBalance(receivable=ZERO, payable=balance)
            else:
                found[contact_id] = ContactBalance(receivable=balance, payable=ZERO)
        return found

    async def open_documents(self, *, before: date) -> list[OpenDocument]:
        """Each document list read up to the day before `before` (Sage's `to_date` is inclusive), keeping
        the unpaid and part-paid: a sales document by its own number, a purchase one by the supplier's."""
        found: list[OpenDocument] = []
        last_day = (before - timedelta(days=1)).isoformat()
        for document_type, endpoint in mapping.ENDPOINTS.items():
            async for item in self.client.items(endpoint.path, {"to_date": last_day}):
                if (item.get("status") or {}).get("id") not in ("UNPAID", "PART_PAID"):
                    continue
                number = (
                    item.get("invoice_number")
                    or item.get("credit_note_number")
                    or item.get("vendor_reference")
                    or item.get("displayed_as")
                    or ""
                )
                found.append(
                    OpenDocument(
                        package_id=str(item["id"]),
                        document_type=document_type,
                        number=str(number),
                        contact_id=str((item.get("contact") or {}).get("id") or ""),
                        date=date.fromisoformat(str(item["date"])[:10]),
                        outstanding=mapping.decimal(item.get("outstanding_amount")),
                        reference=str(item.get("reference") or ""),
                    )
                )
        return found

    async def _sides(self, contact_id: str) -> ContactBalance:
        sides = {False: ZERO, True: ZERO}  # purchase?
        for document_type, endpoint in mapping.ENDPOINTS.items():
            sign = -1 if document_type in mapping.CREDIT_NOTE_TYPES else 1
            async for item in self.client.items(endpoint.path, {"contact_id": contact_id}):
                if (item.get("status") or {}).get("id") != "VOID":
                    sides[endpoint.purchase] += sign * mapping.decimal(item.get("outstanding_amount"))
        async for item in self.client.items("/contact_payments", {"contact_id": contact_id}):
            left = mapping.decimal((item.get("payment_on_account") or {}).get("outstanding_amount"))
            kind = str((item.get("transaction_type") or {}).get("id"))
            sides[kind.startswith("VENDOR")] += left if kind.endswith("REFUND") else -left
        return ContactBalance(receivable=sides[False], payable=sides[True])

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
            sent_as = mapping.contact_reference(draft)
            warnings = (
                (
                    fitted_note(
                        "reference", draft.reference, sent_as, mapping.CONTACT_REFERENCE_LENGTH, "Sage"
                    ),
                )
                if sent_as != draft.reference
                else ()
            )
            return Created(
                draft.key, str(item["id"]), number=str(item.get("reference") or ""), warnings=warnings
            )
        if isinstance(draft, DocumentDraft) and draft.opening is not None:
            item = await self.client.post(f"/{opening.PATH}", opening.opening_balance_body(draft))
            return opening.created_opening_balance(draft.key, item)
        if isinstance(draft, DocumentDraft):
            endpoint = mapping.ENDPOINTS[draft.document_type]
            item = await self.client.post(endpoint.path, mapping.document_create(draft))
            return mapping.created_document(draft.key, item)
        if isinstance(draft, PaymentDraft):
            item = await self.client.post("/contact_payments", mapping.payment_create(draft))
            return mapping.created_payment(draft.key, item)
        item = await self.client.post("/contact_allocations", mapping.allocation_create(draft))
        return Created(draft.key, str(item["id"]), related_ids=(draft.invoice_id, draft.credit_note_id))

    async def find(self, draft: Draft, *, taken: Taken = nothing_taken) -> str | None:
        if isinstance(draft, ContactDraft):
            return await self._find_contact(draft, taken)
        if isinstance(draft, DocumentDraft):
            return await self._find_document(draft, taken)
        if isinstance(draft, PaymentDraft):
            return await self._find_payment(draft, taken)
        return await self._find_allocation(draft, taken)

    async def _find_contact(self, draft: ContactDraft, taken: Taken) -> str | None:
        wanted_type = "CUSTOMER" if draft.role == "customer" else "VENDOR"
        reference = mapping.contact_reference(draft)
        term = reference or draft.name
        matches: list[str] = []
        async for item in self.client.items("/contacts", {"search": term}):
            types = {str(t.get("id")) for t in item.get("contact_types") or []}
            if wanted_type not in types or taken(str(item["id"])):
                continue
            if reference and _same(str(item.get("reference") or ""), reference):
                return str(item["id"])
            if not draft.reference and _same(str(item.get("name") or ""), draft.name):
                matches.append(str(item["id"]))
        return matches[0] if len(matches) == 1 else None  # a name alone must be unambiguous

    async def _find_document(self, draft: DocumentDraft, taken: Taken) -> str | None:
        if draft.opening is not None:
            return await self._find_opening_balance(draft, taken)
        endpoint = mapping.ENDPOINTS[draft.document_type]
        params = {"search": draft.number, "contact_id": draft.contact_id}
        async for item in self.client.items(endpoint.path, params):
            if str((item.get("contact") or {}).get("id")) != draft.contact_id:
                continue
            if (item.get("status") or {}).get("id") == "VOID" or taken(str(item["id"])):
                continue
            references = (str(item.get("reference") or ""), str(item.get("vendor_reference") or ""))
            if any(_same(reference, draft.number) for reference in references if reference):
                return str(item["id"])
        return None

    async def _find_opening_balance(self, draft: DocumentDraft, taken: Taken) -> str | None:
        async for item in self.client.items(f"/{opening.PATH}", {"contact_id": draft.contact_id}):
            if opening.is_the_one(draft, item) and not taken(str(item["id"])):
                return str(item["id"])
        return None

    async def _find_payment(self, draft: PaymentDraft, taken: Taken) -> str | None:
        """The payment with everything this one has: contact, type, amount, reference, date and what
        it settles. Part-payments of one invoice often share all but the date, and at times that too."""
        params = {
            "contact_id": draft.contact_id,
            "transaction_type_id": mapping.PAYMENT_TYPES[draft.document_type],
        }
        settles = sorted((line.document_id, line.amount) for line in draft.allocations)
        async for item in self.client.items("/contact_payments", params):
            if mapping.decimal(item.get("total_amount")) != draft.amount:
                continue
            if draft.reference and not _same(str(item.get("reference") or ""), draft.reference):
                continue
            if item.get("date") != draft.date.isoformat():
                continue
            settled = sorted(
                (str((line.get("artefact") or {}).get("id")), mapping.decimal(line.get("amount")))
                for line in item.get("allocated_artefacts") or []
            )
            if settled != settles or taken(str(item["id"])):
                continue
            return str(item["id"])
        return None

    async def _find_allocation(self, draft: CreditAllocationDraft, taken: Taken) -> str | None:
        async for item in self.client.items("/contact_allocations", {"contact_id": draft.contact_id}):
            artefacts = {
                str((line.get("artefact") or {}).get("id")): abs(mapping.decimal(line.get("amount")))
                for line in item.get("allocated_artefacts") or []
            }
            if (
                artefacts.get(draft.invoice_id) == draft.amount
                and artefacts.get(draft.credit_note_id) == draft.amount
                and not taken(str(item["id"]))
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
