"""One transaction and the repositories that work inside it: nothing is kept until `commit()`.

Every repository is reached from here, scoped by what it belongs to, so a service never builds one and
never sees the session:

    uow.companies, uow.users, uow.api_keys     across companies (sign-in finds a person before a company)
    uow.sign_in_failures                       wrong passwords lately, by account and by client address
    uow.schedule                               background work's view of every company's connections
    uow.records(company_id)                    a company's records, reference lists, connections and
    uow.reference(company_id)                  import batches; nothing they do reaches another company
    uow.connections(company_id)
    uow.imports(company_id)
    uow.links(connection_id)                   one connection's links, mappings, the package's lists and
    uow.mappings(connection_id)                contacts as last read, linking proposals and decisions
    uow.package_lists(connection_id)
    uow.package_contacts(connection_id)
    uow.proposals(connection_id)
    uow.decisions(connection_id)
    uow.outbox(connection)                     a connection's outbox: made from its company's records
    uow.inbound(connection)                    what a connection read back from its package
    uow.package_events(company_id)             a company's events from its packages and their webhooks
    uow.inbound_schedule                       across companies: reads and webhook deliveries due
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledgerlink.errors import ConcurrentWrite
from ledgerlink.store.accounts import ApiKeyRepository, SignInFailureRepository, UserRepository
from ledgerlink.store.companies import CompanyRepository
from ledgerlink.store.connections import (
    Connection,
    ConnectionRepository,
    LinkRepository,
    MappingRepository,
    PackageListRepository,
)
from ledgerlink.store.imports import ImportRepository
from ledgerlink.store.inbound import InboundRepository
from ledgerlink.store.linking import DecisionRepository, PackageContactRepository, ProposalRepository
from ledgerlink.store.notices import NoticeRepository
from ledgerlink.store.outbox import OutboxRepository
from ledgerlink.store.package_events import InboundSchedule, PackageEventRepository
from ledgerlink.store.records import RecordRepository
from ledgerlink.store.reference import ReferenceRepository
from ledgerlink.store.schedule import ScheduleRepository


class UnitOfWork:
    """`with store.unit_of_work() as uow: ...; uow.commit()`; leaving without commit rolls back."""

    _session: Session

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> UnitOfWork:
        self._session = self._session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.rollback()
        self._session.close()
        if isinstance(exc, IntegrityError):
            raise ConcurrentWrite(str(exc.orig or exc)) from exc

    @property
    def session(self) -> Session:
        """The transaction itself, for the store's own tests; services reach the store only through
        the repositories below."""
        return self._session

    # --- across companies --------------------------------------------------------------------------

    @property
    def companies(self) -> CompanyRepository:
        return CompanyRepository(self._session)

    @property
    def users(self) -> UserRepository:
        return UserRepository(self._session)

    @property
    def api_keys(self) -> ApiKeyRepository:
        return ApiKeyRepository(self._session)

    @property
    def sign_in_failures(self) -> SignInFailureRepository:
        return SignInFailureRepository(self._session)

    @property
    def schedule(self) -> ScheduleRepository:
        return ScheduleRepository(self._session)

    # --- one company -------------------------------------------------------------------------------

    def records(self, company_id: int) -> RecordRepository:
        """The records of one company; every query it makes is limited to that company."""
        return RecordRepository(self._session, company_id)

    def reference(self, company_id: int) -> ReferenceRepository:
        return ReferenceRepository(self._session, company_id)

    def connections(self, company_id: int) -> ConnectionRepository:
        return ConnectionRepository(self._session, company_id)

    def imports(self, company_id: int) -> ImportRepository:
        return ImportRepository(self._session, company_id)

    def notices(self, company_id: int) -> NoticeRepository:
        """The emails the company's administrators were sent, one of each kind a day."""
        return NoticeRepository(self._session, company_id)

    # --- one connection ----------------------------------------------------------------------------

    def links(self, connection_id: int) -> LinkRepository:
        return LinkRepository(self._session, connection_id)

    def mappings(self, connection_id: int) -> MappingRepository:
        return MappingRepository(self._session, connection_id)

    def package_lists(self, connection_id: int) -> PackageListRepository:
        return PackageListRepository(self._session, connection_id)

    def package_contacts(self, connection_id: int) -> PackageContactRepository:
        return PackageContactRepository(self._session, connection_id)

    def proposals(self, connection_id: int) -> ProposalRepository:
        return ProposalRepository(self._session, connection_id)

    def decisions(self, connection_id: int) -> DecisionRepository:
        return DecisionRepository(self._session, connection_id)

    def outbox(self, connection: Connection) -> OutboxRepository:
        """The connection's outbox; it takes the connection whole because its entries are made from
        the records of the connection's company."""
        return OutboxRepository(self._session, connection.id, connection.company_id)

    def inbound(self, connection: Connection) -> InboundRepository:
        return InboundRepository(self._session, connection.id, connection.company_id)

    def package_events(self, company_id: int) -> PackageEventRepository:
        return PackageEventRepository(self._session, company_id)

    @property
    def inbound_schedule(self) -> InboundSchedule:
        return InboundSchedule(self._session)

    # --- the transaction ---------------------------------------------------------------------------

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """What is done inside is undone alone if it raises; the rest of the transaction goes on."""
        with self._session.begin_nested():
            yield

    def commit(self) -> None:
        """Keep everything done in this unit; a unique key broken by another writer is ConcurrentWrite."""
        try:
            self._session.commit()
        except IntegrityError as error:
            raise ConcurrentWrite(str(error.orig or error)) from error

    def rollback(self) -> None:
        self._session.rollback()
