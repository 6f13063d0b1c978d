"""A messy package's customers imported on each sandbox: report, commit, a second run, an undo."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.import_messy import generate_parties, journey


def test_the_generated_contacts_are_the_same_for_the_same_seed() -> None:
    assert generate_parties(120, seed=3) == generate_parties(120, seed=3)
    assert generate_parties(120, seed=3) != generate_parties(120, seed=4)


@pytest.mark.parametrize("package", ["sage", "xero"])
async def test_300_messy_contacts_are_reported_imported_once_and_undone_but_for_the_invoiced_one(
    package: str, tmp_path: Path
) -> None:
    parties = generate_parties(300, seed=7)
    result = await journey(package, 300, seed=7, data_dir=tmp_path)
    summary = result.preview.summary
    offered = [p for p in parties if not p.supplier] if package == "sage" else parties
    # Xero says customer or supplier only once a contact has an invoice or a bill: these have none, so
    # the import asks about each, and the person chose the customers among them (never all of them)
    chosen = result.taken if package == "xero" else 0

    assert summary.contacts == len(offered)
    expected_no_name = sum(1 for p in offered if "no_name" in p.flaws)
    assert summary.skipped == summary.problems["no_name"] == expected_no_name > 0
    # the customers the job system holds already are offered for linking, not created again
    assert 0 < summary.offered_for_linking <= result.jobs_side
    assert summary.offered_for_linking >= result.jobs_side - 2
    assert summary.create + summary.asked == summary.contacts - summary.skipped - summary.offered_for_linking
    assert (summary.create == 0) is (package == "xero")
    assert summary.problems["no_postcode"] >= sum(1 for p in offered if "no_postcode" in p.flaws)
    assert summary.problems["postcode_not_uk"] >= sum(1 for p in offered if "postcode_not_uk" in p.flaws) > 0
    assert summary.problems["email_invalid"] == sum(1 for p in offered if "email_invalid" in p.flaws) > 0
    assert summary.problems["phone_invalid"] >= sum(1 for p in offered if "phone_invalid" in p.flaws) > 0
    retyped = sum(1 for p in offered if "duplicate" in p.flaws)
    assert summary.duplicate_groups >= retyped * 0.6, (summary.duplicate_groups, retyped)
    if package == "xero":  # Sage refuses a VAT number failing its check; Xero keeps what it is given
        assert summary.problems["vat_invalid"] > 0
        assert summary.problems["role_unstated"] == summary.contacts

    if package == "xero":
        suppliers = sum(1 for p in parties if p.supplier and "no_name" not in p.flaws)
        assert 0 < chosen <= summary.asked - suppliers + 2
    assert result.first_created == summary.create + chosen
    assert result.second_created == 0
    # the second run finds linked both what the first created and what it linked as offered
    assert result.second_already_linked == summary.create + chosen + summary.offered_for_linking
    assert len(result.undo.removed) == summary.create + chosen - 1
    assert [(kept.source_id, kept.reason) for kept in result.undo.kept] == [
        (result.invoiced, "1 invoice raised for it")
    ]
    assert result.batches == 2
