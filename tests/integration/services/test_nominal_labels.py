"""On the labelled trades businesses' charts, "Accept all" takes nothing a bookkeeper would not keep."""

from __future__ import annotations

import pytest

from tests.support.nominal_labels import default_chart, labelled_rows, score


@pytest.mark.parametrize("package", ["sage", "xero"])
async def test_accept_all_takes_no_wrong_account_on_the_labelled_set(package: str) -> None:
    accounts, banks = await default_chart(package)

    result = score(package, labelled_rows(), accounts, banks)

    assert result.wrong == []
    # most accounts a bookkeeper could map are sure; the rest are shown to check or left to choose
    assert result.coverage >= 0.75
    assert result.taken + result.check + result.none == result.rows
