"""How Tryton takes the documents open at the cut-off: a journal entry of their own, as a bookkeeper keys
balances brought in.

A Tryton invoice takes only revenue lines (a customer's) or expense lines (a supplier's), so an open item
cannot be an invoice on a balance-sheet account without putting its amount through the profit and loss a
second time. It goes in as a posted move dated at the cut-off, in the journal Tryton keeps for opening
situations (the general one where the database has none): the amount still open on the party's receivable
or payable account against the mapped opening account, no tax, described with the document's own number
and date. Money set against it after the cut-off is a party line carrying the opening move's mark
(`mapping.against`), and once those lines settle it in full they are reconciled with it, as an invoice's are.
"""

from __future__ import annotations

from typing import Any

from ledgerlink.packages.drafts import DocumentDraft, OpeningItems
from ledgerlink.packages.holdings import AccountClass
from ledgerlink.packages.tryton import mapping

OPENING_ITEMS = OpeningItems(
    how=(
        "a journal entry dated at the cut-off in the opening journal: the amount still open on the party's "
        "receivable or payable account against 9998 Opening Balances, with the document's number and date"
    ),
    account_names=("Opening Balances",),
    account_classes=frozenset({AccountClass.EQUITY, AccountClass.LIABILITY}),
)


def move_lines(draft: DocumentDraft, *, party_account: int) -> list[dict[str, Any]]:
    """The party's line for what is open, as the document's own line to pay would be, and the opening
    account's line against it."""
    assert draft.opening is not None
    of = draft.opening
    described = f"Opening balance: {of.number} of {of.date:%d/%m/%Y}, {draft.gross} of {of.gross} open"
    # the document's line to pay sits opposite the line that pays it
    signed = draft.gross * -mapping.payment_side(draft.document_type)
    return [
        {
            "account": party_account,
            "party": int(draft.contact_id),
            "description": described,
            "maturity_date": draft.due_date or draft.date,
            **mapping.amounts(signed),
        },
        {"account": int(draft.lines[0].account_id), "description": described, **mapping.amounts(-signed)},
    ]
