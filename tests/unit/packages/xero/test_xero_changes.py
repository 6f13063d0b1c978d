"""A credit note read from Xero says which allocations it holds now, since one taken off it leaves
nothing of its own to read; one listed as deleted is a removal outright."""

from __future__ import annotations

import datetime as dt

from ledgerlink.packages.changes import (
    ChangeKind,
    CreditAllocationChange,
    CreditAllocationsHeld,
    DocumentChange,
    Removal,
)
from ledgerlink.packages.xero.changes import feed_changes

NOW = dt.datetime(2026, 10, 21, 9, 0, tzinfo=dt.UTC)


def credit_note(*allocations: dict[str, object]) -> dict[str, object]:
    return {
        "CreditNoteID": "cn-1",
        "Type": "ACCRECCREDIT",
        "Status": "AUTHORISED",
        "Total": 12.0,
        "Contact": {"ContactID": "c-1"},
        "UpdatedDateUTC": "/Date(1792573200000+0000)/",
        "Allocations": list(allocations),
    }


def allocation(allocation_id: str, *, deleted: bool = False) -> dict[str, object]:
    return {
        "AllocationID": allocation_id,
        "Amount": 12.0,
        "Date": "/Date(1792540800000+0000)/",
        "Invoice": {"InvoiceID": "inv-1"},
        "IsDeleted": deleted,
    }


def test_a_credit_note_says_which_allocations_it_holds() -> None:
    found = feed_changes("CreditNotes", credit_note(allocation("a-2"), allocation("a-1")), NOW)

    [held, first, second, document] = found
    assert isinstance(first, CreditAllocationChange)
    assert isinstance(second, CreditAllocationChange)
    assert isinstance(held, CreditAllocationsHeld)
    assert held.allocation_ids == ("a-1", "a-2")
    assert isinstance(document, DocumentChange)
    assert not document.voided


def test_an_allocation_taken_off_leaves_it_out_of_those_held() -> None:
    found = feed_changes("CreditNotes", credit_note(), NOW)

    held = [change for change in found if isinstance(change, CreditAllocationsHeld)]
    assert [h.allocation_ids for h in held] == [()]


def test_an_allocation_listed_as_deleted_is_a_removal() -> None:
    found = feed_changes("CreditNotes", credit_note(allocation("a-1", deleted=True)), NOW)

    assert [c for c in found if isinstance(c, Removal)] == [
        Removal(ChangeKind.CREDIT_ALLOCATION, "a-1", found[0].changed_at)
    ]
    assert not [c for c in found if isinstance(c, CreditAllocationChange)]


def test_a_summary_without_allocations_says_nothing_of_them() -> None:
    summary = credit_note()
    del summary["Allocations"]

    found = feed_changes("CreditNotes", summary, NOW)

    assert not [c for c in found if isinstance(c, CreditAllocationsHeld)]
