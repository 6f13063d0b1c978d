"""Companies: the tenants every other row belongs to."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ledgerlink.errors import RecordNotFound
from ledgerlink.store.tables import CompanyRow


@dataclass(frozen=True)
class Company:
    id: int
    slug: str
    name: str
    created_at: datetime
    onboarding_path: str | None = None


def slugify(name: str) -> str:
    """The short lowercase handle a company is named by on the command line ("Hollis Heating" -> hollis-heating)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")
    return slug or "company"


class CompanyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, name: str, *, slug: str | None = None) -> Company:
        row = CompanyRow(slug=slug or slugify(name), name=name.strip())
        self.session.add(row)
        self.session.flush()
        return _company(row)

    def find(self, slug_or_name: str) -> Company | None:
        row = self.session.scalar(select(CompanyRow).where(CompanyRow.slug == slugify(slug_or_name)))
        return _company(row) if row else None

    def find_by_id(self, company_id: int) -> Company | None:
        row = self.session.get(CompanyRow, company_id)
        return _company(row) if row else None

    def get(self, slug_or_name: str) -> Company:
        company = self.find(slug_or_name)
        if company is None:
            raise RecordNotFound(
                f"there is no company {slug_or_name!r}; create it with `ledgerlink init --company NAME`"
            )
        return company

    def ensure(self, name: str) -> Company:
        return self.find(name) or self.add(name)

    def list(self) -> list[Company]:
        return [_company(row) for row in self.session.scalars(select(CompanyRow).order_by(CompanyRow.slug))]

    def choose_onboarding_path(self, company_id: int, path: str) -> None:
        """Keep the path a person chose before connecting: it outlives their session."""
        row = self.session.get(CompanyRow, company_id)
        if row is None:
            raise RecordNotFound(f"there is no company with id {company_id}")
        row.onboarding_path = path
        self.session.flush()

    def delete(self, company_id: int) -> None:
        """Remove a company and, through the cascades, everything it owns."""
        self.session.execute(delete(CompanyRow).where(CompanyRow.id == company_id))


def _company(row: CompanyRow) -> Company:
    return Company(
        id=row.id,
        slug=row.slug,
        name=row.name,
        created_at=row.created_at,
        onboarding_path=row.onboarding_path,
    )
