"""Tryton as the engine sees it: parties, invoices posted, money moved and reconciled, over JSON-RPC.

Tryton keeps no idempotency keys, so the port's natural-key-only mode applies: where a create's outcome
is unknown the engine asks `find`, which looks for the draft's key on the record (`mapping.tag`). A
record is made in several calls (an invoice created, its tax set to the job system's, then posted; a
move created, posted, then set against documents), each its own transaction in Tryton, so `find`
finishes whatever a lost reply interrupted before it answers: a record found is a record complete.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, ClassVar

from ledgerlink.domain.package_contact import PackageContact
from ledgerlink.errors import PackageError, ReconnectNeeded, Rejected, UncertainOutcome
from ledgerlink.packages.base import PackageConnector, Taken, nothing_taken
from ledgerlink.packages.connection import (
    ConnectionContext,
    Exchange,
    IdempotencyMechanism,
    Limits,
    VatRounding,
)
from ledgerlink.packages.drafts import (
    ContactDraft,
    Created,
    DocumentDraft,
    Draft,
    Outcome,
    PackageTotals,
    PaymentDraft,
    Refused,
)
from ledgerlink.packages.holdings import BankAccount, LedgerAccount, TaxRate
from ledgerlink.packages.tryton import mapping, opening
from ledgerlink.packages.tryton.client import TrytonRpc
from ledgerlink.packages.tryton.money import MoneyMoves

BANK_CODES = ("1200", "1210", "1230")  # the bank and cash accounts of the chart `bootstrap.py` makes


class TrytonConnector(PackageConnector):
    name: ClassVar[str] = "tryton"
    # A local server with no published limit: the pace is what one trytond answers, one call at a time.
    limits: ClassVar[Limits] = Limits(requests_per_minute=6000, concurrency=1)
    idempotency: ClassVar[IdempotencyMechanism] = IdempotencyMechanism.NATURAL_KEY_ONLY
    replay_proves_outcome: ClassVar[bool] = False  # no key to replay under: every lost reply is looked up
    vat_rounding: ClassVar[VatRounding] = VatRounding.PER_LINE

    def __init__(self, context: ConnectionContext) -> None:
        super().__init__(context)
        self.rpc = TrytonRpc(
            context.settings.api_url,
            context.business_id,
            context.tokens.access_token,
            pacer=context.pacer,
            transport=context.transport,
            timeout=max(context.timeout, 60.0),
            observer=self._observe,  # the engine may set the context's observer after this
        )
        self._ids: dict[str, int] = {}
        self._addresses: dict[int, int] = {}
        self.money = MoneyMoves(self.rpc, self._setup)

    async def aclose(self) -> None:
        await self.rpc.aclose()

    def _observe(self, exchange: Exchange) -> None:
        if self.context.observer is not None:
            self.context.observer(exchange)

    # --- what the books hold ----------------------------------------------------------------------

    async def _setup(self, name: str) -> int:
        """An id every call needs (company, currency, a journal, the trade accounts), read once."""
        if not self._ids:
            companies = await self.rpc.search_read("company.company", [], ["currency"], limit=1)
            if not companies:
                raise ReconnectNeeded("this Tryton database has no company; set it up first")
            self._ids["company"] = int(companies[0]["id"])
            self._ids["currency"] = int(companies[0]["currency"])
            for row in await self.rpc.search_read("account.journal", [], ["type", "code"]):
                self._ids.setdefault(f"journal_{row['type']}", int(row["id"]))
            accounts = await self.rpc.search_read(
                "account.account", [("type.receivable", "=", True)], ["id"], limit=1
            )
            self._ids["receivable"] = int(accounts[0]["id"])
            accounts = await self.rpc.search_read(
                "account.account", [("type.payable", "=", True)], ["id"], limit=1
            )
            self._ids["payable"] = int(accounts[0]["id"])
            # opening items go to the journal Tryton keeps for opening situations, where there is one
            self._ids.setdefault("journal_situation", self._ids["journal_general"])
        return self._ids[name]

    async def ledger_accounts(self) -> list[LedgerAccount]:
        kinds = {
            int(row["id"]): row
            for row in await self.rpc.search_read(
                "account.account.type",
                [],
                ["name", "statement", "receivable", "payable", "revenue", "expense", "assets"],
            )
        }
        rows = await self.rpc.search_read(
            "account.account", [("type", "!=", None)], ["code", "name", "type", "closed"]
        )
        banks = {int(bank.id) for bank in await self.bank_accounts()}
        return [mapping.ledger_account(row, kinds.get(int(row["type"]), {}), banks) for row in rows]

    async def bank_accounts(self) -> list[BankAccount]:
        rows = await self.rpc.search_read(
            "account.account", [("code", "in", list(BANK_CODES))], ["code", "name"]
        )
        return [
            BankAccount(
                id=str(row["id"]),
                name=str(row["name"]),
                code=str(row["code"]),
                ledger_account_id=str(row["id"]),
            )
            for row in rows
        ]

    async def tax_rates(self) -> list[TaxRate]:
        kinds = {
            int(row["id"]): str(row["kind"])
            for row in await self.rpc.search_read("account.tax.group", [], ["kind"])
        }
        rows = await self.rpc.search_read(
            "account.tax", [("parent", "=", None)], ["name", "description", "rate", "group", "active"]
        )
        return [mapping.tax_rate(row, kinds) for row in rows]

    async def contacts(self, *, changed_since: datetime | None = None) -> AsyncIterator[PackageContact]:
        company_party = await self._company_party()
        domain: list[Any] = [("id", "!=", company_party)]
        if changed_since is not None:
            domain.append(
                [
                    "OR",
                    ("create_date", ">=", changed_since.isoformat()),
                    ("write_date", ">=", changed_since.isoformat()),
                ]
            )
        offset = 0
        while True:
            rows = await self.rpc.model(
                "party.party",
                "search_read",
                domain,
                offset,
                500,
                [["id", "ASC"]],
                ["name", "code", "email", "phone", "mobile", "addresses", "active"],
            )
            if not rows:
                return
            address_ids = [int(row["addresses"][0]) for row in rows if row.get("addresses")]
            addresses = {
                int(a["id"]): a
                for a in await self.rpc.search_read(
                    "party.address",
                    [("id", "in", address_ids)],
                    ["street_unstructured", "city", "postal_code"],
                )
            }
            for row in rows:
                yield mapping.contact_from_party(row, addresses)
            offset += len(rows)

    async def _company_party(self) -> int:
        rows = await self.rpc.search_read("company.company", [], ["party"], limit=1)
        return int(rows[0]["party"]) if rows else 0

    async def outstanding_balance(self, contact_id: str) -> Decimal:
        return (await self.outstanding_balances([contact_id]))[contact_id]

    async def outstanding_balances(self, contact_ids: Sequence[str]) -> dict[str, Decimal]:
        """What each party owes (receivable) or is owed (payable), as Tryton's own party fields say."""
        rows = await self.rpc.model(
            "party.party", "read", [int(i) for i in contact_ids], ["receivable", "payable"]
        )
        # Tryton signs what a party owes as a debit on receivable and what it is owed as a credit on
        # payable; a party is one or the other to the job system, so the difference is its balance.
        found = {
            str(row["id"]): Decimal(str(row.get("receivable") or 0)) - Decimal(str(row.get("payable") or 0))
            for row in rows
        }
        return {contact_id: found.get(contact_id, mapping.ZERO) for contact_id in contact_ids}

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
            [party] = await self.rpc.model("party.party", "create", [mapping.party_create(draft)], write=True)
            return Created(draft.key, str(party), number=mapping.party_code(draft.role, draft.source_id))
        if isinstance(draft, DocumentDraft):
            if draft.opening is not None:
                return await self._opening_item(draft)
            return await self._invoice(draft)
        if isinstance(draft, PaymentDraft):
            move = await self.money.payment_move(draft)
            return await self._finish("account.move", move, lambda: self.money.complete_payment(draft, move))
        allocation = draft
        move = await self.money.allocation_move(allocation)
        return await self._finish(
            "account.move", move, lambda: self.money.complete_allocation(allocation, move)
        )

    async def _finish(self, model: str, record: int, steps: Callable[[], Awaitable[Created]]) -> Created:
        """The rest of a record's calls, once its first has made it in Tryton.

        A refusal deletes the draft and fails the record with Tryton's words. Any other failure leaves
        the record uncertain rather than unsent, whatever the error says of the call that met it: the
        record is in Tryton already, and sending it again as if nothing were would make a second. `find`
        finishes it (or deletes a draft Tryton refuses) before anything is sent again."""
        try:
            return await steps()
        except Rejected:
            try:
                await self._discard(model, record)
            except PackageError as error:
                raise UncertainOutcome(f"refused by Tryton; its draft is not deleted yet: {error}") from error
            raise
        except UncertainOutcome:
            raise
        except PackageError as error:
            raise UncertainOutcome(f"made in Tryton but not finished: {error}") from error

    async def _discard(self, model: str, record: int) -> None:
        """A record refused half-way (Tryton would not post it) is deleted while it is still a draft, so
        that nothing ledgerlink reports as refused stays behind in the books."""
        [row] = await self.rpc.model(model, "read", [record], ["state"])
        if row["state"] == "draft":
            if model == "account.invoice":  # Tryton deletes no numbered invoice: the number given goes first
                await self.rpc.model(model, "write", [record], {"number": None}, write=True)
            await self.rpc.model(model, "delete", [record], write=True)

    async def find(self, draft: Draft, *, taken: Taken = nothing_taken) -> str | None:
        """The record carrying the draft's key (a party: its code), finished if a lost reply left it
        half made; one carries one draft's key only, so none already linked elsewhere is the answer."""
        if isinstance(draft, ContactDraft):
            code = mapping.party_code(draft.role, draft.source_id)
            rows = await self.rpc.search_read("party.party", [("code", "=", code)], ["id"], limit=1)
            return str(rows[0]["id"]) if rows and not taken(str(rows[0]["id"])) else None
        invoice = isinstance(draft, DocumentDraft) and draft.opening is None
        model = "account.invoice" if invoice else "account.move"
        rows = await self.rpc.search_read(
            model, [("description", "=", mapping.tag(draft.key))], ["state"], limit=1
        )
        if not rows:
            return None
        found, state = int(rows[0]["id"]), str(rows[0]["state"])
        opening_item = isinstance(draft, DocumentDraft) and not invoice
        if taken(mapping.opening_document_id(found) if opening_item else str(found)):
            return None
        try:
            if isinstance(draft, DocumentDraft) and opening_item:
                return (await self._complete_opening_item(draft, found)).package_id
            if isinstance(draft, DocumentDraft):
                return (await self._complete_invoice(draft, found, state)).package_id
            if isinstance(draft, PaymentDraft):
                return (await self.money.complete_payment(draft, found)).package_id
            return (await self.money.complete_allocation(draft, found)).package_id
        except Rejected:
            if state != "draft":
                raise
            # Left in draft by a lost reply and refused now: gone, so that sending it again is refused
            # with Tryton's reason instead of leaving a draft nobody sent.
            await self._discard(model, found)
            return None

    # --- invoices and credit notes ----------------------------------------------------------------

    async def _opening_item(self, draft: DocumentDraft) -> Created:
        """A document open at the cut-off, as the journal entry `opening.py` describes."""
        purchase = draft.document_type in mapping.PURCHASES
        lines = opening.move_lines(
            draft, party_account=await self._setup("payable" if purchase else "receivable")
        )
        move = await self.money.move(draft.key, draft.date, "journal_situation", lines)
        return await self._finish("account.move", move, lambda: self._complete_opening_item(draft, move))

    async def _complete_opening_item(self, draft: DocumentDraft, move: int) -> Created:
        """The opening entry posted (left alone when it is), and what it holds as Tryton reads it."""
        [row] = await self.rpc.model("account.move", "read", [move], ["state"])
        if row["state"] == "draft":
            await self.rpc.model("account.move", "post", [move], write=True)
        [line] = await self.rpc.search_read(
            "account.move.line", [("move", "=", move), ("party", "!=", None)], ["debit", "credit"], limit=1
        )
        gross = abs(mapping.signed(line))
        return Created(
            draft.key,
            mapping.opening_document_id(move),
            number=draft.opening.number if draft.opening else draft.number,
            totals=PackageTotals(net=gross, vat=mapping.ZERO, gross=gross),
            status="posted",
        )

    async def _address(self, party: int) -> int:
        if party not in self._addresses:
            rows = await self.rpc.search_read("party.address", [("party", "=", party)], ["id"], limit=1)
            if not rows:
                [address] = await self.rpc.model("party.address", "create", [{"party": party}], write=True)
                rows = [{"id": address}]
            self._addresses[party] = int(rows[0]["id"])
        return self._addresses[party]

    async def _invoice(self, draft: DocumentDraft) -> Created:
        purchase = draft.document_type in mapping.PURCHASES
        values = mapping.invoice_create(
            draft,
            address=await self._address(int(draft.contact_id)),
            account=await self._setup("payable" if purchase else "receivable"),
            journal=await self._setup("journal_expense" if purchase else "journal_revenue"),
            currency=await self._setup("currency"),
            company=await self._setup("company"),
        )
        [invoice] = await self.rpc.model("account.invoice", "create", [values], write=True)
        return await self._finish(
            "account.invoice", int(invoice), lambda: self._complete_invoice(draft, int(invoice), "draft")
        )

    async def _complete_invoice(self, draft: DocumentDraft, invoice: int, state: str) -> Created:
        """Tax as the job system charged it, the job system's number on a customer's document, then
        posted; an invoice already posted is left alone.

        Tryton would number a customer's document from its own sequence and refuse one dated before a
        document it has numbered already (a job invoiced late, or one sent again after a lost reply once
        later ones are in). The job system issued it under its number, which is the one the customer
        holds, so Tryton keeps that number and numbers nothing itself."""
        if state == "draft":
            await self._set_taxes(draft, invoice)
            if draft.document_type not in mapping.PURCHASES:
                await self.rpc.model(
                    "account.invoice", "write", [invoice], {"number": draft.number}, write=True
                )
            await self.rpc.model("account.invoice", "post", [invoice], write=True)
        [row] = await self.rpc.model(
            "account.invoice",
            "read",
            [invoice],
            ["number", "untaxed_amount", "tax_amount", "total_amount", "state"],
        )
        return Created(
            draft.key,
            str(invoice),
            number=str(row.get("number") or ""),
            totals=mapping.totals(row),
            status=str(row["state"]),
        )

    async def _set_taxes(self, draft: DocumentDraft, invoice: int) -> None:
        """Tryton rounds each line's tax half to even; where that differs from the job system's penny
        (an exact half), the invoice's tax line takes the job system's amount, as a person would."""
        wanted = mapping.vat_by_tax(draft)
        rows = await self.rpc.search_read(
            "account.invoice.tax", [("invoice", "=", invoice)], ["tax", "amount"]
        )
        for row in rows:
            tax = int(row["tax"]) if row.get("tax") else 0
            amount = Decimal(str(row["amount"]))
            if tax in wanted and wanted[tax] != amount:
                await self.rpc.model(
                    "account.invoice.tax", "write", [int(row["id"])], {"amount": wanted[tax]}, write=True
                )
