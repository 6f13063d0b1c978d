"""One-to-one assignment: each record is linked to at most one record on the other side.

Candidates are taken best first. When a record is wanted by two others, the better pair wins and the
other goes to review with a reason naming the record that took it. When two candidates are exactly as
good, nothing decides between them by chance: both go to review. A pair that won, but only narrowly
against another candidate, is not linked automatically either: a person should see the alternative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ledgerlink.matching.result import Proposal
from ledgerlink.matching.scoring import Comparison, score_from_total

CLOSE_MARGIN = 2.5
"""A runner-up within this much evidence of the winner makes the winner a question, not a fact."""

MAX_REVIEW_PER_RECORD = 3
"""Review shows a record's few best lost candidates, not every weak one."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A scored pair by position in the inputs, with the ids used for ordering and reasons."""

    left: int
    right: int
    left_id: str
    right_id: str
    comparison: Comparison

    @property
    def key(self) -> float:
        """The total, rounded so that equal evidence compares equal whatever the float arithmetic."""
        return round(self.comparison.total, 6)

    def proposal(self, *, band: str | None = None, extra: tuple[str, ...] = ()) -> Proposal:
        """This candidate as a proposal, optionally in another band and with more reasons."""
        chosen = band or self.comparison.band
        assert chosen in ("sure", "likely", "none")
        return Proposal(
            left_id=self.left_id,
            right_id=self.right_id,
            score=self.comparison.score,
            band="sure" if chosen == "sure" else "likely",
            reasons=self.comparison.reasons + extra,
        )


def assign(
    candidates: Sequence[Candidate], *, auto_link: bool = True
) -> tuple[list[Proposal], list[Proposal]]:
    """Choose one-to-one proposals from scored candidates; return (proposals, review).

    Only candidates of band ``sure`` or ``likely`` take part. The order is by evidence, then by ids, so
    input order never matters; equal evidence is never split by the ids but sent to review.
    """
    ordered = sorted(
        (c for c in candidates if c.comparison.band != "none"),
        key=lambda c: (-c.key, c.left_id, c.right_id),
    )
    by_left: dict[int, list[Candidate]] = {}
    by_right: dict[int, list[Candidate]] = {}
    for c in ordered:
        by_left.setdefault(c.left, []).append(c)
        by_right.setdefault(c.right, []).append(c)

    won_left: dict[int, Candidate] = {}
    won_right: dict[int, Candidate] = {}
    tied_left: set[int] = set()
    tied_right: set[int] = set()
    tied: list[Candidate] = []
    lost: list[Candidate] = []

    start = 0
    while start < len(ordered):
        end = start
        while end < len(ordered) and ordered[end].key == ordered[start].key:
            end += 1
        group = ordered[start:end]
        start = end
        free: list[Candidate] = []
        for c in group:
            taken = c.left in won_left or c.right in won_right or c.left in tied_left or c.right in tied_right
            (lost if taken else free).append(c)
        left_count: dict[int, int] = {}
        right_count: dict[int, int] = {}
        for c in free:
            left_count[c.left] = left_count.get(c.left, 0) + 1
            right_count[c.right] = right_count.get(c.right, 0) + 1
        for c in free:
            if left_count[c.left] > 1 or right_count[c.right] > 1:
                tied.append(c)
                tied_left.add(c.left)
                tied_right.add(c.right)
            else:
                won_left[c.left] = c
                won_right[c.right] = c

    proposals: list[Proposal] = []
    for c in won_left.values():
        band = c.comparison.band if auto_link else "likely"
        extra: tuple[str, ...] = ()
        rival = _close_rival(c, by_left, by_right, won_left, won_right)
        if rival is not None:
            extra = (rival,)
            band = "likely"
        proposals.append(c.proposal(band=band, extra=extra))

    review: list[Proposal] = []
    for c in tied:
        others = sorted(
            (
                {o.right_id for o in by_left[c.left] if o.key == c.key}
                | {o.left_id for o in by_right[c.right] if o.key == c.key}
            )
            - {c.left_id, c.right_id}
        )
        review.append(
            c.proposal(band="likely", extra=(f"two equally good candidates (also {', '.join(others)})",))
        )
    shown: dict[int, int] = {}
    for c in lost:
        if c.left in won_left or c.left in tied_left or shown.get(c.left, 0) >= MAX_REVIEW_PER_RECORD:
            continue
        winner = won_right.get(c.right)
        if winner is not None:
            why = f"{c.right_id} was taken by {winner.left_id} (score {winner.comparison.score:.2f})"
        else:
            why = f"{c.right_id} has two equally good candidates"
        shown[c.left] = shown.get(c.left, 0) + 1
        review.append(c.proposal(band="likely", extra=(why,)))
    proposals.sort(key=lambda p: (p.left_id, p.right_id))
    review.sort(key=lambda p: (p.left_id, -p.score, p.right_id))
    return proposals, review


def _close_rival(
    c: Candidate,
    by_left: dict[int, list[Candidate]],
    by_right: dict[int, list[Candidate]],
    won_left: dict[int, Candidate],
    won_right: dict[int, Candidate],
) -> str | None:
    """A reason naming a nearly-as-good alternative for either record of ``c``, or None.

    An alternative only counts when its other record is not itself clearly better placed elsewhere:
    a right record's other admirer who won a much better pair is no rival.
    """
    threshold = c.key - CLOSE_MARGIN
    for other in by_left[c.left]:
        if other is c or other.key < threshold:
            continue
        holder = won_right.get(other.right)
        if holder is not None and holder is not c and holder.key > other.key + CLOSE_MARGIN:
            continue
        return f"nearly as good: {other.right_id} (score {score_from_total(other.comparison.total):.2f})"
    for other in by_right[c.right]:
        if other is c or other.key < threshold:
            continue
        holder = won_left.get(other.left)
        if holder is not None and holder is not c and holder.key > other.key + CLOSE_MARGIN:
            continue
        return f"nearly as good: {other.left_id} (score {score_from_total(other.comparison.total):.2f})"
    return None
