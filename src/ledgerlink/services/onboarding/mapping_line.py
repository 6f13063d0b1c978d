"""One line of the mapping step: a jobs-side code, where it goes now, and what ledgerlink suggests."""

from __future__ import annotations

from dataclasses import dataclass

from ledgerlink.services.onboarding.suggestions import Band, Suggestion
from ledgerlink.store.connections import MappingKind


@dataclass(frozen=True)
class MappingLine:
    """One jobs-side code, where it goes now, and what ledgerlink suggests."""

    kind: MappingKind
    jobs_code: str
    jobs_name: str
    mapped_to: str  # package id, "" when unmapped
    mapped_label: str
    suggestion: Suggestion | None
    problem: str = ""  # why the current mapping cannot be used (gone, inactive, unsuitable)

    @property
    def band(self) -> Band:
        """How sure the suggestion is; none when there is nothing to suggest."""
        return self.suggestion.band if self.suggestion else Band.NONE
