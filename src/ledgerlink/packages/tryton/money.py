"""Money in Tryton: payments and credit allocations as posted moves set against the documents they settle.

A payment is a move in the cash journal, the bank against the party's receivable or payable; a credit
allocation a move of two lines on the party's account. Each party line is added to the payment lines
of the document it settles, in the order the lines were made, and a document settled in full has its
lines reconciled. An opening item is a journal entry, not an invoice: the party lines settling it carry
its mark (`mapping.against`) and are reconciled with its line once together they leave nothing open. Every step looks first whether it is done, so finishing a move after a lost reply
does nothing twice.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any

from ledgerlink.errors import Problem, Rejected
from ledgerlink.packages.drafts import Created, CreditAllocationDraft, DocumentType, PaymentDraft
from ledgerlink.packages.tryton import mapping
from ledgerlink.packages.tryton.client import TrytonRpc


class MoneyMoves:
    """One connection's payments and allocations; `setup` answers the ids every move needs."""

    def __init__(self, rpc: TrytonRpc, setup: Callable[[str], Awaitable[int]]) -> None:
        self.rpc = rpc
        self.setup = setup
        self.periods: dict[tuple[int, int], int] = {}

    async def period(self, day: date) -> int:
        key = (day.year, day.month)
        if key not in self.periods:
            rows = await self.rpc.search_read(
                "account.period",
                [("start_date", "<=", day), ("end_date", ">=", day), ("type", "=", "standard")],
                ["id"],
                limit=1,
            )
            if not rows:
                raise Rejected([Problem(f"Tryton has no open period for {day.isoformat()}")])
            self.periods[key] = int(rows[0]["id"])
        return self.periods[key]

    async def move(self, key: str, day: date, journal: str, lines: list[dict[str, Any]]) -> int:
        values = {
            "journal": await self.setup(journal),
            "period": await self.period(day),
            "date": day,
            "company": await self.setup("company"),
            "description": mapping.tag(key),
            "lines": [["create", lines]],
        }
        [move] = await self.rpc.model("account.move", "create", [values], write=True)
        return int(move)

    async def payment_move(self, draft: PaymentDraft) -> int:
        purchase = draft.document_type in mapping.PURCHASES
        lines = mapping.payment_lines(
            draft,
            party_account=await self.setup("payable" if purchase else "receivable"),
            description=draft.reference or draft.source_id,
        )
        return await self.move(draft.key, draft.date, "journal_cash", lines)

    async def allocation_move(self, draft: CreditAllocationDraft) -> int:
        account = await self.setup("payable" if draft.purchase else "receivable")
        invoice_type = DocumentType.PURCHASE_INVOICE if draft.purchase else DocumentType.SALES_INVOICE
        credit_type = DocumentType.PURCHASE_CREDIT_NOTE if draft.purchase else DocumentType.SALES_CREDIT_NOTE
        lines = [
            {
                "account": account,
                "party": int(draft.contact_id),
                "description": mapping.settling(f"credit {draft.source_id}", document),
                **mapping.amounts(draft.amount * mapping.payment_side(kind)),
            }
            for kind, document in ((invoice_type, draft.invoice_id), (credit_type, draft.credit_note_id))
        ]
        return await self.move(draft.key, draft.date, "journal_general", lines)

    async def complete_payment(self, draft: PaymentDraft, move: int) -> Created:
        await self.settle(move, [a.document_id for a in draft.allocations])
        return Created(draft.key, str(move), related_ids=tuple(a.document_id for a in draft.allocations))

    async def complete_allocation(self, draft: CreditAllocationDraft, move: int) -> Created:
        await self.settle(move, [draft.invoice_id, draft.credit_note_id])
        return Created(draft.key, str(move), related_ids=(draft.invoice_id, draft.credit_note_id))

    async def settle(self, move: int, documents: list[str]) -> None:
        """Post the move, add its party lines to the documents' payment lines in order, and reconcile
        each document its lines now settle (an opening item: with the lines carrying its mark). Each step
        is skipped where already done."""
        lines = await self.rpc.search_read(
            "account.move.line",
            [("move", "=", move)],
            ["party", "invoice_payment", "move_state"],
            order=[("id", "ASC")],  # as created: one line per document, in the allocations' order
        )
        if any(line.get("move_state") == "draft" for line in lines):
            await self.rpc.model("account.move", "post", [move], write=True)
        party_lines = [line for line in lines if line.get("party")]
        for document, line in zip(documents, party_lines, strict=False):
            opening = mapping.opening_move(document)
            if opening is not None:
                await self.reconcile_opening_if_settled(opening)
                continue
            if line.get("invoice_payment") is None:
                await self.rpc.model(
                    "account.invoice",
                    "write",
                    [int(document)],
                    {"payment_lines": [["add", [int(line["id"])]]]},
                    write=True,
                )
            await self.reconcile_if_settled(int(document))

    async def reconcile_opening_if_settled(self, move: int) -> None:
        """An opening item's party line reconciled with the posted lines carrying its mark, once
        together they leave nothing open; a part paid stays open, as an invoice part paid does."""
        [line] = await self.rpc.search_read(
            "account.move.line",
            [("move", "=", move), ("party", "!=", None)],
            ["party", "account", "debit", "credit", "reconciliation", "date"],
            limit=1,
        )
        if line.get("reconciliation"):
            return
        mark = mapping.against(mapping.opening_document_id(move))
        settling = await self.rpc.search_read(
            "account.move.line",
            [
                ("party", "=", int(line["party"])),
                ("account", "=", int(line["account"])),
                ("description", "like", f"%{mark}"),
                ("reconciliation", "=", None),
                ("move_state", "=", "posted"),
            ],
            ["debit", "credit", "date"],
        )
        left = sum((mapping.signed(row) for row in [line, *settling]), mapping.ZERO)
        if settling and left == 0:
            values = {
                "company": await self.setup("company"),
                "date": max(row["date"] for row in [line, *settling]),
                "lines": [["add", [int(row["id"]) for row in [line, *settling]]]],
            }
            await self.rpc.model("account.move.reconciliation", "create", [values], write=True)

    async def reconcile_if_settled(self, document: int) -> None:
        [row] = await self.rpc.model(
            "account.invoice",
            "read",
            [document],
            ["amount_to_pay", "reconciled", "lines_to_pay", "payment_lines"],
        )
        if row.get("reconciled") or Decimal(str(row.get("amount_to_pay") or 0)) != 0:
            return
        ids = [int(i) for i in [*row["lines_to_pay"], *row["payment_lines"]]]
        lines = await self.rpc.model("account.move.line", "read", ids, ["reconciliation", "date"])
        open_lines = [line for line in lines if not line.get("reconciliation")]
        if open_lines:
            values = {
                "company": await self.setup("company"),
                "date": max(line["date"] for line in open_lines),
                "lines": [["add", [int(line["id"]) for line in open_lines]]],
            }
            await self.rpc.model("account.move.reconciliation", "create", [values], write=True)
