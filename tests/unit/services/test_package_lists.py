from __future__ import annotations

from ledgerlink.packages.holdings import AccountClass, LedgerAccount
from ledgerlink.services.onboarding.package_lists import _plain, ledger_account_from
from ledgerlink.store.connections import ListItem


def test_an_account_kept_from_the_package_comes_back_with_what_its_chart_files_it_under() -> None:
    """Suggestions are made from the kept chart: a heading lost there would read 7301 as any repairs."""
    account = LedgerAccount(
        "a", "7301", "Repairs and Servicing", AccountClass.EXPENSE, heading="Motor expenses"
    )
    kept = ListItem("ledger_account", "a", "7301", "Repairs and Servicing", _plain(account), True, None)
    assert ledger_account_from(kept) == account
