"""The sender killed at random moments against Tryton still sends everything exactly once.

A shorter run of `benchmarks/send_faults.py --package tryton`: Tryton, a real engine taking a quarter of
a second a call, gets a few kills on a small company, with the same faults at its sandbox's door as the
other packages get in `test_send_faults.py`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.send_faults import run_trial

from tests.support.tryton_books import tryton_home

pytestmark = pytest.mark.slow


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
