"""How Xero takes the documents open at the cut-off on the new-package path.

Xero has no API for conversion balances, so each open item goes in as an invoice, bill or credit note
of its own (its own number, so the bookkeeper finds it), dated at the cut-off, for what was still open
on it, with No VAT: the VAT on it was accounted before the cut-off, and must not be again. Its line goes
to 850 Suspense: 840 Historical Adjustment is a system account Xero keeps for its conversion balances
and takes on no line. The suspense account then holds the debtors less the creditors brought in, which
the bookkeeper's opening balances journal clears.
"""

from ledgerlink.packages.drafts import OpeningItems
from ledgerlink.packages.holdings import AccountClass

OPENING_ITEMS = OpeningItems(
    how=(
        "an invoice, bill or credit note dated at the cut-off, with its own number, for the amount still "
        "open, on 850 Suspense with No VAT (840 Historical Adjustment is a system account Xero takes on "
        "no line)"
    ),
    account_names=("Suspense",),
    account_classes=frozenset({AccountClass.LIABILITY, AccountClass.EQUITY}),
    tax_names=("NONE", "No VAT"),
)
