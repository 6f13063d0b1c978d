"""The sender killed at random moments against a faulty sandbox still sends everything exactly once.

A shorter run of `benchmarks/send_faults.py`: `ledgerlink send` as its own process, SIGKILLed at a random
moment once each run has begun sending, started again, against a sandbox answering 10% of requests with
500, dropping 5% of replies after storing the record and bursting 429s. Sage takes one record a call, so
a small company gives thirty kills; Xero takes fifty a call, so it gets a larger company and fewer kills.
Tryton, a real engine taking a quarter of a second a call, gets a few kills on a small company, with
the same faults at its sandbox's door.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.send_faults import run_trial

from tests.support.tryton_books import tryton_home

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


def test_a_sender_killed_again_and_again_sends_everything_to_tryton_exactly_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tryton is a real engine, and a record there takes several calls: what is proved is that no kill
    and no fault at its door (a 500 before Tryton sees a call, a reply dropped after it committed)
    leaves a record half made, lost or made twice in its books, counted there by Tryton itself."""
    home = tryton_home(tmp_path / "tryton")  # skips the test where there is no Tryton
    monkeypatch.setenv("LEDGERLINK_TRYTON_SANDBOX_HOME", str(home.root))
    result = run_trial(
        "tryton",
        faults=True,
        kills=8,
        invoices=12,
        customers=4,
        workdir=tmp_path,
        seed=5,
        max_gap=2.0,
        most_attempts=20,
    )

    assert (result.kills, result.duplicates, result.missing, result.unsent) == (8, 0, 0, [])
