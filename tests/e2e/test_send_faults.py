"""The sender killed at random moments against a faulty sandbox still sends everything exactly once.

A shorter run of `benchmarks/send_faults.py`: `ledgerlink send` as its own process, SIGKILLed at a random
moment once each run has begun sending, started again, against a sandbox answering 10% of requests with
500, dropping 5% of replies after storing the record and bursting 429s. Sage takes one record a call, so
a small company gives thirty kills; Xero takes fifty a call, so it gets a larger company and fewer kills.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.send_faults import run_trial

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(("package", "kills", "invoices"), [("sage", 30, 200), ("xero", 10, 600)])
def test_a_sender_killed_again_and_again_leaves_no_record_missing_and_none_twice(
    package: str, kills: int, invoices: int, tmp_path: Path
) -> None:
    result = run_trial(
        package,
        kills=kills,
        invoices=invoices,
        customers=invoices // 4,
        workdir=tmp_path,
        seed=5,
        max_gap=0.5,
        most_attempts=12 if package == "sage" else 60,
        time_scale=10,
    )

    assert (result.kills, result.duplicates, result.missing, result.unsent) == (kills, 0, 0, [])
