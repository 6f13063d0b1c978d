"""Connections, the package's lists as last read, mappings and links: one repository each, by connection."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, cast

from sqlalchemy import Connection as DatabaseConnection
from sqlalchemy import Dialect, Table, bindparam, delete, or_, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledgerlink.domain.records import RecordKind
from ledgerlink.errors import LinkConflict, RecordNotFound
from ledgerlink.store.connection_tables import ConnectionRow, LinkRow, MappingRow, PackageListItemRow
from ledgerlink.store.lookups import select_in
from ledgerlink.store.tables import utcnow

ConnectionStatus = Literal["active", "needs_reconnect", "disconnected"]
ListName = Literal["ledger_account", "bank_account", "tax_rate"]
MappingKind = Literal["nominal", "vat_sales", "vat_purchase", "payment_method", "opening"]
LinkHow = Literal["matched", "imported", "created", "manual", "from_package"]


@dataclass(frozen=True)
class Connection:
    id: int
    company_id: int
    package: str
    business_id: str
    business_name: str
    sandbox: bool
    status: ConnectionStatus
    status_reason: str
    paused_until: datetime | None
    onboarding_path: str
    cut_off_date: date | None
    send_mode: str
    send_interval_minutes: int
    access_expires_at: datetime | None
    refresh_expires_at: datetime | None
    token_generation: int
    refreshed_at: datetime | None
    lists_read_at: datetime | None
    last_sent_at: datetime | None
    steps_done: frozenset[str]
    consents: frozenset[str] = frozenset()  # what the user allowed ledgerlink to make in the package

    @property
    def needs_reconnect(self) -> bool:
        return self.status == "needs_reconnect"

    @property
    def label(self) -> str:
        return f"{self.package} · {self.business_name or self.business_id}"


def _connection(row: ConnectionRow) -> Connection:
    return Connection(
        id=row.id,
        company_id=row.company_id,
        package=row.package,
        business_id=row.business_id,
        business_name=row.business_name,
        sandbox=row.sandbox,
        status=row.status,  # type: ignore[arg-type]
        status_reason=row.status_reason,
        paused_until=row.paused_until,
        onboarding_path=row.onboarding_path,
        cut_off_date=row.cut_off_date,
        send_mode=row.send_mode,
        send_interval_minutes=row.send_interval_minutes,
        access_expires_at=row.access_expires_at,
        refresh_expires_at=row.refresh_expires_at,
        token_generation=row.token_generation,
        refreshed_at=row.refreshed_at,
        lists_read_at=row.lists_read_at,
        last_sent_at=row.last_sent_at,
        steps_done=frozenset(step for step in row.steps_done.split(",") if step),
        consents=frozenset(name for name in (row.consents or "").split(",") if name),
    )


class ConnectionRepository:
    """The connections of one company; nothing here can reach another company's."""

    def __init__(self, session: Session, company_id: int) -> None:
        self.session = session
        self.company_id = company_id

    def _row(self, connection_id: int, *, lock: bool = False) -> ConnectionRow:
        query = select(ConnectionRow).where(
            ConnectionRow.id == connection_id, ConnectionRow.company_id == self.company_id
        )
        if lock:
            # FOR NO KEY UPDATE: one holder at a time, yet rows referring to this connection (links, outbox
            # attempts) can still be written meanwhile, so a token refresh never blocks a batch's outcome.
            query = query.with_for_update(key_share=True)
        row = self.session.scalar(query)
        if row is None:
            raise RecordNotFound(f"there is no connection {connection_id} for this company")
        return row

    def get(self, connection_id: int) -> Connection:
        return _connection(self._row(connection_id))

    def current(self) -> Connection | None:
        """The company's connection in use: the newest one not disconnected."""
        row = self.session.scalar(
            select(ConnectionRow)
            .where(ConnectionRow.company_id == self.company_id, ConnectionRow.status != "disconnected")
            .order_by(ConnectionRow.connected_at.desc(), ConnectionRow.id.desc())
        )
        return _connection(row) if row else None

    def list(self) -> list[Connection]:
        rows = self.session.scalars(
            select(ConnectionRow)
            .where(ConnectionRow.company_id == self.company_id)
            .order_by(ConnectionRow.id)
        )
        return [_connection(row) for row in rows]

    def connect(
        self,
        *,
        package: str,
        business_id: str,
        business_name: str,
        sandbox: bool,
        sealed_tokens: str,
        access_expires_at: datetime,
        refresh_expires_at: datetime | None,
    ) -> Connection:
        """Make or renew the connection to this business; a reconnect keeps links, mappings and history."""
        row = self.session.scalar(
            select(ConnectionRow).where(
                ConnectionRow.company_id == self.company_id,
                ConnectionRow.package == package,
                ConnectionRow.business_id == business_id,
            )
        )
        if row is None:
            row = ConnectionRow(company_id=self.company_id, package=package, business_id=business_id)
            self.session.add(row)
        row.business_name = business_name
        row.sandbox = sandbox
        row.status = "active"
        row.status_reason = ""
        row.paused_until = None
        row.sealed_tokens = sealed_tokens
        row.access_expires_at = access_expires_at
        row.refresh_expires_at = refresh_expires_at
        row.token_generation = (row.token_generation or 0) + 1
        row.connected_at = utcnow()
        row.disconnected_at = None
        self.session.flush()
        return _connection(row)

    def sealed_tokens(self, connection_id: int, *, lock: bool = False) -> tuple[str, int]:
        """The sealed token pair and its generation; `lock` holds the row until the transaction ends."""
        row = self._row(connection_id, lock=lock)
        return row.sealed_tokens, row.token_generation

    def store_tokens(
        self,
        connection_id: int,
        *,
        sealed_tokens: str,
        access_expires_at: datetime,
        refresh_expires_at: datetime | None,
    ) -> None:
        row = self._row(connection_id)
        row.sealed_tokens = sealed_tokens
        row.access_expires_at = access_expires_at
        row.refresh_expires_at = refresh_expires_at
        row.token_generation += 1
        row.refreshed_at = utcnow()

    def set_status(self, connection_id: int, status: ConnectionStatus, reason: str = "") -> None:
        row = self._row(connection_id)
        row.status = status
        row.status_reason = reason
        if status == "disconnected":
            row.disconnected_at = utcnow()
            row.sealed_tokens = ""

    def pause_until(self, connection_id: int, until: datetime | None, reason: str = "") -> None:
        row = self._row(connection_id)
        row.paused_until = until
        row.status_reason = reason if until else ""

    def update_settings(self, connection_id: int, **values: Any) -> Connection:
        allowed = {"onboarding_path", "cut_off_date", "send_mode", "send_interval_minutes"}
        unknown = set(values) - allowed
        if unknown:
            raise ValueError(f"not a connection setting: {', '.join(sorted(unknown))}")
        row = self._row(connection_id)
        for name, value in values.items():
            setattr(row, name, value)
        return _connection(row)

    def mark_step(self, connection_id: int, step: str, done: bool = True) -> None:
        row = self._row(connection_id)
        steps = {s for s in row.steps_done.split(",") if s}
        steps = steps | {step} if done else steps - {step}
        row.steps_done = ",".join(sorted(steps))

    def set_consent(self, connection_id: int, name: str, given: bool = True) -> Connection:
        """Keep (or withdraw) the user's consent to something the package needs made."""
        row = self._row(connection_id)
        names = {n for n in (row.consents or "").split(",") if n}
        names = names | {name} if given else names - {name}
        row.consents = ",".join(sorted(names))
        return _connection(row)

    def touch(self, connection_id: int, *, lists_read: bool = False, sent: bool = False) -> None:
        values: dict[str, Any] = {}
        if lists_read:
            values["lists_read_at"] = utcnow()
        if sent:
            values["last_sent_at"] = utcnow()
        if values:
            self.session.execute(
                update(ConnectionRow)
                .where(ConnectionRow.id == connection_id, ConnectionRow.company_id == self.company_id)
                .values(**values)
            )


# --- the package's lists ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ListItem:
    list_name: ListName
    package_id: str
    code: str
    name: str
    content: dict[str, Any]
    active: bool
    gone_since: datetime | None

    @property
    def usable(self) -> bool:
        return self.active and self.gone_since is None


@dataclass(frozen=True)
class ListChanges:
    added: tuple[str, ...] = ()
    gone: tuple[str, ...] = ()
    deactivated: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.added or self.gone or self.deactivated or self.changed)


class PackageListRepository:
    """The package's chart of accounts, bank accounts and tax rates as last read, with what changed."""

    def __init__(self, session: Session, connection_id: int) -> None:
        self.session = session
        self.connection_id = connection_id

    def items(self, list_name: ListName, *, include_gone: bool = False) -> list[ListItem]:
        query = select(PackageListItemRow).where(
            PackageListItemRow.connection_id == self.connection_id, PackageListItemRow.list_name == list_name
        )
        if not include_gone:
            query = query.where(PackageListItemRow.gone_since.is_(None))
        rows = self.session.scalars(query.order_by(PackageListItemRow.code, PackageListItemRow.package_id))
        return [_item(row) for row in rows]

    def replace(
        self, list_name: ListName, items: Sequence[tuple[str, str, str, dict[str, Any], bool]]
    ) -> ListChanges:
        """Store what the package shows now: (id, code, name, content, active); what vanished is marked gone."""
        existing = {
            row.package_id: row
            for row in self.session.scalars(
                select(PackageListItemRow).where(
                    PackageListItemRow.connection_id == self.connection_id,
                    PackageListItemRow.list_name == list_name,
                )
            )
        }
        added: list[str] = []
        deactivated: list[str] = []
        changed: list[str] = []
        seen: set[str] = set()
        for package_id, code, name, content, active in items:
            seen.add(package_id)
            label = f"{code} {name}".strip()
            encoded = json.dumps(content, sort_keys=True, default=str)
            row = existing.get(package_id)
            if row is None:
                self.session.add(
                    PackageListItemRow(
                        connection_id=self.connection_id,
                        list_name=list_name,
                        package_id=package_id,
                        code=code,
                        name=name,
                        content=encoded,
                        active=active,
                    )
                )
                added.append(label)
                continue
            if row.active and not active:
                deactivated.append(label)
            elif (row.code, row.name, row.content) != (code, name, encoded) or row.gone_since is not None:
                changed.append(label)
            row.code, row.name, row.content, row.active, row.gone_since = code, name, encoded, active, None
        gone = []
        for package_id, row in existing.items():
            if package_id not in seen and row.gone_since is None:
                row.gone_since = utcnow()
                gone.append(f"{row.code} {row.name}".strip())
        self.session.flush()
        return ListChanges(tuple(added), tuple(gone), tuple(deactivated), tuple(changed))

    def find(self, list_name: ListName, package_id: str) -> ListItem | None:
        row = self.session.scalar(
            select(PackageListItemRow).where(
                PackageListItemRow.connection_id == self.connection_id,
                PackageListItemRow.list_name == list_name,
                PackageListItemRow.package_id == package_id,
            )
        )
        return _item(row) if row else None


def _item(row: PackageListItemRow) -> ListItem:
    return ListItem(
        list_name=row.list_name,  # type: ignore[arg-type]
        package_id=row.package_id,
        code=row.code,
        name=row.name,
        content=json.loads(row.content),
        active=row.active,
        gone_since=row.gone_since,
    )


# --- mappings --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mapping:
    kind: MappingKind
    jobs_code: str
    package_id: str
    set_by: str


class MappingRepository:
    def __init__(self, session: Session, connection_id: int) -> None:
        self.session = session
        self.connection_id = connection_id

    def all(self) -> list[Mapping]:
        rows = self.session.scalars(
            select(MappingRow)
            .where(MappingRow.connection_id == self.connection_id)
            .order_by(MappingRow.mapping_kind, MappingRow.jobs_code)
        )
        return [Mapping(row.mapping_kind, row.jobs_code, row.package_id, row.set_by) for row in rows]  # type: ignore[arg-type]

    def as_dict(self) -> dict[tuple[MappingKind, str], str]:
        return {(mapping.kind, mapping.jobs_code): mapping.package_id for mapping in self.all()}

    def set(self, kind: MappingKind, jobs_code: str, package_id: str, *, set_by: str = "user") -> None:
        row = self.session.scalar(
            select(MappingRow).where(
                MappingRow.connection_id == self.connection_id,
                MappingRow.mapping_kind == kind,
                MappingRow.jobs_code == jobs_code,
            )
        )
        if row is None:
            row = MappingRow(connection_id=self.connection_id, mapping_kind=kind, jobs_code=jobs_code)
            self.session.add(row)
        row.package_id = package_id
        row.set_by = set_by
        row.updated_at = utcnow()
        self.session.flush()

    def remove(self, kind: MappingKind, jobs_code: str) -> None:
        self.session.execute(
            delete(MappingRow).where(
                MappingRow.connection_id == self.connection_id,
                MappingRow.mapping_kind == kind,
                MappingRow.jobs_code == jobs_code,
            )
        )


# --- links -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Link:
    record_kind: RecordKind
    source_id: str
    package_id: str
    how: LinkHow
    version_sent: str
    linked_at: datetime


_links = cast(Table, LinkRow.__table__)
_LINKED_EITHER_SIDE = select(_links.c.source_id, _links.c.package_id).where(
    _links.c.connection_id == bindparam("connection"),
    _links.c.record_kind == bindparam("kind"),
    or_(
        _links.c.source_id.in_(bindparam("sources", expanding=True)),
        _links.c.package_id.in_(bindparam("packages", expanding=True)),
    ),
)


# The new links as arrays, each row skipped where either unique side is held already, answering the
# source ids it inserted: one statement however many links, where SQLAlchemy's many-rows INSERT costs
# more to build than PostgreSQL takes to run it, and a send makes one for every group of calls. The
# arrays go in psycopg's binary format (%b), which it does not escape element by element in Python.
_NEW_LINKS_FROM_ARRAYS = (
    "INSERT INTO links (connection_id, record_kind, source_id, package_id, how, version_sent, linked_at) "
    "SELECT %s, %s, new.source_id, new.package_id, %s, new.version_sent, %s "
    "FROM unnest(%b::varchar[], %b::varchar[], %b::varchar[]) AS new(source_id, package_id, version_sent) "
    "ON CONFLICT DO NOTHING RETURNING source_id"
)


@functools.cache
def _insert_new_links(dialect: Dialect) -> Any:
    """SQLite's INSERT of links that skips any row either unique side already holds, answering the
    source ids it inserted; None before SQLite 3.35, which cannot."""
    if not (dialect.insert_returning and dialect.insert_executemany_returning):
        return None
    return sqlite_insert(_links).on_conflict_do_nothing().returning(_links.c.source_id)


class LinkRepository:
    """Record <-> package id, one to one both ways; a second link is refused naming both sides."""

    def __init__(self, session: Session, connection_id: int) -> None:
        self.session = session
        self.connection_id = connection_id

    def _query(self, kind: RecordKind):  # type: ignore[no-untyped-def]
        return select(LinkRow).where(
            LinkRow.connection_id == self.connection_id, LinkRow.record_kind == kind.value
        )

    def find(self, kind: RecordKind, source_id: str) -> Link | None:
        row = self.session.scalar(self._query(kind).where(LinkRow.source_id == source_id))
        return _link(row) if row else None

    def find_by_package_id(self, kind: RecordKind, package_id: str) -> Link | None:
        row = self.session.scalar(self._query(kind).where(LinkRow.package_id == package_id))
        return _link(row) if row else None

    def package_ids(self, kind: RecordKind, source_ids: Iterable[str] | None = None) -> dict[str, str]:
        """Package ids by source id; plain rows, as drafting asks this for every chunk it drafts."""
        if source_ids is None:
            query = select(LinkRow.source_id, LinkRow.package_id).where(
                LinkRow.connection_id == self.connection_id, LinkRow.record_kind == kind.value
            )
            return {row.source_id: row.package_id for row in self.session.execute(query)}
        wanted = list(source_ids)
        if not wanted:
            return {}
        sql = "SELECT source_id, package_id FROM links WHERE connection_id = {0} AND record_kind = {0} AND source_id"
        return dict(select_in(self.session.connection(), sql, (self.connection_id, kind.value), wanted))

    def all(self, kind: RecordKind) -> list[Link]:
        return [_link(row) for row in self.session.scalars(self._query(kind).order_by(LinkRow.source_id))]

    def count(self, kind: RecordKind) -> int:
        return len(self.package_ids(kind))

    def add(
        self, kind: RecordKind, source_id: str, package_id: str, *, how: LinkHow, version_sent: str = ""
    ) -> Link:
        """Link a record to a package object; refused (LinkConflict) if either side is linked already."""
        mine = self.find(kind, source_id)
        if mine is not None and mine.package_id == package_id:
            return mine
        if mine is not None:
            raise _linked_already(kind, source_id, mine.package_id, package_id)
        theirs = self.find_by_package_id(kind, package_id)
        if theirs is not None:
            raise _taken(kind, package_id, theirs.source_id, source_id)
        row = LinkRow(
            connection_id=self.connection_id,
            record_kind=kind.value,
            source_id=source_id,
            package_id=package_id,
            how=how,
            version_sent=version_sent,
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError as error:  # a concurrent writer got there first
            raise LinkConflict(
                f"{kind.label} {source_id} or package id {package_id} was linked meanwhile"
            ) from error
        return _link(row)

    def add_many(
        self, kind: RecordKind, links: Sequence[tuple[str, str, str]], *, how: LinkHow
    ) -> dict[str, LinkConflict]:
        """Link many records of one kind, each (source id, package id, version sent), in one statement.

        The same rules as `add`, answered per record: the conflicts come back by source id and the
        others are linked. A send records every batch's outcome this way, so keeping the links costs one
        INSERT that skips whatever either side already holds (and says what it inserted); only when
        something was skipped are the holders read, to tell a link already made from a conflict.
        """
        if not links:
            return {}
        connection = self.session.connection()
        wanted: dict[str, tuple[str, str]] = {}
        conflicts: dict[str, LinkConflict] = {}
        for source_id, package_id, version_sent in links:
            first = wanted.setdefault(source_id, (package_id, version_sent))[0]
            if first != package_id:
                conflicts[source_id] = _linked_already(kind, source_id, first, package_id)
        inserted = self._insert_new(connection, kind, wanted, how)
        if inserted is None:
            return self._add_each(kind, links, how=how)
        skipped = [source_id for source_id in wanted if source_id not in inserted]
        for start in range(0, len(skipped), 450):
            part = skipped[start : start + 450]
            mine: dict[str, str] = {}
            theirs: dict[str, str] = {}
            holders = connection.execute(
                _LINKED_EITHER_SIDE,
                {
                    "connection": self.connection_id,
                    "kind": kind.value,
                    "sources": part,
                    "packages": [wanted[source_id][0] for source_id in part],
                },
            )
            for row in holders:
                mine[row.source_id] = row.package_id
                theirs[row.package_id] = row.source_id
            for source_id in part:
                package_id = wanted[source_id][0]
                existing = mine.get(source_id)
                if existing == package_id:
                    continue
                if existing is not None:
                    conflicts[source_id] = _linked_already(kind, source_id, existing, package_id)
                else:
                    holder = theirs.get(package_id, "another record")
                    conflicts[source_id] = _taken(kind, package_id, holder, source_id)
        return conflicts

    def _insert_new(
        self,
        connection: DatabaseConnection,
        kind: RecordKind,
        wanted: dict[str, tuple[str, str]],
        how: LinkHow,
    ) -> set[str] | None:
        """The links in `wanted` (source id -> package id, version sent) that neither side held, inserted;
        answers their source ids, or None where the database cannot say which it skipped."""
        now = utcnow()
        if connection.dialect.name == "postgresql":
            packages = [package_id for package_id, _ in wanted.values()]
            versions = [version_sent for _, version_sent in wanted.values()]
            parameters = (self.connection_id, kind.value, how, now, list(wanted), packages, versions)
            return {
                source_id for (source_id,) in connection.exec_driver_sql(_NEW_LINKS_FROM_ARRAYS, parameters)
            }
        statement = _insert_new_links(connection.dialect) if connection.dialect.name == "sqlite" else None
        if statement is None:
            return None
        rows = [
            {
                "connection_id": self.connection_id,
                "record_kind": kind.value,
                "source_id": source_id,
                "package_id": package_id,
                "how": how,
                "version_sent": version_sent,
                "linked_at": now,
            }
            for source_id, (package_id, version_sent) in wanted.items()
        ]
        # one row goes as a plain statement: the many-rows machinery costs more than the row itself
        return {row.source_id for row in connection.execute(statement, rows[0] if len(rows) == 1 else rows)}

    def _add_each(
        self, kind: RecordKind, links: Sequence[tuple[str, str, str]], *, how: LinkHow
    ) -> dict[str, LinkConflict]:
        """`add_many` where the database cannot say which rows an INSERT skipped."""
        conflicts: dict[str, LinkConflict] = {}
        for source_id, package_id, version_sent in links:
            try:
                self.add(kind, source_id, package_id, how=how, version_sent=version_sent)
            except LinkConflict as conflict:
                conflicts[source_id] = conflict
        return conflicts

    def relink(self, kind: RecordKind, source_id: str, package_id: str, *, version: str) -> None:
        """The record now stands for another package object (an invoice credited and issued again)."""
        self.session.execute(
            update(LinkRow)
            .where(
                LinkRow.connection_id == self.connection_id,
                LinkRow.record_kind == kind.value,
                LinkRow.source_id == source_id,
            )
            .values(package_id=package_id, version_sent=version)
        )

    def set_version_sent(self, kind: RecordKind, source_id: str, version: str) -> None:
        self.session.execute(
            update(LinkRow)
            .where(
                LinkRow.connection_id == self.connection_id,
                LinkRow.record_kind == kind.value,
                LinkRow.source_id == source_id,
            )
            .values(version_sent=version)
        )

    def remove(self, kind: RecordKind, source_id: str) -> Link | None:
        link = self.find(kind, source_id)
        if link is not None:
            self.session.execute(
                delete(LinkRow).where(
                    LinkRow.connection_id == self.connection_id,
                    LinkRow.record_kind == kind.value,
                    LinkRow.source_id == source_id,
                )
            )
        return link


def _linked_already(kind: RecordKind, source_id: str, linked_to: str, wanted: str) -> LinkConflict:
    return LinkConflict(
        f"{kind.label} {source_id} is already linked to {linked_to}; unlink it before linking it to {wanted}"
    )


def _taken(kind: RecordKind, package_id: str, holder: str, source_id: str) -> LinkConflict:
    return LinkConflict(
        f"package {kind.label} {package_id} is already linked to {kind.label} {holder}; "
        f"it cannot also be linked to {source_id}"
    )


def _link(row: LinkRow) -> Link:
    return Link(
        record_kind=RecordKind(row.record_kind),
        source_id=row.source_id,
        package_id=row.package_id,
        how=row.how,  # type: ignore[arg-type]
        version_sent=row.version_sent,
        linked_at=row.linked_at,
    )
