"""The sender killed at random moments against a faulty sandbox still sends everything exactly once.

A shorter run of `benchmarks/send_faults.py`: `ledgerlink send` as its own process, SIGKILLed at a random
moment once each run has begun sending, started again, against a sandbox answering 10% of requests with
500, dropping 5% of replies after storing the record and bursting 429s. Sage takes one record a call, so
a small company gives thirty kills; Xero takes fifty a call, so it gets a larger company and fewer kills.
Tryton's run is in `test_send_faults_tryton.py`, so the two can run side by side.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.send_faults import run_trial

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("package", "kills", "invoices", "ignore_idempotency", "time_scale"),
    [
        ("sage", 30, 200, False, 10),
        ("sage", 20, 120, True, 10),
        ("xero", 10, 600, False, 10),
        # a QuickBooks throttle names no wait, so each injected 429 costs a whole minute of its clock
        ("quickbooks", 10, 600, False, 30),
    ],
    ids=["sage", "sage-ignoring-idempotency-ids", "xero", "quickbooks"],
)
def test_a_sender_killed_again_and_again_leaves_no_record_missing_and_none_twice(
    package: str, kills: int, invoices: int, ignore_idempotency: bool, time_scale: float, tmp_path: Path
) -> None:
    """With Sage's sandbox ignoring `idempotency_id` too: only look-ups by natural key keep it once."""
    result = run_trial(
        package,
        ignore_idempotency=ignore_idempotency,
        kills=kills,
        invoices=invoices,
        customers=invoices // 4,
        workdir=tmp_path,
        seed=5,
        max_gap=0.5,
        most_attempts=12 if package == "sage" else 60,
        time_scale=time_scale,
    )

    assert (result.kills, result.duplicates, result.missing, result.unsent) == (kills, 0, 0, [])
