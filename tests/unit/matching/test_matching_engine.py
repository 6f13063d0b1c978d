"""What a bookkeeper would notice about the links the engine proposes."""

from __future__ import annotations

import pytest

from ledgerlink.matching import Decisions, MatchResult, Party, Proposal, match


def _pair(result: MatchResult, left_id: str) -> Proposal | None:
    return next((p for p in result.proposals if p.left_id == left_id), None)


SMITH_JOBS = Party(id="J1", name="Mr J. Smith", address_lines=("4 Elm Rd",), postcode="LS6 2AB")
SMITH_BOOKS = Party(id="S1", name="John Smith", address_lines=("4 Elm Road", "Leeds LS62AB"))


def test_the_same_customer_typed_differently_is_linked_with_reasons() -> None:
    result = match([SMITH_JOBS], [SMITH_BOOKS])
    proposal = _pair(result, "J1")
    assert proposal is not None
    assert proposal.right_id == "S1"
    assert proposal.band == "sure"
    assert 0.0 <= proposal.score <= 1.0
    assert "same postcode" in proposal.reasons
    assert any("initial J. fits John" in r for r in proposal.reasons)
    assert result.unmatched_left == ()


def test_two_john_smiths_at_different_addresses_are_not_linked() -> None:
    left = [
        Party(
            id="L1", first_name="John", last_name="Smith", address_lines=("4 Elm Road",), postcode="LS6 2AB"
        )
    ]
    right = [
        Party(
            id="R1", first_name="John", last_name="Smith", address_lines=("17 Mill Lane",), postcode="BD3 9QT"
        )
    ]
    result = match(left, right)
    assert result.in_band("sure") == ()
    assert _pair(result, "L1") is None
    assert result.unmatched_left == ("L1",)


def test_neighbours_with_the_same_name_are_never_sure() -> None:
    left = [
        Party(
            id="L1", first_name="John", last_name="Smith", address_lines=("4 Elm Road",), postcode="LS6 2AB"
        )
    ]
    right = [
        Party(
            id="R1", first_name="John", last_name="Smith", address_lines=("6 Elm Road",), postcode="LS6 2AB"
        )
    ]
    proposal = _pair(match(left, right), "L1")
    assert proposal is None or (proposal.band == "likely" and "house number differs" in proposal.reasons)


def test_someone_who_moved_house_but_kept_email_and_phone_is_at_least_likely() -> None:
    left = [
        Party(
            id="L1",
            first_name="Sarah",
            last_name="Holt",
            address_lines=("4 Elm Road",),
            postcode="LS6 2AB",
            email="sarah.holt@example.com",
            phone="07700 900123",
        )
    ]
    right = [
        Party(
            id="R1",
            name="Sarah Holt",
            address_lines=("22 Hill Crescent",),
            postcode="YO1 7HH",
            email="Sarah.Holt@example.com",
            phone="+44 7700 900123",
        )
    ]
    proposal = _pair(match(left, right), "L1")
    assert proposal is not None
    assert proposal.band in ("sure", "likely")
    assert "same email" in proposal.reasons


def test_two_equally_good_candidates_go_to_review_and_neither_is_linked() -> None:
    left = [Party(id="L1", name="J Smith", address_lines=("4 Elm Road",), postcode="LS6 2AB")]
    right = [
        Party(id="R1", name="John Smith", address_lines=("4 Elm Road",), postcode="LS6 2AB"),
        Party(id="R2", name="Jane Smith", address_lines=("4 Elm Road",), postcode="LS6 2AB"),
    ]
    result = match(left, right)
    assert result.proposals == ()
    assert {(p.left_id, p.right_id) for p in result.review} == {("L1", "R1"), ("L1", "R2")}
    assert all(p.band == "likely" for p in result.review)
    assert all(any("two equally good candidates" in r for r in p.reasons) for p in result.review)


def test_when_two_want_the_same_record_the_better_wins_and_the_other_is_told_who_took_it() -> None:
    left = [
        Party(
            id="L1", first_name="John", last_name="Smith", address_lines=("4 Elm Road",), postcode="LS6 2AB"
        ),
        Party(id="L2", first_name="J", last_name="Smith", address_lines=("4 Elm Road",), postcode="LS6 2AB"),
    ]
    right = [
        Party(id="R1", first_name="John", last_name="Smith", address_lines=("4 Elm Rd",), postcode="LS62AB")
    ]
    result = match(left, right)
    assert [(p.left_id, p.right_id) for p in result.proposals] == [("L1", "R1")]
    lost = [p for p in result.review if p.left_id == "L2"]
    assert len(lost) == 1
    assert lost[0].band == "likely"
    assert any("R1 was taken by L1" in r for r in lost[0].reasons)


def test_a_rejected_pair_is_never_proposed_again() -> None:
    decisions = Decisions.of(rejected=[("J1", "S1")])
    result = match([SMITH_JOBS], [SMITH_BOOKS], decisions=decisions)
    assert result.proposals == ()
    assert all((p.left_id, p.right_id) != ("J1", "S1") for p in result.review)
    assert result.unmatched_left == ("J1",)


def test_accepted_pairs_are_kept_and_their_records_are_not_offered_elsewhere() -> None:
    other = Party(id="S2", name="John Smith", address_lines=("4 Elm Road",), postcode="LS6 2AB")
    decisions = Decisions.of(linked=[("J1", "S9")])
    result = match([SMITH_JOBS], [SMITH_BOOKS, other], decisions=decisions)
    assert [(p.left_id, p.right_id, p.source) for p in result.proposals] == [("J1", "S9", "decision")]
    assert result.unmatched_right == ("S1", "S2")


def test_records_marked_create_new_get_no_proposal() -> None:
    result = match([SMITH_JOBS], [SMITH_BOOKS], decisions=Decisions.of(create_new_left=["J1"]))
    assert result.proposals == ()
    assert result.unmatched_left == ()
    assert result.unmatched_right == ("S1",)


def test_contradictory_decisions_are_refused_naming_the_records() -> None:
    with pytest.raises(ValueError, match="J1"):
        match([SMITH_JOBS], [SMITH_BOOKS], decisions=Decisions.of(linked=[("J1", "S1"), ("J1", "S2")]))


def test_duplicate_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="J1"):
        match([SMITH_JOBS, SMITH_JOBS], [SMITH_BOOKS])


def test_companies_match_despite_legal_form_and_ampersand() -> None:
    left = [
        Party(
            id="L1", company_name="Smith & Sons Ltd", address_lines=("Unit 3, Mill Lane",), postcode="BD3 9QT"
        )
    ]
    right = [
        Party(id="R1", name="Smith and Sons Limited", address_lines=("Unit 3 Mill Ln",), postcode="bd39qt")
    ]
    proposal = _pair(match(left, right), "L1")
    assert proposal is not None
    assert proposal.band == "sure"
    assert "same company name" in proposal.reasons


def test_different_companies_at_the_same_address_are_not_linked() -> None:
    left = [
        Party(id="L1", company_name="Acme Heating Ltd", address_lines=("1 Mill Lane",), postcode="BD3 9QT")
    ]
    right = [
        Party(id="R1", company_name="Zenith Roofing Ltd", address_lines=("1 Mill Lane",), postcode="BD3 9QT")
    ]
    assert match(left, right).in_band("sure") == ()


def test_initials_are_compatible_but_different_initials_are_not() -> None:
    base = {"address_lines": ("4 Elm Road",), "postcode": "LS6 2AB"}
    fits = match([Party(id="L1", name="J. Smith", **base)], [Party(id="R1", name="John Smith", **base)])  # type: ignore[arg-type]
    clash = match([Party(id="L1", name="K. Smith", **base)], [Party(id="R1", name="John Smith", **base)])  # type: ignore[arg-type]
    fit = _pair(fits, "L1")
    assert fit is not None
    assert fit.band == "sure"
    assert _pair(clash, "L1") is None or _pair(clash, "L1").band == "likely"  # type: ignore[union-attr]


def test_postcode_without_space_and_swapped_name_order_still_link() -> None:
    left = [Party(id="L1", name="Smith John", address_lines=("4 Elm Rd",), postcode="LS62AB")]
    right = [
        Party(
            id="R1", first_name="John", last_name="Smith", address_lines=("4 Elm Road",), postcode="LS6 2AB"
        )
    ]
    proposal = _pair(match(left, right), "L1")
    assert proposal is not None
    assert proposal.right_id == "R1"


def test_auto_link_off_puts_everything_in_front_of_a_person() -> None:
    result = match([SMITH_JOBS], [SMITH_BOOKS], auto_link=False)
    assert [p.band for p in result.proposals] == ["likely"]


def test_same_input_gives_the_same_output() -> None:
    assert match([SMITH_JOBS], [SMITH_BOOKS]) == match([SMITH_JOBS], [SMITH_BOOKS])


def test_a_record_with_tied_candidates_gets_only_the_tie_to_review() -> None:
    base = {"address_lines": ("4 Elm Road",), "postcode": "LS6 2AB"}
    left = [Party(id="L1", name="J Smith", **base)]  # type: ignore[arg-type]
    right = [
        Party(id="R1", name="John Smith", **base),  # type: ignore[arg-type]
        Party(id="R2", name="Jane Smith", **base),  # type: ignore[arg-type]
        Party(id="R3", name="J Smith", address_lines=("4 Elm Road",), postcode="LS6 2AD"),
    ]
    result = match(left, right)
    assert result.proposals == ()
    assert {p.right_id for p in result.review} == {"R1", "R2"}
