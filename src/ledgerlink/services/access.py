"""Which company a caller means, who may sign in, and which keys may call the REST API.

Everything belongs to one company: a command names it, a person signs in to it, a key calls for it.

Passwords are kept as argon2 hashes (`passwords.py` says which may be chosen). API keys are long random strings shown once: only a short prefix
(to find the key) and a SHA-256 of the whole key are kept, so a copy of the database opens nothing. A
plain digest is enough for a key of 32 random bytes, and it keeps every API call cheap, where argon2
would cost each call tens of milliseconds on purpose.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from email_validator import EmailNotValidError, validate_email

from ledgerlink.errors import ConfigurationError, LedgerlinkError, RecordNotFound
from ledgerlink.services import sign_in_throttle
from ledgerlink.services.operations.secrets import KEY_FILE_NAME, SecretBox
from ledgerlink.services.passwords import (
    MAX_PASSWORD_LENGTH,
    hash_password,
    needs_rehash,
    password_problem,
    verify_password,
)
from ledgerlink.settings import Settings
from ledgerlink.store import Company, Store
from ledgerlink.store.accounts import ApiKey, User

KEY_PREFIX = "ll"
# verified against when no one has the email, so an unknown address costs what a known one does
_NOBODY = "$argon2id$v=19$m=65536,t=3,p=4$Jgq5T0/ybADIPsjuJI2yTg$qSDC5Lv/GpVdEjpKGF5X8seC3Vf9TneADtUg84qNZK4"


class SignInRefused(LedgerlinkError):
    """The email and password do not match a user (never says which of the two was wrong)."""


class AccountRefused(LedgerlinkError):
    """A user or key could not be made as asked; the message says what to change. `field` names it."""

    def __init__(self, message: str, *, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class NewApiKey:
    """A key just made: `plain` is shown once and never kept."""

    key: ApiKey
    plain: str


def normal_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise AccountRefused(f"{email!r} is not an email address: {error}", field="email") from None


def _check_password(password: str, *account: str) -> None:
    problem = password_problem(password, account=account)
    if problem:
        raise AccountRefused(problem, field="password")


# --- companies -----------------------------------------------------------------------------------


def company_named(store: Store, name: str) -> Company:
    """The company of this name or slug, or RecordNotFound saying how to make it."""
    with store.unit_of_work() as uow:
        return uow.companies.get(name)


def find_company(store: Store, name: str) -> Company | None:
    with store.unit_of_work() as uow:
        return uow.companies.find(name)


def company_by_id(store: Store, company_id: int) -> Company | None:
    with store.unit_of_work() as uow:
        return uow.companies.find_by_id(company_id)


def ensure_company(store: Store, name: str) -> Company:
    """The company of this name or slug, made if there is none."""
    with store.unit_of_work() as uow:
        company = uow.companies.ensure(name)
        uow.commit()
    return company


def companies(store: Store) -> list[Company]:
    with store.unit_of_work() as uow:
        return uow.companies.list()


# --- people --------------------------------------------------------------------------------------


def needs_first_administrator(store: Store) -> bool:
    """True until someone has been made: the first visit then offers to create the administrator."""
    with store.unit_of_work() as uow:
        return uow.users.count() == 0


def create_first_administrator(store: Store, *, company_name: str, email: str, password: str) -> User:
    """The first user, an administrator of their company (made, or the one of that name)."""
    if not company_name.strip():
        raise AccountRefused("give the company's name", field="company_name")
    address = normal_email(email)
    _check_password(password, address, company_name)
    with store.unit_of_work() as uow:
        users = uow.users
        if users.count():
            raise AccountRefused("the first administrator has already been created; sign in instead")
        company = uow.companies.ensure(company_name.strip())
        user = users.add(
            company_id=company.id, email=address, password_hash=hash_password(password), is_admin=True
        )
        uow.commit()
    return user


def add_user(
    store: Store, company: Company, *, email: str, password: str, name: str = "", is_admin: bool = False
) -> User:
    address = normal_email(email)
    _check_password(password, address, name, company.name)
    with store.unit_of_work() as uow:
        users = uow.users
        if users.find_by_email(address) is not None:
            raise AccountRefused(f"{address} can already sign in", field="email")
        user = users.add(
            company_id=company.id,
            email=address,
            password_hash=hash_password(password),
            name=name.strip(),
            is_admin=is_admin,
        )
        uow.commit()
    return user


def authenticate(
    store: Store, *, email: str, password: str, address: str = "", now: datetime | None = None
) -> User:
    """The person whose email and password these are, or `SignInRefused`; `SignInThrottled` while the
    account or the client's `address` is blocked after wrong passwords (`sign_in_throttle.py`)."""
    now = now or datetime.now(UTC)
    refused = SignInRefused("that email and password do not match; try again")
    try:
        account = normal_email(email)
    except AccountRefused:
        account = ""
    counted_as = (account or email.strip().lower())[:320]
    with store.unit_of_work() as uow:
        sign_in_throttle.check(uow, account=counted_as, address=address, now=now)
        user = uow.users.find_by_email(account) if account else None
    # an unknown email is verified against a fixed hash: the same work, so timing does not say who
    # exists; a password longer than any allowed is not worth hashing
    right = (
        len(password) <= MAX_PASSWORD_LENGTH
        and verify_password(user.password_hash if user else _NOBODY, password)
        and user is not None
    )
    if user is None or not right:
        with store.unit_of_work() as uow:
            sign_in_throttle.failed(uow, account=counted_as, address=address, now=now)
            uow.commit()
        raise refused
    rehashed = hash_password(password) if needs_rehash(user.password_hash) else None
    with store.unit_of_work() as uow:
        users = uow.users
        if rehashed:
            users.set_password_hash(user.id, rehashed)
        users.signed_in(user.id)
        sign_in_throttle.succeeded(uow, account=counted_as)
        uow.commit()
    return user


def sign_out(store: Store, user_id: int) -> None:
    """End every session of the person: a copy of the cookie opens nothing after signing out."""
    with store.unit_of_work() as uow:
        uow.users.end_sessions(user_id)
        uow.commit()


def change_password(store: Store, user: User, *, current: str, new: str, company_name: str = "") -> User:
    """A new password for a person who knows the current one; every other session of theirs ends.

    Answers the person as they now are, to begin their own session again.
    """
    if len(current) > MAX_PASSWORD_LENGTH or not verify_password(user.password_hash, current):
        raise AccountRefused("that is not your current password", field="current_password")
    problem = password_problem(new, account=(user.email, user.name, company_name))
    if problem:
        raise AccountRefused(problem, field="new_password")
    with store.unit_of_work() as uow:
        users = uow.users
        users.set_password_hash(user.id, hash_password(new))
        users.end_sessions(user.id)
        uow.commit()
    changed = user_by_id(store, user.id)
    if changed is None:
        raise RecordNotFound("that person can no longer sign in")
    return changed


def user_by_id(store: Store, user_id: int) -> User | None:
    with store.unit_of_work() as uow:
        return uow.users.find(user_id)


def users_of(store: Store, company_id: int) -> list[User]:
    with store.unit_of_work() as uow:
        return uow.users.of_company(company_id)


# --- API keys ------------------------------------------------------------------------------------


def _digest(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def create_api_key(store: Store, company_id: int, *, name: str = "") -> NewApiKey:
    prefix = secrets.token_hex(6)
    plain = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    with store.unit_of_work() as uow:
        key = uow.api_keys.add(
            company_id=company_id, name=name.strip(), prefix=prefix, key_hash=_digest(plain)
        )
        uow.commit()
    return NewApiKey(key, plain)


def api_keys_of(store: Store, company_id: int) -> list[ApiKey]:
    with store.unit_of_work() as uow:
        return uow.api_keys.of_company(company_id)


def revoke_api_key(store: Store, company_id: int, key: str) -> ApiKey:
    with store.unit_of_work() as uow:
        revoked = uow.api_keys.revoke(company_id, key)
        uow.commit()
    return revoked


def authenticate_api_key(store: Store, plain: str) -> ApiKey:
    """The active key `plain` is, or RecordNotFound (unknown, malformed or revoked alike)."""
    parts = plain.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        raise RecordNotFound("the API key is not valid")
    with store.unit_of_work() as uow:
        keys = uow.api_keys
        key = keys.find_by_prefix(parts[1])
        if key is None or not key.active or not hmac.compare_digest(key.key_hash, _digest(plain.strip())):
            raise RecordNotFound("the API key is not valid")
        keys.used(key.id)
        uow.commit()
    return key


def session_secret(settings: Settings) -> str:
    """The key that signs session cookies: derived from the secret key (or its key file), never equal to it."""
    secret = settings.secret_key
    if not secret:
        SecretBox.from_settings(settings)  # makes the key file if this is the first run
        path = settings.data_dir / KEY_FILE_NAME
        if not path.exists():
            raise ConfigurationError("set LEDGERLINK_SECRET_KEY or run `ledgerlink init`")
        secret = path.read_text().strip()
    return hmac.new(secret.encode(), b"ledgerlink session cookies", hashlib.sha256).hexdigest()


DEMO_EMAIL = "admin@demo.example.com"
DEMO_PASSWORD = "open the demo books"


def ensure_demo_administrator(store: Store, company: Company) -> tuple[str, str]:
    """The demo company's administrator (made if missing): an email and password anyone may read."""
    with store.unit_of_work() as uow:
        existing = uow.users.find_by_email(DEMO_EMAIL)
    if existing is None:
        add_user(
            store, company, email=DEMO_EMAIL, password=DEMO_PASSWORD, name="Demo administrator", is_admin=True
        )
    elif existing.company_id != company.id:
        raise AccountRefused(f"{DEMO_EMAIL} belongs to another company; remove it to serve the demo")
    return DEMO_EMAIL, DEMO_PASSWORD
