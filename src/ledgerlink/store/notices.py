"""Which emails a company's administrators were sent, by kind and day: the claim that keeps it to one
of each kind a day even when two sends finish at once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ledgerlink.store.people_tables import NoticeSentRow


class NoticeRepository:
    def __init__(self, session: Session, company_id: int) -> None:
        self.session = session
        self.company_id = company_id

    def claim(self, kind: str, day: date, recipients: int) -> bool:
        """True if no notice of `kind` was sent on `day` yet, and now this one is; False otherwise."""
        if self.sent(kind, day):
            return False
        try:
            with self.session.begin_nested():
                self.session.add(
                    NoticeSentRow(company_id=self.company_id, kind=kind, day=day, recipients=recipients)
                )
        except IntegrityError:  # another process claimed it first
            return False
        return True

    def release(self, kind: str, day: date) -> None:
        """Forget a claim whose email could not be sent, so a later send tries again."""
        row = self.session.scalar(self._query(kind, day))
        if row is not None:
            self.session.delete(row)
            self.session.flush()

    def sent(self, kind: str, day: date) -> bool:
        return self.session.scalar(self._query(kind, day)) is not None

    def _query(self, kind: str, day: date) -> Select[NoticeSentRow]:
        return select(NoticeSentRow).where(
            NoticeSentRow.company_id == self.company_id, NoticeSentRow.kind == kind, NoticeSentRow.day == day
        )
