"""The data-quality report of an import: per record what it becomes and why, and the counts.

A person decides whether to import from this report, so it answers what they would ask: what will be
created, what is skipped and why, what is already on the jobs side (offered for linking instead), and
which contacts look like the same party typed twice in the package. Duplicates are found by the
matching engine, the list matched against itself.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

from ledgerlink.domain.records import Customer, Supplier
from ledgerlink.matching import Decisions, Party, match
from ledgerlink.services.importing.review import FieldChange
from ledgerlink.services.importing.transform import Issue, IssueCode, Transformed
from ledgerlink.services.spreadsheets import SheetWriter

Outcome = Literal["create", "ask", "skip", "offer_link", "already_linked"]

OUTCOME_WORDS: dict[Outcome, str] = {
    "create": "would be created",
    "ask": "asks: customer or supplier?",
    "skip": "skipped",
    "offer_link": "offered for linking",
    "already_linked": "already linked",
}


@dataclass(frozen=True)
class Duplicate:
    """Another contact of the same package that looks like the same party, and why."""

    package_id: str
    name: str
    band: str
    reasons: tuple[str, ...]

    def __str__(self) -> str:
        return f"{self.package_id} {self.name} ({self.band}: {'; '.join(self.reasons)})"


@dataclass(frozen=True)
class RecordReport:
    """One package contact: what it becomes, what happens to it, and every problem found."""

    package_id: str
    name: str
    source_id: str
    outcome: Outcome
    becomes: str
    issues: tuple[Issue, ...] = ()
    duplicates: tuple[Duplicate, ...] = ()
    linked_to: str = ""  # the jobs-side record it is (or would be) linked to, when not created
    reason: str = ""  # why it is not created
    changes: tuple[FieldChange, ...] = ()  # each field as the package has it and as it will be kept

    @property
    def errors(self) -> tuple[Issue, ...]:
        return tuple(issue for issue in self.issues if issue.severity == "error")

    @property
    def warnings(self) -> tuple[Issue, ...]:
        return tuple(issue for issue in self.issues if issue.severity == "warning")


@dataclass(frozen=True)
class ImportSummary:
    """The counts a person reads first."""

    contacts: int
    outcomes: dict[Outcome, int]
    problems: dict[str, int]  # issue code -> how many records have it
    duplicate_groups: int

    @property
    def create(self) -> int:
        return self.outcomes.get("create", 0)

    @property
    def asked(self) -> int:
        """Contacts the package does not say are customers or suppliers: imported only when chosen."""
        return self.outcomes.get("ask", 0)

    @property
    def skipped(self) -> int:
        return self.outcomes.get("skip", 0)

    @property
    def offered_for_linking(self) -> int:
        return self.outcomes.get("offer_link", 0)

    @property
    def already_linked(self) -> int:
        return self.outcomes.get("already_linked", 0)

    def as_dict(self) -> dict[str, object]:
        return {
            "contacts": self.contacts,
            "create": self.create,
            "asked": self.asked,
            "skipped": self.skipped,
            "offered_for_linking": self.offered_for_linking,
            "already_linked": self.already_linked,
            "duplicate_groups": self.duplicate_groups,
            "problems": dict(self.problems),
        }


def summarise(records: Sequence[RecordReport]) -> ImportSummary:
    outcomes: Counter[Outcome] = Counter(record.outcome for record in records)
    problems: Counter[str] = Counter()
    for record in records:
        problems.update({issue.code.value for issue in record.issues})
    groups = _groups(records)
    return ImportSummary(
        contacts=len(records),
        outcomes={outcome: outcomes.get(outcome, 0) for outcome in OUTCOME_WORDS},
        problems={code.value: problems[code.value] for code in IssueCode if problems[code.value]},
        duplicate_groups=groups,
    )


def _groups(records: Sequence[RecordReport]) -> int:
    """How many sets of contacts look like one party (connected by duplicate pairs)."""
    parent: dict[str, str] = {}

    def root(item: str) -> str:
        while parent.setdefault(item, item) != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    for record in records:
        for duplicate in record.duplicates:
            parent[root(record.package_id)] = root(duplicate.package_id)
    return len({root(item) for item in parent})


# --- parties for the matching engine ---------------------------------------------------------------


def party_of(record: Customer | Supplier, party_id: str) -> Party:
    """A jobs-side customer or supplier as the matching engine reads it."""
    address = record.address
    if isinstance(record, Supplier):
        return Party(
            id=party_id,
            kind="commercial",
            name=record.name,
            company_name=record.name,
            address_lines=address.lines,
            town=address.town,
            postcode=address.postcode,
            email=record.email,
            phone=record.phone,
            reference=record.account_reference,
        )
    return Party(
        id=party_id,
        kind=record.customer_type,
        title=record.title,
        first_name=record.first_name,
        last_name=record.last_name,
        company_name=record.company_name,
        address_lines=address.lines,
        town=address.town,
        postcode=address.postcode,
        email=record.email,
        phone=record.phone or record.mobile,
        reference=record.account_reference,
    )


def duplicates_within(transformed: Sequence[Transformed]) -> dict[str, tuple[Duplicate, ...]]:
    """For each contact, the others in the same package that look like the same party.

    The package's list is matched against itself; a contact is never compared with itself.
    """
    parties = [party_of(t.record, t.package_id) for t in transformed if t.record is not None]
    if len(parties) < 2:
        return {}
    names = {t.package_id: t.package_name for t in transformed}
    result = match(parties, parties, decisions=Decisions.of(rejected=[(p.id, p.id) for p in parties]))
    found: dict[str, dict[str, Duplicate]] = {}
    for proposal in (*result.proposals, *result.review):
        a, b = proposal.left_id, proposal.right_id
        if a == b:
            continue
        for one, other in ((a, b), (b, a)):
            known = found.setdefault(one, {})
            if other not in known or (proposal.band == "sure" and known[other].band != "sure"):
                known[other] = Duplicate(other, names.get(other, ""), proposal.band, proposal.reasons)
    return {key: tuple(sorted(value.values(), key=lambda d: d.package_id)) for key, value in found.items()}


# --- the CSV a person opens in a spreadsheet -------------------------------------------------------

CSV_COLUMNS = (
    "package_id",
    "name",
    "becomes",
    "outcome",
    "jobs_side_id",
    "errors",
    "warnings",
    "duplicate_of",
)


def csv_rows(records: Iterable[RecordReport]) -> list[dict[str, str]]:
    rows = []
    for record in records:
        rows.append(
            {
                "package_id": record.package_id,
                "name": record.name,
                "becomes": record.becomes,
                "outcome": OUTCOME_WORDS[record.outcome] + (f": {record.reason}" if record.reason else ""),
                "jobs_side_id": record.linked_to or (record.source_id if record.outcome == "create" else ""),
                "errors": "; ".join(str(issue) for issue in record.errors),
                "warnings": "; ".join(
                    str(issue) for issue in record.warnings if issue.code is not IssueCode.DUPLICATE
                ),
                "duplicate_of": "; ".join(str(duplicate) for duplicate in record.duplicates),
            }
        )
    return rows


def to_csv(records: Iterable[RecordReport]) -> str:
    """The report as a file a person opens in a spreadsheet: no contact's name or reason runs there."""
    buffer = io.StringIO()
    writer = SheetWriter(buffer, CSV_COLUMNS, lineterminator="\n")
    for row in csv_rows(records):
        writer.mapping(row)
    return buffer.getvalue()
