"""How QuickBooks Online takes the documents open at the cut-off on the new-package path.

A customer's `OpenBalance` is one figure a contact, set only when the customer is created, so money
paid later cannot be set against the document it settles. Each open item goes in instead as an
invoice, bill, credit memo or supplier credit of its own, dated at the cut-off, for what was still open
on it, on Opening Balance Equity (the account QuickBooks keeps for balances brought in) with the No VAT
code: its VAT was accounted before the cut-off.
"""

from ledgerlink.packages.drafts import OpeningItems
from ledgerlink.packages.holdings import AccountClass

OPENING_ITEMS = OpeningItems(
    how=(
        "an invoice, bill, credit memo or supplier credit dated at the cut-off, for the amount still open, "
        "on Opening Balance Equity with the No VAT code"
    ),
    account_names=("Opening Balance Equity",),
    account_classes=frozenset({AccountClass.EQUITY, AccountClass.LIABILITY}),
    tax_names=("No VAT",),
)
