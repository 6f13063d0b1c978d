"""People who sign in and the API keys the job system calls with; each belongs to one company."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from sqlalchemy import Table, case, delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ledgerlink.errors import RecordNotFound
from ledgerlink.store.people_tables import ApiKeyRow, SignInFailureRow, UserRow
from ledgerlink.store.tables import utcnow


@dataclass(frozen=True)
class User:
    id: int
    company_id: int
    email: str
    name: str
    password_hash: str
    is_admin: bool
    created_at: datetime
    last_sign_in_at: datetime | None
    session_version: int = 0


@dataclass(frozen=True)
class ApiKey:
    id: int
    company_id: int
    name: str
    prefix: str
    key_hash: str
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


class UserRepository:
    """Users across companies: sign-in looks a person up by email before their company is known."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def count(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(UserRow)) or 0)

    def add(
        self, *, company_id: int, email: str, password_hash: str, name: str = "", is_admin: bool = False
    ) -> User:
        row = UserRow(
            company_id=company_id, email=email, password_hash=password_hash, name=name, is_admin=is_admin
        )
        self.session.add(row)
        self.session.flush()
        return _user(row)

    def find_by_email(self, email: str) -> User | None:
        row = self.session.scalar(select(UserRow).where(UserRow.email == email))
        return _user(row) if row else None

    def find(self, user_id: int) -> User | None:
        row = self.session.get(UserRow, user_id)
        return _user(row) if row else None

    def of_company(self, company_id: int) -> list[User]:
        rows = self.session.scalars(
            select(UserRow).where(UserRow.company_id == company_id).order_by(UserRow.id)
        )
        return [_user(row) for row in rows]

    def signed_in(self, user_id: int) -> None:
        self.session.execute(update(UserRow).where(UserRow.id == user_id).values(last_sign_in_at=utcnow()))

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        self.session.execute(update(UserRow).where(UserRow.id == user_id).values(password_hash=password_hash))

    def end_sessions(self, user_id: int) -> None:
        """Every session begun before now opens nothing more (the version each holds is behind)."""
        self.session.execute(
            update(UserRow)
            .where(UserRow.id == user_id)
            .values(session_version=UserRow.session_version + 1)
            .execution_options(synchronize_session=False)
        )


class SignInFailureRepository:
    """Counts of wrong passwords by scope ("account", "address") and key; each count moves in one
    statement, so web processes counting at once lose none."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def blocked_until(self, keys: list[tuple[str, str]], now: datetime) -> datetime | None:
        """The latest moment any of `keys` is blocked until, if one is blocked after `now`."""
        found = [
            until
            for scope, key in keys
            for until in self.session.scalars(
                select(SignInFailureRow.blocked_until).where(
                    SignInFailureRow.scope == scope,
                    SignInFailureRow.key == key,
                    SignInFailureRow.blocked_until > now,
                )
            )
            if until is not None
        ]
        return max(found, default=None)

    def failed(self, scope: str, key: str, now: datetime, *, forget_before: datetime) -> int:
        """One more failure (the first, if the last was before `forget_before`); answers the count."""
        insert = pg_insert if self.session.get_bind().dialect.name == "postgresql" else sqlite_insert
        table = cast(Table, SignInFailureRow.__table__)
        first = insert(table).values(scope=scope, key=key, failures=1, last_failure_at=now)
        statement = first.on_conflict_do_update(
            index_elements=["scope", "key"],
            set_={
                "failures": case((table.c.last_failure_at < forget_before, 1), else_=table.c.failures + 1),
                "last_failure_at": now,
            },
        ).returning(table.c.failures)
        return int(self.session.execute(statement).scalar_one())

    def block(self, scope: str, key: str, until: datetime) -> None:
        self.session.execute(
            update(SignInFailureRow)
            .where(SignInFailureRow.scope == scope, SignInFailureRow.key == key)
            .values(blocked_until=until)
        )

    def forget(self, scope: str, key: str) -> None:
        self.session.execute(
            delete(SignInFailureRow).where(SignInFailureRow.scope == scope, SignInFailureRow.key == key)
        )


class ApiKeyRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, *, company_id: int, name: str, prefix: str, key_hash: str) -> ApiKey:
        row = ApiKeyRow(company_id=company_id, name=name, prefix=prefix, key_hash=key_hash)
        self.session.add(row)
        self.session.flush()
        return _key(row)

    def find_by_prefix(self, prefix: str) -> ApiKey | None:
        row = self.session.scalar(select(ApiKeyRow).where(ApiKeyRow.prefix == prefix))
        return _key(row) if row else None

    def of_company(self, company_id: int) -> list[ApiKey]:
        rows = self.session.scalars(
            select(ApiKeyRow).where(ApiKeyRow.company_id == company_id).order_by(ApiKeyRow.id)
        )
        return [_key(row) for row in rows]

    def revoke(self, company_id: int, key: str) -> ApiKey:
        """Revoke the company's key named by id or prefix; another company's key is not found."""
        query = select(ApiKeyRow).where(ApiKeyRow.company_id == company_id)
        by_id = key.isascii() and key.isdigit() and int(key) < 2**63  # a larger number is no row's id
        query = query.where(ApiKeyRow.id == int(key)) if by_id else query.where(ApiKeyRow.prefix == key)
        row = self.session.scalar(query)
        if row is None:
            raise RecordNotFound(f"there is no API key {key!r} for this company")
        if row.revoked_at is None:
            row.revoked_at = utcnow()
            self.session.flush()
        return _key(row)

    def used(self, key_id: int) -> None:
        self.session.execute(update(ApiKeyRow).where(ApiKeyRow.id == key_id).values(last_used_at=utcnow()))


def _user(row: UserRow) -> User:
    return User(
        id=row.id,
        company_id=row.company_id,
        email=row.email,
        name=row.name,
        password_hash=row.password_hash,
        is_admin=row.is_admin,
        created_at=row.created_at,
        last_sign_in_at=row.last_sign_in_at,
        session_version=row.session_version,
    )


def _key(row: ApiKeyRow) -> ApiKey:
    return ApiKey(
        id=row.id,
        company_id=row.company_id,
        name=row.name,
        prefix=row.prefix,
        key_hash=row.key_hash,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        last_used_at=row.last_used_at,
    )
