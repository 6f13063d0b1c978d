"""The mapping step asks for what a package's way with opening items needs, and nothing more: an
account and a rate for no VAT where they go in as documents, only the account where they go in as a
journal entry (a rate there would be a question with no effect on the books)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ledgerlink.packages.drafts import OpeningItems
from ledgerlink.packages.holdings import AccountClass, LedgerAccount, TaxRate
from ledgerlink.services.onboarding.mapping_line import MappingLine
from ledgerlink.services.onboarding.opening_mapping import opening_lines, validated_opening
from ledgerlink.services.onboarding.package_lists import PackageLists

AS_DOCUMENTS = OpeningItems(
    how="a document on the suspense account",
    account_names=("Suspense",),
    account_classes=frozenset({AccountClass.LIABILITY}),
    tax_names=("No VAT",),
)
AS_JOURNAL_ENTRIES = OpeningItems(
    how="a journal entry against the opening balances account",
    account_names=("Opening Balances",),
    account_classes=frozenset({AccountClass.EQUITY, AccountClass.LIABILITY}),
)
LISTS = PackageLists(
    ledger_accounts=(
        LedgerAccount("1", "850", "Suspense", AccountClass.LIABILITY),
        LedgerAccount("2", "9998", "Opening Balances", AccountClass.EQUITY),
    ),
    bank_accounts=(),
    tax_rates=(TaxRate("NONE", "No VAT", Decimal(0)),),
)


def asked(lines: list[MappingLine]) -> list[tuple[str, str]]:
    return [(line.jobs_code, line.suggestion.package_label if line.suggestion else "") for line in lines]


def test_opening_items_as_documents_ask_for_the_account_and_a_rate_for_no_vat_on_each_side() -> None:
    assert asked(opening_lines(AS_DOCUMENTS, LISTS, {})) == [
        ("account", "850 Suspense"),
        ("vat-sales", "No VAT"),
        ("vat-purchase", "No VAT"),
    ]


def test_opening_items_as_journal_entries_ask_for_the_account_only() -> None:
    assert asked(opening_lines(AS_JOURNAL_ENTRIES, LISTS, {})) == [("account", "9998 Opening Balances")]
    assert validated_opening(AS_JOURNAL_ENTRIES, "account", "9998", LISTS) == "2"
    with pytest.raises(ValueError, match="no tax rate on this package"):
        validated_opening(AS_JOURNAL_ENTRIES, "vat-sales", "No VAT", LISTS)
