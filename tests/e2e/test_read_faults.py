"""The reader killed at random moments against a faulty sandbox, while a bookkeeper pays and deletes
payments and voids invoices in the package, still applies each payment and void once and loses none.

A shorter run of `benchmarks/read_faults.py`: `ledgerlink from-package read` as its own process,
SIGKILLed at a random moment of each run and started again, against a sandbox answering 10% of
requests with 500 and bursting 429s.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.read_faults import run_trial

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("package", ["sage", "xero"])
def test_a_reader_killed_again_and_again_applies_every_change_once_and_loses_none(
    package: str, tmp_path: Path
) -> None:
    result = run_trial(package, kills=8, invoices=16, workdir=tmp_path, seed=3, max_gap=1.0)

    assert result.kills == 8
    assert result.made > 8  # the bookkeeper worked all through the kills
    assert result.deleted > 0
    assert (result.duplicates, result.missing, result.wrongly_kept, result.wrong_allocations) == (
        0,
        [],
        [],
        [],
    )
    assert result.present == result.made - result.deleted
    # a payment deleted before any read saw it never comes at all; one read before is taken off again
    assert result.events["created"] - result.events["deleted"] == result.present
    assert result.voided > 0
    assert (result.voids_missing, result.wrongly_cancelled) == ([], [])
    assert result.events["voided"] == result.voided
    assert result.pending == 0
    assert result.reconcile_clean
