"""The matching run: normalise, find candidates, score them, assign one to one.

This is the only entry point callers need. It respects a person's earlier decisions, never reads or
writes anything, and gives the same answer for the same input whatever order the records come in.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from ledgerlink.matching.assign import Candidate, assign
from ledgerlink.matching.blocking import candidate_pairs
from ledgerlink.matching.decisions import Decisions
from ledgerlink.matching.normalise import normalise_party
from ledgerlink.matching.party import Party
from ledgerlink.matching.result import MatchResult, MatchStats, Proposal
from ledgerlink.matching.scoring import compare_quick


@contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of small, acyclic objects are made.

    A run allocates keys, lists and comparisons by the million and frees them by reference
    counting; without the pause the collector rescans the growing heap again and again, which
    roughly doubles the time of a large run. The previous state is restored afterwards.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _check_ids(parties: Sequence[Party], side: str) -> None:
    seen: set[str] = set()
    for party in parties:
        if party.id in seen:
            raise ValueError(f"{side} record id {party.id!r} appears more than once")
        seen.add(party.id)


def match(
    left: Sequence[Party],
    right: Sequence[Party],
    *,
    decisions: Decisions | None = None,
    auto_link: bool = True,
) -> MatchResult:
    """Propose one-to-one links between ``left`` (e.g. the job system) and ``right`` (the package).

    ``decisions`` carries what a person already decided: linked pairs are returned as they are (band
    ``sure``, source ``decision``), rejected pairs are never proposed, and ids marked "create new"
    get no proposal. With ``auto_link=False`` nothing is ``sure``: every proposal waits for a person.
    """
    with _no_cyclic_gc():
        return _match(left, right, decisions or Decisions(), auto_link)


def _match(
    left: Sequence[Party], right: Sequence[Party], decisions: Decisions, auto_link: bool
) -> MatchResult:
    decisions.validate()
    _check_ids(left, "left")
    _check_ids(right, "right")

    fixed_left = {a for a, _ in decisions.linked}
    fixed_right = {b for _, b in decisions.linked}
    open_left = [
        i for i, p in enumerate(left) if p.id not in fixed_left and p.id not in decisions.create_new_left
    ]
    open_right = [
        i for i, p in enumerate(right) if p.id not in fixed_right and p.id not in decisions.create_new_right
    ]
    left_n = [normalise_party(p) for p in left]
    right_n = [normalise_party(p) for p in right]

    pairs, block_stats = candidate_pairs(left_n, right_n, open_left, open_right)
    rejected = decisions.rejected
    candidates: list[Candidate] = []
    for li, ri in pairs:
        a, b = left_n[li], right_n[ri]
        if rejected and (a.id, b.id) in rejected:
            continue
        comparison = compare_quick(a, b)
        if comparison is not None and comparison.band != "none":
            candidates.append(Candidate(li, ri, a.id, b.id, comparison))

    proposals, review = assign(candidates, auto_link=auto_link)
    fixed = [
        Proposal(
            left_id=a, right_id=b, score=1.0, band="sure", reasons=("linked by a person",), source="decision"
        )
        for a, b in sorted(decisions.linked)
    ]
    all_proposals = tuple(sorted(fixed + proposals, key=lambda p: (p.left_id, p.right_id)))
    proposed_left = {p.left_id for p in all_proposals}
    proposed_right = {p.right_id for p in all_proposals}
    unmatched_left = tuple(sorted(left[i].id for i in open_left if left[i].id not in proposed_left))
    unmatched_right = tuple(sorted(right[i].id for i in open_right if right[i].id not in proposed_right))
    stats = MatchStats(
        left=len(left),
        right=len(right),
        candidate_pairs=block_stats.candidate_pairs,
        blocks=block_stats.blocks,
        oversized_blocks=block_stats.oversized_blocks,
    )
    return MatchResult(
        proposals=all_proposals,
        review=tuple(review),
        unmatched_left=unmatched_left,
        unmatched_right=unmatched_right,
        stats=stats,
    )
