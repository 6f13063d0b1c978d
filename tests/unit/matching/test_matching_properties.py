"""Properties that must hold for any input: one to one, and order never decides anything."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ledgerlink.matching import Decisions, Party, match

FIRST = st.sampled_from(["John", "J.", "Jane", "Jon", "Sarah", ""])
LAST = st.sampled_from(["Smith", "Smyth", "Jones", "Holt", ""])
STREET = st.sampled_from(["4 Elm Road", "4 Elm Rd", "6 Elm Road", "12 Mill Lane", ""])
POSTCODE = st.sampled_from(["LS6 2AB", "LS62AB", "LS6 3CD", "BD3 9QT", ""])
EMAIL = st.sampled_from(["", "", "j@example.com", "s@example.com"])
COMPANY = st.sampled_from(["", "", "", "Smith & Sons Ltd", "Smith and Sons Limited"])


@st.composite
def parties(draw: st.DrawFn, prefix: str) -> list[Party]:
    count = draw(st.integers(min_value=0, max_value=7))
    out = []
    for i in range(count):
        out.append(
            Party(
                id=f"{prefix}{i}",
                first_name=draw(FIRST),
                last_name=draw(LAST),
                company_name=draw(COMPANY),
                address_lines=(draw(STREET),),
                postcode=draw(POSTCODE),
                email=draw(EMAIL),
            )
        )
    return out


@settings(max_examples=150, deadline=None)
@given(parties("L"), parties("R"))
def test_every_record_is_in_at_most_one_proposal(left: list[Party], right: list[Party]) -> None:
    result = match(left, right)
    lefts = [p.left_id for p in result.proposals]
    rights = [p.right_id for p in result.proposals]
    assert len(lefts) == len(set(lefts))
    assert len(rights) == len(set(rights))
    assert set(result.unmatched_left).isdisjoint(lefts)
    assert set(result.unmatched_left) | set(lefts) == {p.id for p in left}
    assert all(p.band in ("sure", "likely") and 0.0 <= p.score <= 1.0 for p in result.proposals)
    assert all(p.band == "likely" for p in result.review)


@settings(max_examples=150, deadline=None)
@given(parties("L"), parties("R"), st.randoms(use_true_random=False))
def test_input_order_does_not_change_the_result(left: list[Party], right: list[Party], rnd: object) -> None:
    shuffled_left = list(reversed(left))
    shuffled_right = list(right)
    rnd.shuffle(shuffled_right)  # type: ignore[attr-defined]
    first = match(left, right)
    second = match(shuffled_left, shuffled_right)
    assert first.proposals == second.proposals
    assert set(first.review) == set(second.review)


@settings(max_examples=100, deadline=None)
@given(parties("L"), parties("R"))
def test_decisions_are_respected_by_a_rerun(left: list[Party], right: list[Party]) -> None:
    first = match(left, right)
    rejected = [(p.left_id, p.right_id) for p in first.proposals[::2]]
    accepted = [(p.left_id, p.right_id) for p in first.proposals[1::2]]
    second = match(left, right, decisions=Decisions.of(linked=accepted, rejected=rejected))
    pairs = {(p.left_id, p.right_id) for p in second.proposals}
    assert set(accepted) <= pairs
    assert pairs.isdisjoint(rejected)
    assert {(p.left_id, p.right_id) for p in second.review}.isdisjoint(rejected)


@settings(max_examples=150, deadline=None)
@given(parties("L"), parties("R"))
def test_swapping_the_sides_mirrors_the_links(left: list[Party], right: list[Party]) -> None:
    forward = {(p.left_id, p.right_id, p.band, p.score) for p in match(left, right).proposals}
    backward = {(p.right_id, p.left_id, p.band, p.score) for p in match(right, left).proposals}
    assert forward == backward
