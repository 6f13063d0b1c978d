"""What a person has already decided, so that a re-run never undoes it.

A bookkeeper who links two records by hand, rejects a proposal, or marks a customer "create new"
expects the next run to build on that, not to ask again. The engine therefore takes those decisions
as input and proposes only for what is still open.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Decisions:
    """Decisions made by a person (or by an earlier run the person accepted).

    * ``linked``: (left id, right id) pairs that are linked, accepted or set by hand. They are kept
      as they are and both records are out of the running for anything else.
    * ``rejected``: pairs a person said are not the same party; they are never proposed again, but
      each record may still be matched with something else.
    * ``create_new_left`` / ``create_new_right``: ids marked "create new" (or "not in the other
      side"); nothing is proposed for them.
    """

    linked: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    rejected: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    create_new_left: frozenset[str] = field(default_factory=frozenset)
    create_new_right: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(
        cls,
        *,
        linked: Iterable[tuple[str, str]] = (),
        rejected: Iterable[tuple[str, str]] = (),
        create_new_left: Iterable[str] = (),
        create_new_right: Iterable[str] = (),
    ) -> Decisions:
        """Build from any iterables (lists of pairs read from a store or a file)."""
        return cls(
            linked=frozenset((str(a), str(b)) for a, b in linked),
            rejected=frozenset((str(a), str(b)) for a, b in rejected),
            create_new_left=frozenset(map(str, create_new_left)),
            create_new_right=frozenset(map(str, create_new_right)),
        )

    def validate(self) -> None:
        """Refuse decisions that contradict each other, naming the records involved.

        A link is one to one in both directions, so two linked pairs sharing a record cannot both hold,
        and a pair cannot be linked and rejected at once.
        """
        lefts: dict[str, str] = {}
        rights: dict[str, str] = {}
        for left_id, right_id in sorted(self.linked):
            if left_id in lefts:
                raise ValueError(
                    f"left record {left_id!r} is linked to both {lefts[left_id]!r} and {right_id!r}"
                )
            if right_id in rights:
                raise ValueError(
                    f"right record {right_id!r} is linked to both {rights[right_id]!r} and {left_id!r}"
                )
            lefts[left_id] = right_id
            rights[right_id] = left_id
        both = sorted(self.linked & self.rejected)
        if both:
            raise ValueError(f"pair {both[0]!r} is both linked and rejected")
