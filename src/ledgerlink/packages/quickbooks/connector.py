"""QuickBooks Online as the engine sees it: creates in batches under a `requestid`, updates sparse
with the current SyncToken, reads through the query language.

A batch's `requestid` and its items' bIds are derived from the batch's body, so a batch repeated
after a lost reply is the same batch and QuickBooks replays its first answer. A contact whose name is
already held (customers, vendors and employees share one list of names) is sent again under the next
of its names (`contacts.display_names`). Invoice and credit-memo lines sell through a service item per
sales account; a missing one is created only when the user has allowed it for the connection (or the
settings allow it for every connection), else the line is refused with the reason, since a line
without an item would silently count for nothing.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from ledgerlink.domain.package_contact import PackageContact
from ledgerlink.errors import FeatureUnavailable, Problem, Rejected
from ledgerlink.packages.base import PackageConnector, Taken, nothing_taken
from ledgerlink.packages.connection import (
    ConnectionContext,
    Consent,
    IdempotencyMechanism,
    Limits,
    VatRounding,
)
from ledgerlink.packages.drafts import (
    ContactDraft,
    Created,
    CreditAllocationDraft,
    DocumentDraft,
    DocumentType,
    Draft,
    OpenDocument,
    Outcome,
    PaymentDraft,
    Refused,
)
from ledgerlink.packages.holdings import BankAccount, LedgerAccount, TaxRate
from ledgerlink.packages.quickbooks import chart, contacts, documents, open_documents, payments, values
from ledgerlink.packages.quickbooks.client import (
    BATCH,
    BATCH_CALLS_PER_MINUTE,
    QuickBooksClient,
    StaleObject,
    fault_error,
)
from ledgerlink.packages.quickbooks.settings import QuickBooksConfig

DUPLICATE_NAME = "6240"
CREATE_ITEMS = Consent(
    name="create_sales_items",
    needs="QuickBooks sells every invoice line through an item: each sales account needs a service item "
    "selling to it, or the line's amount counts for nothing",
    action="Create the items",
)
BATCH_SIZE = QuickBooksConfig().batch_size
BATCHED = (
    DocumentType.CONTACT,
    DocumentType.SALES_INVOICE,
    DocumentType.SALES_CREDIT_NOTE,
    DocumentType.PURCHASE_INVOICE,
    DocumentType.PURCHASE_CREDIT_NOTE,
    DocumentType.CUSTOMER_RECEIPT,
    DocumentType.SUPPLIER_PAYMENT,
    DocumentType.CREDIT_ALLOCATION,
    DocumentType.CUSTOMER_REFUND,
)


def _quote(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _links(body: dict[str, Any]) -> list[tuple[str, Any]]:
    """What a payment settles: each linked document with its amount (a refund links at its head)."""
    if body.get("LinkedTxn"):
        return sorted((str(link["TxnId"]), "") for link in body["LinkedTxn"])
    return sorted(
        (str(line["LinkedTxn"][0]["TxnId"]), line["Amount"])
        for line in body.get("Line", [])
        if line.get("LinkedTxn")
    )


class QuickBooksConnector(PackageConnector):
    name: ClassVar[str] = "quickbooks"
    limits: ClassVar[Limits] = Limits(
        requests_per_minute=500,
        concurrency=10,
        batch_sizes=dict.fromkeys(BATCHED, BATCH_SIZE),
        calls_per_minute={BATCH: BATCH_CALLS_PER_MINUTE},
        call_kinds=dict.fromkeys(BATCHED, BATCH),
    )
    idempotency: ClassVar[IdempotencyMechanism] = IdempotencyMechanism.REQUEST_PARAMETER
    # How long QuickBooks keeps a requestid is not published: look up before creating again.
    replay_proves_outcome: ClassVar[bool] = False
    vat_rounding: ClassVar[VatRounding] = VatRounding.PER_RATE
    supports_update: ClassVar[frozenset[DocumentType]] = frozenset(
        {DocumentType.CONTACT, DocumentType.SALES_INVOICE, DocumentType.PURCHASE_INVOICE}
    )
    consents: ClassVar[tuple[Consent, ...]] = (CREATE_ITEMS,)

    def __init__(self, context: ConnectionContext) -> None:
        super().__init__(context)
        self.client = QuickBooksClient(context)
        self.config = QuickBooksConfig()
        self._items: dict[str, str] = {}  # sales account id -> service item id
        self._rates: dict[bool, dict[str, str]] = {}  # purchase? -> VAT code id -> its rate id
        self._receivable = ""  # the Accounts Receivable account a refund is booked to
        # Batches go several at once: the rates and items they share are read (and made) by one of them.
        self._lists_lock = asyncio.Lock()

    async def aclose(self) -> None:
        await self.client.aclose()

    # --- reading ----------------------------------------------------------------------------------

    async def _all(self, entity: str, where: str = "") -> list[dict[str, Any]]:
        statement = f"select * from {entity}" + (f" where {where}" if where else "")
        return [item async for item in self.client.query(statement)]

    async def open_documents(self, *, before: date) -> list[OpenDocument]:
        found = []
        for document_type, kind in documents.DOCUMENTS.items():
            for item in await self._all(kind.entity, open_documents.before_clause(before)):
                if (document := open_documents.open_document(document_type, item)) is not None:
                    found.append(document)
        return found

    async def ledger_accounts(self) -> list[LedgerAccount]:
        return [chart.ledger_account_from_quickbooks(a) for a in await self._all("Account")]

    async def bank_accounts(self) -> list[BankAccount]:
        accounts = await self._all("Account", "AccountType = 'Bank'")
        return [chart.bank_account_from_quickbooks(a) for a in accounts]

    async def tax_rates(self) -> list[TaxRate]:
        rates = {str(r["Id"]): values.decimal(r.get("RateValue")) for r in await self._all("TaxRate")}
        return [chart.tax_rate_from_quickbooks(code, rates) for code in await self._all("TaxCode")]

    async def contacts(self, *, changed_since: datetime | None = None) -> AsyncIterator[PackageContact]:
        where = f"MetaData.LastUpdatedTime > {_quote(changed_since.isoformat())}" if changed_since else ""
        for entity in ("Customer", "Vendor"):
            for item in await self._all(entity, where):
                yield contacts.contact_from_quickbooks(entity, item)

    async def outstanding_balance(self, contact_id: str) -> Decimal:
        entity, key = values.split_party(contact_id)
        item = await self.client.read(entity or "Customer", key)
        return values.decimal(item.get("Balance"))

    async def _read_rates(self) -> None:
        """Each VAT code's sales and purchase rate, read once, so documents can carry VAT per rate."""
        async with self._lists_lock:
            if not self._rates:
                await self._read_rates_now()

    async def _read_rates_now(self) -> None:
        for code in await self._all("TaxCode"):
            for purchase, name in ((False, "SalesTaxRateList"), (True, "PurchaseTaxRateList")):
                details = (code.get(name) or {}).get("TaxRateDetail", [])
                if details:
                    self._rates.setdefault(purchase, {})[str(code["Id"])] = str(
                        details[0]["TaxRateRef"]["value"]
                    )

    async def _read_receivable(self) -> None:
        """The Accounts Receivable account a refund is booked to, read once."""
        async with self._lists_lock:
            if not self._receivable:
                receivables = await self._all("Account", "AccountType = 'Accounts Receivable'")
                self._receivable = str(receivables[0]["Id"]) if receivables else ""

    # --- items for sales accounts -------------------------------------------------------------------

    async def _items_for(self, accounts: set[str]) -> dict[str, str]:
        """A service item for each sales account; a missing one is created when allowed."""
        async with self._lists_lock:
            return await self._items_now(accounts)

    async def _items_now(self, accounts: set[str]) -> dict[str, str]:
        wanted = accounts - set(self._items)
        if wanted:
            for item in await self._all("Item", "Active = true"):
                income = str((item.get("IncomeAccountRef") or {}).get("value", ""))
                if income in wanted and item.get("Type") == "Service":
                    self._items.setdefault(income, str(item["Id"]))
        missing = accounts - set(self._items)
        if missing and (CREATE_ITEMS.name in self.context.consents or self.config.create_items):
            by_id = {a.id: a for a in await self.ledger_accounts()}
            expense = next(
                (a.id for a in by_id.values() if a.account_class.value in ("cost_of_sales", "expense")), ""
            )
            for account_id in sorted(missing):
                account = by_id.get(account_id)
                name = f"{account.name if account else account_id} (service)"
                body = {
                    "Name": name[:100],
                    "Type": "Service",
                    "IncomeAccountRef": values.ref(account_id),
                    "ExpenseAccountRef": values.ref(expense),
                }
                self._items[account_id] = str((await self.client.write("Item", body))["Id"])
        return {k: v for k, v in self._items.items() if k in accounts}

    # --- writing ----------------------------------------------------------------------------------

    def _operation(self, draft: Draft, items: dict[str, str], attempt: int = 0) -> tuple[str, dict[str, Any]]:
        if isinstance(draft, ContactDraft):
            names = contacts.display_names(draft)
            return values.party_entity(draft.role), contacts.contact_body(
                draft, names[min(attempt, len(names) - 1)]
            )
        if isinstance(draft, DocumentDraft):
            kind = documents.DOCUMENTS[draft.document_type]
            rates = self._rates.get(kind.party == "VendorRef", {})
            return kind.entity, documents.document_body(draft, items, rates)
        if isinstance(draft, PaymentDraft):
            if draft.document_type is DocumentType.CUSTOMER_REFUND and self._receivable:
                return "Purchase", payments.refund_body(draft, self._receivable)
            if draft.document_type not in payments.PAYMENTS:
                raise FeatureUnavailable(f"QuickBooks takes no {draft.document_type.value} from ledgerlink")
            return payments.PAYMENTS[draft.document_type], payments.payment_body(draft)
        return payments.allocation_body(draft)

    def _created(self, draft: Draft, entity: str, item: dict[str, Any]) -> Created:
        if isinstance(draft, ContactDraft):
            return Created(
                draft.key,
                values.party_id(entity, str(item["Id"])),
                number=str(item.get("DisplayName") or ""),
            )
        if isinstance(draft, DocumentDraft):
            return documents.created_document(draft, item)
        related = (draft.invoice_id, draft.credit_note_id) if isinstance(draft, CreditAllocationDraft) else ()
        return Created(draft.key, str(item["Id"]), totals=documents.totals(item), related_ids=related)

    async def create(self, drafts: Sequence[Draft]) -> list[Outcome]:
        outcomes: dict[str, Outcome] = {}
        items: dict[str, str] = {}
        if any(isinstance(d, DocumentDraft) for d in drafts):
            await self._read_rates()
        if any(d.document_type is DocumentType.CUSTOMER_REFUND for d in drafts):
            await self._read_receivable()
        sales = [
            d
            for d in drafts
            if isinstance(d, DocumentDraft)
            and documents.DOCUMENTS[d.document_type].entity in ("Invoice", "CreditMemo")
        ]
        if sales:
            accounts = {line.account_id for d in sales for line in d.lines}
            items = await self._items_for(accounts)
            for document in sales:
                unsold = sorted(
                    {
                        line.account_code or line.account_id
                        for line in document.lines
                        if line.account_id not in items
                    }
                )
                if unsold:
                    message = (
                        f"no QuickBooks service item sells to account {', '.join(unsold)}: "
                        f"allow ledgerlink to create the items at the mapping step ({CREATE_ITEMS.action}), "
                        "or make one in QuickBooks"
                    )
                    outcomes[document.key] = Refused(document.key, (Problem(message, field="Line.ItemRef"),))
        pending = [(d, 0) for d in drafts if d.key not in outcomes]
        while pending:
            operations, sent = [], []
            for number, (draft, attempt) in enumerate(pending, start=1):
                try:
                    entity, body = self._operation(draft, items, attempt)
                except FeatureUnavailable as error:
                    outcomes[draft.key] = Refused(draft.key, (Problem(str(error)),))
                    continue
                operations.append({"bId": f"b{number}", "operation": "create", entity: body})
                sent.append((f"b{number}", draft, attempt, entity))
            answers = await self.client.batch(operations) if operations else {}
            pending = []
            for bid, draft, attempt, entity in sent:
                answer = answers.get(bid, {})
                if entity in answer:
                    outcomes[draft.key] = self._created(draft, entity, dict(answer[entity]))
                    continue
                fault = answer.get("Fault") or {
                    "Error": [{"Message": "QuickBooks did not answer this item", "code": ""}]
                }
                codes = {str(e.get("code")) for e in fault.get("Error", [])}
                if isinstance(draft, ContactDraft) and DUPLICATE_NAME in codes and attempt < 2:
                    pending.append((draft, attempt + 1))
                    continue
                refusal = fault_error(fault)
                if not isinstance(refusal, Rejected):
                    raise refusal
                outcomes[draft.key] = Refused(draft.key, refusal.problems)
        return [outcomes[d.key] for d in drafts]

    async def find(self, draft: Draft, *, taken: Taken = nothing_taken) -> str | None:
        if isinstance(draft, ContactDraft):
            entity = values.party_entity(draft.role)
            names = ", ".join(_quote(n) for n in contacts.display_names(draft))
            for item in await self._all(entity, f"DisplayName IN ({names})"):
                package_id = values.party_id(entity, str(item["Id"]))
                if not taken(package_id):
                    return package_id
            return None
        if isinstance(draft, DocumentDraft):
            kind = documents.DOCUMENTS[draft.document_type]
            _, party = values.split_party(draft.contact_id)
            for item in await self._all(kind.entity, f"DocNumber = {_quote(draft.number[:21])}"):
                if str((item.get(kind.party) or {}).get("value")) == party and not taken(str(item["Id"])):
                    return str(item["Id"])
            return None
        if draft.document_type is DocumentType.CUSTOMER_REFUND:
            await self._read_receivable()  # a refund is a cheque booked to it, and is found as one
        entity, body = self._operation(draft, {})
        party_ref = {"Payment": "CustomerRef", "Purchase": "EntityRef"}.get(entity, "VendorRef")
        where = f"{party_ref} = {_quote(body[party_ref]['value'])} AND TxnDate = {_quote(body['TxnDate'])}"
        wanted = _links(body)
        for item in await self._all(entity, where):
            links = _links(item)
            if (
                values.decimal(item.get("TotalAmt")) == values.decimal(body["TotalAmt"])
                and links == wanted
                and not taken(str(item["Id"]))
            ):
                return str(item["Id"])
        return None

    async def update(self, package_id: str, draft: Draft) -> Outcome:
        """A sparse update under the current SyncToken; a stale one is read again and tried once more."""
        if draft.document_type not in self.supports_update:
            raise FeatureUnavailable(
                f"QuickBooks cannot update a {draft.document_type.value} from ledgerlink"
            )
        items = {}
        if isinstance(draft, DocumentDraft):
            await self._read_rates()
        if isinstance(draft, DocumentDraft) and draft.document_type is DocumentType.SALES_INVOICE:
            items = await self._items_for({line.account_id for line in draft.lines})
        entity, body = self._operation(draft, items)
        _, key = values.split_party(package_id)
        if isinstance(draft, ContactDraft):
            body.pop("DisplayName", None)  # a sparse update cannot clear it; the name stays as linked
        for attempt in (1, 2):
            held = await self.client.read(entity, key)
            try:
                item = await self.client.write(
                    entity, {**body, "Id": key, "SyncToken": held["SyncToken"], "sparse": True}
                )
            except StaleObject as error:
                if attempt == 2:
                    return Refused(draft.key, error.problems)
                continue
            except Rejected as error:
                return Refused(draft.key, error.problems)
            return self._created(draft, entity, item)
        raise AssertionError("unreachable")

    async def void(self, package_id: str, document_type: DocumentType, reason: str) -> None:
        """Void a sales document (kept, zeroed); delete a purchase document or a payment."""
        entity = (
            documents.DOCUMENTS[document_type].entity
            if document_type in documents.DOCUMENTS
            else payments.PAYMENTS.get(document_type)
        )
        if entity is None:
            raise FeatureUnavailable(f"QuickBooks cannot void a {document_type.value} from ledgerlink")
        _, key = values.split_party(package_id)
        held = await self.client.read(entity, key)
        operation = "void" if entity in ("Invoice", "CreditMemo", "Payment") else "delete"
        await self.client.write(entity, {"Id": key, "SyncToken": held["SyncToken"]}, operation=operation)
