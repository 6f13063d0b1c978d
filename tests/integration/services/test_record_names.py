"""What could not be sent is named as people name records, and so is what it waits for."""

from __future__ import annotations

from ledgerlink.packages.drafts import DocumentDraft
from ledgerlink.services.sending.controls import failures
from tests.integration.services.conftest import World
from tests.integration.services.test_sending import customer, invoice, payment, send


async def test_a_failure_and_the_parent_it_waits_for_are_named_by_number_party_amount_and_date(
    world: World,
) -> None:
    world.feed(
        customer("C1"), invoice("INV-9", "C1", "80.00", nominal="4010"), payment("P9", "C1", "INV-9", "96.00")
    )
    world.package.refuse = lambda draft: (
        "Account code '4010' is not a valid code for this document."
        if isinstance(draft, DocumentDraft) and draft.lines[0].account_code == "4010"
        else None
    )
    await send(world)

    named = {
        failure.source_id: (failure.title, failure.reason)
        for failure in failures(world.store, world.company_id)
    }

    assert named["INV-9"][0] == "Invoice INV-9 · John Smith · £96.00 · 01/03/2025"
    assert named["P9"][0] == "Customer payment · John Smith · £96.00 · 05/03/2025"
    assert named["P9"][1].startswith("invoice INV-9 · John Smith failed: ")
    assert "C1" not in named["P9"][1]
