"""One transaction and the repositories that work inside it: nothing is kept until `commit()`."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType

from sqlalchemy.orm import Session

from ledgerlink.store.companies import CompanyRepository
from ledgerlink.store.records import RecordRepository
from ledgerlink.store.reference import ReferenceRepository


class UnitOfWork:
    """`with store.unit_of_work() as uow: ...; uow.commit()`; leaving without commit rolls back."""

    session: Session
    companies: CompanyRepository

    def __init__(self, session_factory: Callable[[], Session]) -> None:
        self._session_factory = session_factory

    def __enter__(self) -> UnitOfWork:
        self.session = self._session_factory()
        self.companies = CompanyRepository(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.rollback()
        self.session.close()

    def records(self, company_id: int) -> RecordRepository:
        """The records of one company; every query it makes is limited to that company."""
        return RecordRepository(self.session, company_id)

    def reference(self, company_id: int) -> ReferenceRepository:
        return ReferenceRepository(self.session, company_id)

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
