"""How the Sage sandbox refuses: Sage's diagnosis array, raised as `SageError` and rendered by `responses`.

Every refusal carries the HTTP status Sage answers with and one `Diagnosis` per problem, each naming
the field it is about (`$source`), so a caller sees every problem of one request at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Diagnosis:
    message: str
    source: str = ""
    data_code: str = "ValidationError"
    severity: str = "error"

    def to_json(self) -> dict[str, str]:
        return {
            "$severity": self.severity,
            "$dataCode": self.data_code,
            "$message": self.message,
            "$source": self.source,
        }


class SageError(Exception):
    """A refusal in Sage's words: an HTTP status and the diagnosis array."""

    def __init__(self, status: int, diagnoses: Sequence[Diagnosis]) -> None:
        super().__init__("; ".join(f"{d.source}: {d.message}" for d in diagnoses))
        self.status = status
        self.diagnoses = tuple(diagnoses)


def invalid(source: str, message: str) -> SageError:
    return SageError(422, [Diagnosis(message, source)])


def not_found(resource: str) -> SageError:
    return SageError(404, [Diagnosis(f"{resource} not found", "", "RecordNotFound")])


class Problems:
    """Collects every diagnosis of one request, so a caller sees all of them at once."""

    def __init__(self) -> None:
        self.items: list[Diagnosis] = []

    def add(self, source: str, message: str) -> None:
        self.items.append(Diagnosis(message, source))

    def raise_if_any(self) -> None:
        if self.items:
            raise SageError(422, self.items)


class BodyError(Exception):
    """The body does not have the shape Sage's schema asks for; `problems` are (field, message) pairs."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{source}: {message}" for source, message in problems))
        self.problems = problems
