"""The shared pacer's pace, as a wait estimate divides by it: the minute budget's, or a kind's own."""

from __future__ import annotations

from typing import cast

import pytest

from ledgerlink.packages.connection import Limits
from ledgerlink.services.operations.shared_pacer import HEADROOM, SharedPacer, budgets_for
from ledgerlink.store.pacer_budgets import PacerBudgets


def test_a_kind_with_its_own_budget_is_paced_at_that_budget() -> None:
    limits = Limits(requests_per_minute=500, concurrency=10, calls_per_minute={"batch": 40})
    budgets = budgets_for(limits, package="quickbooks", connection_key="connection-1")
    pacer = SharedPacer(cast(PacerBudgets, object()), budgets, concurrency=limits.concurrency)

    assert pacer.paced_per_second("batch") == pytest.approx(40 * HEADROOM / 60)
    assert pacer.paced_per_second() == pytest.approx(500 * HEADROOM / 60)
    assert pacer.paced_per_second("other") is None
