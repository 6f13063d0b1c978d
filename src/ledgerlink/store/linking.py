"""Package contacts as last read, the engine's latest proposals, and every linking decision a person made.

Linking is reviewed offline, often over days: the contacts are kept so review and search never ask
the package again, the proposals so the review shows what the last run saw, and the decisions (never
deleted) so every re-run builds on what a person said instead of asking again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ledgerlink.domain.package_contact import PackageContact
from ledgerlink.domain.records import Address, RecordKind
from ledgerlink.store.people_tables import LinkDecisionRow, LinkProposalRow, PackageContactRow
from ledgerlink.store.tables import utcnow

Band = Literal["sure", "likely", "none"]
DecisionKind = Literal["matched", "accept", "reject", "manual", "create_new", "unlink", "leave"]

REASON_SEPARATOR = "; "


# --- package contacts ------------------------------------------------------------------------------


def contact_to_json(contact: PackageContact) -> str:
    """The whole contact as JSON (its raw reply included), so it can be shown and matched offline."""
    data = asdict(contact)
    data["address"] = contact.address.model_dump()
    data["updated_at"] = contact.updated_at.isoformat() if contact.updated_at else None
    data["raw"] = dict(contact.raw)
    return json.dumps(data, sort_keys=True, default=str)


def contact_from_json(content: str) -> PackageContact:
    known = {f.name for f in fields(PackageContact)}
    data: dict[str, Any] = {k: v for k, v in json.loads(content).items() if k in known}
    data["address"] = Address(**(data.get("address") or {}))
    updated = data.get("updated_at")
    data["updated_at"] = datetime.fromisoformat(updated) if updated else None
    data["raw"] = data.get("raw") or {}
    return PackageContact(**data)


@dataclass(frozen=True)
class ContactRefresh:
    read: int
    added: int
    gone: int


class PackageContactRepository:
    """One connection's package contacts as last read; a refresh replaces them all."""

    def __init__(self, session: Session, connection_id: int) -> None:
        self.session = session
        self.connection_id = connection_id

    def _query(self) -> Any:
        return select(PackageContactRow).where(PackageContactRow.connection_id == self.connection_id)

    def replace_all(self, contacts: Iterable[PackageContact]) -> ContactRefresh:
        """Store what the package shows now; contacts no longer there are forgotten."""
        existing = {row.package_id: row for row in self.session.scalars(self._query())}
        seen: set[str] = set()
        added = 0
        now = utcnow()
        for contact in contacts:
            if contact.id in seen:
                continue
            seen.add(contact.id)
            row = existing.get(contact.id)
            if row is None:
                row = PackageContactRow(connection_id=self.connection_id, package_id=contact.id)
                self.session.add(row)
                added += 1
            row.name = contact.name[:300]
            row.reference = contact.reference[:100]
            row.is_customer = contact.is_customer
            row.is_supplier = contact.is_supplier
            row.content = contact_to_json(contact)
            row.read_at = now
        gone = [package_id for package_id in existing if package_id not in seen]
        for start in range(0, len(gone), 900):
            self.session.execute(
                delete(PackageContactRow).where(
                    PackageContactRow.connection_id == self.connection_id,
                    PackageContactRow.package_id.in_(gone[start : start + 900]),
                )
            )
        self.session.flush()
        return ContactRefresh(read=len(seen), added=added, gone=len(gone))

    def all(self) -> list[PackageContact]:
        rows = self.session.scalars(self._query().order_by(PackageContactRow.name, PackageContactRow.id))
        return [contact_from_json(row.content) for row in rows]

    def get(self, package_id: str) -> PackageContact | None:
        row = self.session.scalar(self._query().where(PackageContactRow.package_id == package_id))
        return contact_from_json(row.content) if row else None

    def many(self, package_ids: Iterable[str]) -> dict[str, PackageContact]:
        wanted = sorted(set(package_ids))
        found: dict[str, PackageContact] = {}
        for start in range(0, len(wanted), 900):
            query = self._query().where(PackageContactRow.package_id.in_(wanted[start : start + 900]))
            for row in self.session.scalars(query):
                found[row.package_id] = contact_from_json(row.content)
        return found

    def count(self) -> int:
        query = select(func.count()).where(PackageContactRow.connection_id == self.connection_id)
        return int(self.session.scalar(query) or 0)

    def read_at(self) -> datetime | None:
        return self.session.scalar(
            select(PackageContactRow.read_at)
            .where(PackageContactRow.connection_id == self.connection_id)
            .order_by(PackageContactRow.read_at.desc())
            .limit(1)
        )


# --- proposals -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredProposal:
    """The latest word on one record: the package contact proposed (or none), how sure, and why."""

    kind: RecordKind
    source_id: str
    package_id: str
    score: Decimal | None
    band: Band
    reasons: tuple[str, ...]
    created_at: datetime


def _proposal(row: LinkProposalRow) -> StoredProposal:
    return StoredProposal(
        kind=RecordKind(row.record_kind),
        source_id=row.source_id,
        package_id=row.package_id,
        score=row.score,
        band=row.band,  # type: ignore[arg-type]
        reasons=tuple(reason for reason in row.reasons.split("\n") if reason),
        created_at=row.created_at,
    )


class ProposalRepository:
    """The engine's latest proposal per record, replaced by each run and adjusted by each decision."""

    def __init__(self, session: Session, connection_id: int) -> None:
        self.session = session
        self.connection_id = connection_id

    def _query(self, kind: RecordKind) -> Any:
        return select(LinkProposalRow).where(
            LinkProposalRow.connection_id == self.connection_id,
            LinkProposalRow.record_kind == kind.value,
        )

    def replace(self, kind: RecordKind, proposals: Sequence[StoredProposal]) -> None:
        self.session.execute(
            delete(LinkProposalRow).where(
                LinkProposalRow.connection_id == self.connection_id,
                LinkProposalRow.record_kind == kind.value,
            )
        )
        now = utcnow()
        self.session.add_all(
            LinkProposalRow(
                connection_id=self.connection_id,
                record_kind=kind.value,
                source_id=proposal.source_id,
                package_id=proposal.package_id,
                score=proposal.score,
                band=proposal.band,
                reasons="\n".join(proposal.reasons),
                created_at=now,
            )
            for proposal in proposals
        )
        self.session.flush()

    def set(
        self,
        kind: RecordKind,
        source_id: str,
        *,
        package_id: str,
        band: Band,
        reasons: Sequence[str],
        score: Decimal | None = None,
    ) -> None:
        row = self.session.scalar(self._query(kind).where(LinkProposalRow.source_id == source_id))
        if row is None:
            row = LinkProposalRow(
                connection_id=self.connection_id, record_kind=kind.value, source_id=source_id
            )
            self.session.add(row)
        row.package_id = package_id
        row.band = band
        row.reasons = "\n".join(reasons)
        row.score = score
        self.session.flush()

    def get(self, kind: RecordKind, source_id: str) -> StoredProposal | None:
        row = self.session.scalar(self._query(kind).where(LinkProposalRow.source_id == source_id))
        return _proposal(row) if row else None

    def all(self, kind: RecordKind) -> dict[str, StoredProposal]:
        rows = self.session.scalars(self._query(kind).order_by(LinkProposalRow.source_id))
        return {row.source_id: _proposal(row) for row in rows}


# --- decisions -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    id: int
    kind: RecordKind
    source_id: str
    package_id: str
    decision: DecisionKind
    note: str
    decided_by: str
    decided_at: datetime


def _decision(row: LinkDecisionRow) -> Decision:
    return Decision(
        id=row.id,
        kind=RecordKind(row.record_kind),
        source_id=row.source_id,
        package_id=row.package_id,
        decision=row.decision,  # type: ignore[arg-type]
        note=row.note,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
    )


class DecisionRepository:
    """Every decision about a record or a pair, oldest first; nothing is ever deleted, so history stays."""

    def __init__(self, session: Session, connection_id: int) -> None:
        self.session = session
        self.connection_id = connection_id

    def add(
        self,
        kind: RecordKind,
        source_id: str,
        decision: DecisionKind,
        *,
        package_id: str = "",
        note: str = "",
        decided_by: str = "",
    ) -> Decision:
        row = LinkDecisionRow(
            connection_id=self.connection_id,
            record_kind=kind.value,
            source_id=source_id,
            package_id=package_id,
            decision=decision,
            note=note,
            decided_by=decided_by,
            decided_at=utcnow(),
        )
        self.session.add(row)
        self.session.flush()
        return _decision(row)

    def all(self, kind: RecordKind) -> list[Decision]:
        rows = self.session.scalars(
            select(LinkDecisionRow)
            .where(
                LinkDecisionRow.connection_id == self.connection_id,
                LinkDecisionRow.record_kind == kind.value,
            )
            .order_by(LinkDecisionRow.id)
        )
        return [_decision(row) for row in rows]

    def history(self, kind: RecordKind, source_id: str) -> list[Decision]:
        rows = self.session.scalars(
            select(LinkDecisionRow)
            .where(
                LinkDecisionRow.connection_id == self.connection_id,
                LinkDecisionRow.record_kind == kind.value,
                LinkDecisionRow.source_id == source_id,
            )
            .order_by(LinkDecisionRow.id)
        )
        return [_decision(row) for row in rows]
