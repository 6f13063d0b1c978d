"""The Xero connector: one organisation's reads, batched creates and natural-key lookups.

Every write goes out as a batch of up to 50 with `summarizeErrors=false`, so Xero answers each element
on its own, and with an Idempotency-Key derived from the drafts' own keys, so a replayed batch creates
nothing twice. Each element's answer is matched back to its draft by our number first, position second.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

from ledgerlink.domain.package_contact import PackageContact
from ledgerlink.errors import PackageError, Problem, Rejected, UncertainOutcome
from ledgerlink.packages.base import PackageConnector
from ledgerlink.packages.changes import ChangeKind, ChangesRead
from ledgerlink.packages.connection import ConnectionContext, IdempotencyMechanism, Limits, VatRounding
from ledgerlink.packages.drafts import (
    ContactDraft,
    Created,
    CreditAllocationDraft,
    DocumentDraft,
    DocumentType,
    Draft,
    LedgerAccountDraft,
    Outcome,
    PaymentDraft,
    Refused,
)
from ledgerlink.packages.holdings import BankAccount, LedgerAccount, TaxRate
from ledgerlink.packages.http import PackageHttp, reply_json
from ledgerlink.packages.xero import changes, mapping
from ledgerlink.packages.xero.client import element_problems, xero_http
from ledgerlink.packages.xero.finding import XeroFinding, quoted
from ledgerlink.packages.xero.reads import BATCH, PAGE_SIZE, XeroReads
from ledgerlink.packages.xero.updates import XeroUpdates

NAME_TAKEN = "already assigned to another contact"
NUMBER_TAKEN = "ContactNumber"
DOCUMENT_NUMBER_TAKEN = "must be unique"  # "Invoice # must be unique.", "Credit Note Number must be unique."
PAYMENT_TYPES = frozenset(
    {
        DocumentType.CUSTOMER_RECEIPT,
        DocumentType.CUSTOMER_REFUND,
        DocumentType.SUPPLIER_PAYMENT,
        DocumentType.SUPPLIER_REFUND,
    }
)


def _field(name: str) -> Callable[[dict[str, Any]], str]:
    return lambda element: str(element.get(name) or "")


def _payment_key(element: Mapping[str, Any]) -> str:
    """A payment element's document and amount, to tell which part of which draft it answers."""
    document = element.get("Invoice") or element.get("CreditNote") or {}
    document_id = document.get("InvoiceID") or document.get("CreditNoteID") or ""
    try:
        amount = mapping.money(element.get("Amount")).quantize(Decimal("0.01"))
    except ArithmeticError:
        amount = Decimal("0.00")
    return f"{document_id}|{amount}"


def _balance(contact: Mapping[str, Any]) -> Decimal:
    """What a customer owes, or (for a contact with only bills) what we owe the supplier."""
    balances = contact.get("Balances") or {}
    receivable = mapping.money((balances.get("AccountsReceivable") or {}).get("Outstanding"))
    payable = mapping.money((balances.get("AccountsPayable") or {}).get("Outstanding"))
    if receivable or not payable:
        return receivable
    return payable


def _overpayment_key(element: Mapping[str, Any]) -> str:
    """An overpayment's contact and amount, to match Xero's answers to what was sent."""
    contact = (element.get("Contact") or {}).get("ContactID") or ""
    lines = element.get("LineItems") or []
    total = element.get("Total")
    if total is None:
        total = sum((mapping.money(line.get("LineAmount")) for line in lines), Decimal("0.00"))
    try:
        amount = mapping.money(total).quantize(Decimal("0.01"))
    except ArithmeticError:
        amount = Decimal("0.00")
    return f"{contact}|{amount}"


class XeroConnector(XeroFinding, XeroUpdates, XeroReads, PackageConnector):
    name: ClassVar[str] = "xero"
    limits: ClassVar[Limits] = Limits(
        requests_per_minute=60,  # Xero's own figure: the pacer keeps just under it
        concurrency=5,
        requests_per_day=5000,
        app_requests_per_minute=10_000,
        batch_sizes={
            DocumentType.CONTACT: BATCH,
            DocumentType.SALES_INVOICE: BATCH,
            DocumentType.PURCHASE_INVOICE: BATCH,
            DocumentType.SALES_CREDIT_NOTE: BATCH,
            DocumentType.PURCHASE_CREDIT_NOTE: BATCH,
            DocumentType.CUSTOMER_RECEIPT: BATCH,
            DocumentType.CUSTOMER_REFUND: BATCH,
            DocumentType.SUPPLIER_PAYMENT: BATCH,
            DocumentType.SUPPLIER_REFUND: BATCH,
        },
        max_request_bytes=3_500_000,
    )
    idempotency: ClassVar[IdempotencyMechanism] = IdempotencyMechanism.HEADER
    vat_rounding: ClassVar[VatRounding] = VatRounding.PER_LINE
    # Xero changes contacts, and approved documents with nothing paid or credited against them
    supports_update: ClassVar[frozenset[DocumentType]] = frozenset(
        {DocumentType.CONTACT, *mapping.DOCUMENT_TYPES}
    )

    def __init__(self, context: ConnectionContext) -> None:
        super().__init__(context)
        self.http: PackageHttp = xero_http(context)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def _get(
        self, path: str, *, params: dict[str, Any] | None = None, headers: dict[str, str] | None = None
    ) -> Any:
        response = await self.http.request("GET", path, params=params, headers=headers)
        return reply_json(response)

    async def _write(
        self,
        method: str,
        path: str,
        body: dict[str, Any],
        key: str,
        *,
        batch: bool = True,
        unit_places: int = 2,
    ) -> dict[str, Any]:
        """One write. A batch asks Xero to answer each element on its own (`summarizeErrors=false`), a
        parameter only batch endpoints have; `unit_places` 4 asks Xero to keep prices to 4 decimals."""
        params: dict[str, str] = {"summarizeErrors": "false"} if batch else {}
        if unit_places != 2:
            params["unitdp"] = str(unit_places)
        response = await self.http.request(
            method,
            path,
            params=params,
            json=body,
            headers={"Idempotency-Key": key, "Content-Type": "application/json"},
        )
        result: dict[str, Any] = reply_json(response)
        return result

    # --- reading ---------------------------------------------------------------------------------

    async def _accounts(self) -> list[dict[str, Any]]:
        accounts: list[dict[str, Any]] = (await self._get("/Accounts")).get("Accounts", [])
        return accounts

    async def ledger_accounts(self) -> list[LedgerAccount]:
        return [mapping.ledger_account(item) for item in await self._accounts()]

    async def create_ledger_account(self, draft: LedgerAccountDraft) -> LedgerAccount:
        """`PUT /Accounts`; a refusal (a code or name already used) comes back in Xero's words."""
        # a key of its own each time: a person creating the same code again must hear Xero's refusal,
        # not the first reply replayed
        key = mapping.batch_key("create-account", [draft.code, draft.name, uuid.uuid4().hex])
        reply = await self._write("PUT", "/Accounts", mapping.account_body(draft), key)
        element = (reply.get("Accounts") or [{}])[0]
        problems = element_problems(element)
        if problems or not element.get("AccountID"):
            raise Rejected(problems or (Problem("Xero did not create the account"),))
        return mapping.ledger_account(element)

    async def bank_accounts(self) -> list[BankAccount]:
        return [
            mapping.bank_account(item) for item in await self._accounts() if mapping.is_payment_account(item)
        ]

    async def tax_rates(self) -> list[TaxRate]:
        return [mapping.tax_rate(item) for item in (await self._get("/TaxRates")).get("TaxRates", [])]

    async def contacts(self, *, changed_since: datetime | None = None) -> AsyncIterator[PackageContact]:
        headers = {}
        if changed_since is not None:
            since = changed_since.astimezone(UTC) if changed_since.tzinfo else changed_since
            headers["If-Modified-Since"] = since.replace(tzinfo=None).isoformat(timespec="seconds")
        page = 1
        while True:
            params = {"page": page, "pageSize": PAGE_SIZE, "includeArchived": "true"}
            body = await self._get("/Contacts", params=params, headers=headers)
            items = body.get("Contacts", [])
            for contact in await self._with_roles([mapping.package_contact(item) for item in items]):
                yield contact
            pagination = body.get("pagination") or {}
            if len(items) < PAGE_SIZE or page >= int(pagination.get("pageCount", page + 1)):
                return
            page += 1

    change_feeds: ClassVar[Mapping[str, ChangeKind]] = changes.FEEDS

    async def read_changes(self, feed: str, cursor: str | None, *, start: datetime) -> ChangesRead:
        async def get(path: str, params: dict[str, Any], headers: dict[str, str]) -> Any:
            return await self._get(path, params=params, headers=headers)

        return await changes.read_changes(get, feed, cursor, start=start, now=datetime.now(UTC))

    async def outstanding_balance(self, contact_id: str) -> Decimal:
        body = await self._get(f"/Contacts/{contact_id}")
        return _balance(body["Contacts"][0])

    async def outstanding_balances(self, contact_ids: Sequence[str]) -> dict[str, Decimal]:
        return {
            contact_id: side.receivable if side.receivable or not side.payable else side.payable
            for contact_id, side in (await self.contact_balances(contact_ids)).items()
        }

    # --- writing ---------------------------------------------------------------------------------

    async def create(self, drafts: Sequence[Draft]) -> list[Outcome]:
        if not drafts:
            return []
        kinds = {draft.document_type for draft in drafts}
        if len(kinds) != 1:
            raise ValueError("create() takes drafts of one type at a time")
        kind = kinds.pop()
        if len(drafts) > self.limits.batch_size(kind):
            raise ValueError(f"at most {self.limits.batch_size(kind)} {kind.value} drafts a call")
        if kind is DocumentType.CONTACT:
            return await self._create_contacts([d for d in drafts if isinstance(d, ContactDraft)])
        if kind in mapping.DOCUMENT_TYPES:
            return await self._create_documents([d for d in drafts if isinstance(d, DocumentDraft)])
        if kind in PAYMENT_TYPES:
            return await self._create_payments([d for d in drafts if isinstance(d, PaymentDraft)])
        return [await self._allocate(d) for d in drafts if isinstance(d, CreditAllocationDraft)]

    @staticmethod
    def _match(
        elements: list[dict[str, Any]], wanted: Sequence[str], key_of: Callable[[dict[str, Any]], str]
    ) -> list[dict[str, Any] | None]:
        """Each draft's element: by our number first, by position second."""
        by_number: dict[str, list[int]] = {}
        for place, element in enumerate(elements):
            by_number.setdefault(key_of(element), []).append(place)
        used: set[int] = set()
        matched: list[dict[str, Any] | None] = []
        for position, number in enumerate(wanted):
            candidates = [i for i in by_number.get(number, []) if i not in used] if number else []
            index: int | None = (
                candidates[0]
                if candidates
                else (position if position < len(elements) and position not in used else None)
            )
            if index is None:
                matched.append(None)
                continue
            used.add(index)
            matched.append(elements[index])
        return matched

    async def _create_contacts(self, drafts: list[ContactDraft]) -> list[Outcome]:
        key = mapping.batch_key("PUT /Contacts", [d.key for d in drafts])
        body = {"Contacts": [mapping.contact_body(d) for d in drafts]}
        reply = await self._write("PUT", "/Contacts", body, key)
        elements = self._match(
            reply.get("Contacts", []),
            [mapping.contact_number(d.source_id) for d in drafts],
            _field("ContactNumber"),
        )
        outcomes: list[Outcome] = []
        for draft, element in zip(drafts, elements, strict=True):
            if element is None:
                outcomes.append(Refused(draft.key, (Problem("Xero's reply did not include this contact"),)))
            elif element.get("StatusAttributeString") == "ERROR" or element.get("HasValidationErrors"):
                outcomes.append(await self._contact_conflict(draft, element_problems(element)))
            else:
                outcomes.append(
                    Created(
                        draft.key,
                        str(element["ContactID"]),
                        number=draft.source_id,
                        warnings=mapping.fitted_notes(draft),
                    )
                )
        return outcomes

    async def _contacts_named(self, name: str) -> list[dict[str, Any]]:
        """Active contacts whose name is `name` in any case: Xero refuses a name that differs only in
        case, but its `where` compares case and all, so the look-up lowers both sides."""
        expression = f"Name!=null AND Name.ToLower()=={quoted(name.lower())}"
        body = await self._get("/Contacts", params={"where": expression, "includeArchived": "false"})
        found: list[dict[str, Any]] = body.get("Contacts", [])
        return found

    async def _contact_conflict(self, draft: ContactDraft, problems: tuple[Problem, ...]) -> Outcome:
        """A refused contact: link it to the same party already there, or give it a visibly unique name."""
        texts = " ".join(p.message for p in problems)
        if NUMBER_TAKEN in texts:  # this very record is in Xero already (a send whose reply was lost)
            existing = await self._contact_by_number(draft.source_id)
            if existing is not None:
                return Created(
                    draft.key, existing, number=draft.source_id, warnings=("already in Xero: linked",)
                )
        if NAME_TAKEN not in texts:
            return Refused(draft.key, problems)
        holders = await self._contacts_named(draft.name)
        for holder in holders:
            number = str(holder.get("ContactNumber") or "")
            if number and number != mapping.contact_number(draft.source_id):
                continue  # the contact of another jobs-side record (two sites of one firm): never the same
            same = (
                number == mapping.contact_number(draft.source_id)
                or (
                    draft.email and str(holder.get("EmailAddress") or "").casefold() == draft.email.casefold()
                )
                or (
                    draft.reference
                    and str(holder.get("AccountNumber") or "") == mapping.account_number(draft)
                )
            )
            if same:
                message = f"linked to the existing Xero contact '{holder.get('Name')}', the same party by email or reference"
                return Created(
                    draft.key, str(holder["ContactID"]), number=draft.source_id, warnings=(message,)
                )
        for suffix in [f" ({n})" for n in range(2, 10)]:
            candidate = f"{draft.name}{suffix}"
            if draft.reference and suffix == " (2)":
                candidate = f"{draft.name} ({draft.reference})"
            warning = f"Xero already has another contact named '{draft.name}': created as '{candidate}'"
            named = await self._contacts_named(candidate)
            ours = [
                c
                for c in named
                if str(c.get("ContactNumber") or "") == mapping.contact_number(draft.source_id)
            ]
            if ours:  # made under this name by an earlier try whose reply was lost
                return Created(
                    draft.key, str(ours[0]["ContactID"]), number=draft.source_id, warnings=(warning,)
                )
            if named:
                continue
            key = mapping.batch_key("PUT /Contacts renamed", [draft.key, candidate])
            reply = await self._write(
                "PUT", "/Contacts", {"Contacts": [mapping.contact_body(draft, name=candidate)]}, key
            )
            element = (reply.get("Contacts") or [{}])[0]
            if element.get("StatusAttributeString") == "ERROR" or element.get("HasValidationErrors"):
                refused = element_problems(element)
                existing = (
                    await self._contact_by_number(draft.source_id)
                    if any(NUMBER_TAKEN in problem.message for problem in refused)
                    else None
                )
                if existing is not None:
                    return Created(draft.key, existing, number=draft.source_id, warnings=(warning,))
                return Refused(draft.key, refused)
            return Created(draft.key, str(element["ContactID"]), number=draft.source_id, warnings=(warning,))
        return Refused(draft.key, problems)

    async def _create_documents(self, drafts: list[DocumentDraft]) -> list[Outcome]:
        credit = drafts[0].document_type in mapping.CREDIT_NOTES
        collection, id_field, number_field = (
            ("CreditNotes", "CreditNoteID", "CreditNoteNumber")
            if credit
            else ("Invoices", "InvoiceID", "InvoiceNumber")
        )
        key = mapping.batch_key(f"PUT /{collection}", [d.key for d in drafts])
        reply = await self._write(
            "PUT",
            f"/{collection}",
            {collection: [mapping.document_body(d) for d in drafts]},
            key,
            unit_places=max(mapping.unit_places(d) for d in drafts),
        )
        elements = self._match(reply.get(collection, []), [d.number for d in drafts], _field(number_field))
        outcomes: list[Outcome] = []
        for draft, element in zip(drafts, elements, strict=True):
            if element is None:
                outcomes.append(Refused(draft.key, (Problem("Xero's reply did not include this document"),)))
                continue
            if element.get("StatusAttributeString") == "ERROR" or element.get("HasErrors"):
                problems = element_problems(element) or (Problem("refused by Xero"),)
                outcomes.append(await self._document_conflict(draft, problems))
                continue
            status = str(element.get("Status") or "")
            warnings = []
            if status != "AUTHORISED":
                warnings.append(
                    f"Xero saved it as {status}, not approved (the organisation's plan may limit approved "
                    "documents); payments against it will wait"
                )
            outcomes.append(
                Created(
                    draft.key,
                    str(element[id_field]),
                    number=str(element.get(number_field) or draft.number),
                    totals=mapping.totals(element),
                    status=status,
                    warnings=tuple(warnings),
                )
            )
        return outcomes

    async def _document_conflict(self, draft: DocumentDraft, problems: tuple[Problem, ...]) -> Outcome:
        """Xero refuses a second sales invoice or credit note with a number it holds: the backstop that
        makes a retried send safe. The jobs system's numbers are its own and unique, so the holder with
        this number and this contact is this very record, sent before its reply was lost: link it."""
        taken = any(DOCUMENT_NUMBER_TAKEN in problem.message for problem in problems)
        if not taken or draft.document_type not in mapping.NUMBERED_UNIQUELY:
            return Refused(draft.key, problems)
        existing = await self._find_document(draft)
        if existing is None:
            return Refused(draft.key, problems)
        return Created(draft.key, existing, number=draft.number, warnings=("already in Xero: linked",))

    async def _create_payments(self, drafts: list[PaymentDraft]) -> list[Outcome]:
        """One Xero Payment per document settled, and an overpayment for any money left on account.

        The payments go in one batch and the overpayments in another, each under its own key; a draft
        is Created only when every part of it was recorded, and a refusal says which parts were. When the
        payments were recorded and the overpayments then fail in any way (a limit, an outage, a lost
        access), the whole batch is uncertain, never "nothing applied": the engine then settles it by
        replaying the same drafts under the same keys, which Xero answers with the payments it recorded,
        instead of sending them again in another batch under a fresh key.
        """
        problems: dict[str, list[Problem]] = {draft.key: [] for draft in drafts}
        recorded: dict[str, list[str]] = {draft.key: [] for draft in drafts}
        paying: list[tuple[PaymentDraft, int]] = []  # (draft, how many payments it became)
        bodies: list[dict[str, Any]] = []
        on_account: list[PaymentDraft] = []
        for draft in drafts:
            if draft.on_account < 0:
                problems[draft.key].append(
                    Problem("the allocations add up to more than the payment", "allocations")
                )
                continue
            if draft.on_account > 0 and draft.document_type in mapping.REFUNDS:
                problems[draft.key].append(
                    Problem(
                        f"{draft.on_account} of this refund is set against no credit note; Xero refunds money "
                        "only against a credit note or an overpayment: allocate the refund in full",
                        "allocations",
                    )
                )
                continue
            if draft.allocations:
                parts = mapping.payment_bodies(draft)
                paying.append((draft, len(parts)))
                bodies.extend(parts)
            if draft.on_account > 0:
                on_account.append(draft)
        if bodies:
            key = mapping.batch_key("PUT /Payments", [draft.key for draft, _ in paying])
            reply = await self._write("PUT", "/Payments", {"Payments": bodies}, key)
            matched = self._match(reply.get("Payments", []), [_payment_key(b) for b in bodies], _payment_key)
            position = 0
            for draft, count in paying:
                answers = matched[position : position + count]
                position += count
                for answer in answers:
                    if answer is None:
                        problems[draft.key].append(Problem("Xero's reply did not include this payment"))
                    elif answer.get("StatusAttributeString") == "ERROR" or answer.get("HasValidationErrors"):
                        problems[draft.key].extend(element_problems(answer) or (Problem("refused by Xero"),))
                    else:
                        recorded[draft.key].append(str(answer["PaymentID"]))
        if on_account:
            overpayments = [mapping.overpayment_body(draft) for draft in on_account]
            key = mapping.batch_key("PUT /BankTransactions", [draft.key for draft in on_account])
            try:
                reply = await self._write("PUT", "/BankTransactions", {"BankTransactions": overpayments}, key)
            except PackageError as error:
                if any(recorded.values()):  # the payments are in Xero: "nothing was applied" is untrue now
                    raise UncertainOutcome(
                        f"Xero recorded this batch's payments, then the money on account could not be sent "
                        f"({error}): the batch is to be replayed under its own keys, never sent afresh"
                    ) from error
                raise
            answers = self._match(
                reply.get("BankTransactions", []),
                [_overpayment_key(b) for b in overpayments],
                _overpayment_key,
            )
            for draft, answer in zip(on_account, answers, strict=True):
                if answer is None:
                    problems[draft.key].append(Problem("Xero's reply did not include the money on account"))
                elif answer.get("StatusAttributeString") == "ERROR" or answer.get("ValidationErrors"):
                    problems[draft.key].extend(element_problems(answer) or (Problem("refused by Xero"),))
                else:
                    recorded[draft.key].append(
                        str(answer.get("OverpaymentID") or answer["BankTransactionID"])
                    )
        outcomes: list[Outcome] = []
        for draft in drafts:
            found, done = problems[draft.key], recorded[draft.key]
            if found:
                if done:
                    found.append(Problem(f"Xero recorded the other parts of this payment: {', '.join(done)}"))
                outcomes.append(Refused(draft.key, tuple(found)))
            else:
                warnings = (
                    (f"{draft.on_account} recorded in Xero as an overpayment (money on account)",)
                    if draft.on_account > 0
                    else ()
                )
                outcomes.append(
                    Created(
                        draft.key,
                        done[0],
                        related_ids=tuple(done[1:]),
                        status="AUTHORISED",
                        warnings=warnings,
                    )
                )
        return outcomes

    async def _allocate(self, draft: CreditAllocationDraft) -> Outcome:
        key = mapping.batch_key("PUT Allocations", [draft.key])
        body = {
            "Allocations": [
                {
                    "Invoice": {"InvoiceID": draft.invoice_id},
                    "Amount": draft.amount,
                    "Date": draft.date.isoformat(),
                }
            ]
        }
        reply = await self._write("PUT", f"/CreditNotes/{draft.credit_note_id}/Allocations", body, key)
        element = (reply.get("Allocations") or [{}])[0]
        if element.get("StatusAttributeString") == "ERROR" or element.get("ValidationErrors"):
            return Refused(draft.key, element_problems(element) or (Problem("refused by Xero"),))
        return Created(draft.key, str(element.get("AllocationID") or ""))

    async def void(self, package_id: str, document_type: DocumentType, reason: str) -> None:
        """Void an approved document with nothing paid or credited against it (Xero keeps it, marked VOIDED)."""
        if document_type not in mapping.DOCUMENT_TYPES:
            await super().void(package_id, document_type, reason)
            return
        credit = document_type in mapping.CREDIT_NOTES
        collection, id_field = ("CreditNotes", "CreditNoteID") if credit else ("Invoices", "InvoiceID")
        key = mapping.batch_key(f"VOID /{collection}", [package_id])
        body = {collection: [{id_field: package_id, "Status": "VOIDED"}]}
        reply = await self._write("POST", f"/{collection}/{package_id}", body, key, batch=False)
        element = (reply.get(collection) or [{}])[0]
        if element.get("StatusAttributeString") == "ERROR" or element.get("HasErrors"):
            raise Rejected(element_problems(element) or (Problem("Xero refused to void the document"),))
