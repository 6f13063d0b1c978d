"""What the engine answers: proposed links with their reasons, what needs a person, what is new."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Band = Literal["sure", "likely", "none"]
Source = Literal["engine", "decision"]


@dataclass(frozen=True, slots=True)
class Proposal:
    """One proposed link between a left and a right record.

    ``band`` is ``sure`` (safe to link without asking) or ``likely`` (a person should look);
    ``reasons`` say in a bookkeeper's words what agreed and what did not. ``source`` is
    ``decision`` for pairs a person already linked, which are passed through unchanged.
    """

    left_id: str
    right_id: str
    score: float
    band: Band
    reasons: tuple[str, ...]
    source: Source = "engine"


@dataclass(frozen=True, slots=True)
class MatchStats:
    """How much work the run did, for progress reports and benchmarks."""

    left: int
    right: int
    candidate_pairs: int
    blocks: int
    oversized_blocks: int


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The outcome of one run.

    * ``proposals``: one to one in both directions (a record appears in at most one), sorted by left id.
    * ``review``: further candidates a person should see that could not be proposed one to one: two
      equally good candidates, or a candidate another record took. Always band ``likely``.
    * ``unmatched_left`` / ``unmatched_right``: ids with no proposal (to be created new on the other
      side, or left alone), excluding ids a person already marked "create new".
    """

    proposals: tuple[Proposal, ...]
    review: tuple[Proposal, ...]
    unmatched_left: tuple[str, ...]
    unmatched_right: tuple[str, ...]
    stats: MatchStats

    def in_band(self, band: Band) -> tuple[Proposal, ...]:
        """Proposals of one band, e.g. ``result.in_band("sure")`` for the ones to link at once."""
        return tuple(p for p in self.proposals if p.band == band)

    def counts(self) -> dict[str, int]:
        """Counts per band plus review and unmatched, for summaries."""
        return {
            "sure": sum(1 for p in self.proposals if p.band == "sure"),
            "likely": sum(1 for p in self.proposals if p.band == "likely"),
            "review": len(self.review),
            "unmatched_left": len(self.unmatched_left),
            "unmatched_right": len(self.unmatched_right),
        }
