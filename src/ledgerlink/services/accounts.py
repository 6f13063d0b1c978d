"""Who may sign in and which keys may call the REST API, each inside one company.

Passwords are kept as argon2 hashes. API keys are long random strings shown once: only a short prefix
(to find the key) and a SHA-256 of the whole key are kept, so a copy of the database opens nothing. A
plain digest is enough for a key of 32 random bytes, and it keeps every API call cheap, where argon2
would cost each call tens of milliseconds on purpose.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email

from ledgerlink.errors import ConfigurationError, LedgerlinkError, RecordNotFound
from ledgerlink.services.secrets import KEY_FILE_NAME, SecretBox
from ledgerlink.settings import Settings
from ledgerlink.store import Company, Store
from ledgerlink.store.accounts import ApiKey, ApiKeyRepository, User, UserRepository

MIN_PASSWORD_LENGTH = 10
KEY_PREFIX = "ll"

_hasher = PasswordHasher()


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


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def normal_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise AccountRefused(f"{email!r} is not an email address: {error}", field="email") from None


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountRefused(
            f"choose a password of at least {MIN_PASSWORD_LENGTH} characters", field="password"
        )


def needs_first_administrator(store: Store) -> bool:
    """True until someone has been made: the first visit then offers to create the administrator."""
    with store.unit_of_work() as uow:
        return UserRepository(uow.session).count() == 0


def create_first_administrator(store: Store, *, company_name: str, email: str, password: str) -> User:
    """The first user, an administrator of their company (made, or the one of that name)."""
    if not company_name.strip():
        raise AccountRefused("give the company's name", field="company_name")
    address = normal_email(email)
    _check_password(password)
    with store.unit_of_work() as uow:
        users = UserRepository(uow.session)
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
    _check_password(password)
    with store.unit_of_work() as uow:
        users = UserRepository(uow.session)
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


def authenticate(store: Store, *, email: str, password: str) -> User:
    refused = SignInRefused("that email and password do not match; try again")
    try:
        address = normal_email(email)
    except AccountRefused:
        raise refused from None
    with store.unit_of_work() as uow:
        users = UserRepository(uow.session)
        user = users.find_by_email(address)
        if user is None:
            _hasher.hash(password)  # the same work either way, so timing does not say who exists
            raise refused
        try:
            _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            raise refused from None
        if _hasher.check_needs_rehash(user.password_hash):
            users.set_password_hash(user.id, hash_password(password))
        users.signed_in(user.id)
        uow.commit()
    return user


def user_by_id(store: Store, user_id: int) -> User | None:
    with store.unit_of_work() as uow:
        return UserRepository(uow.session).find(user_id)


def users_of(store: Store, company_id: int) -> list[User]:
    with store.unit_of_work() as uow:
        return UserRepository(uow.session).of_company(company_id)


# --- API keys ------------------------------------------------------------------------------------


def _digest(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


def create_api_key(store: Store, company_id: int, *, name: str = "") -> NewApiKey:
    prefix = secrets.token_hex(6)
    plain = f"{KEY_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    with store.unit_of_work() as uow:
        key = ApiKeyRepository(uow.session).add(
            company_id=company_id, name=name.strip(), prefix=prefix, key_hash=_digest(plain)
        )
        uow.commit()
    return NewApiKey(key, plain)


def api_keys_of(store: Store, company_id: int) -> list[ApiKey]:
    with store.unit_of_work() as uow:
        return ApiKeyRepository(uow.session).of_company(company_id)


def revoke_api_key(store: Store, company_id: int, key: str) -> ApiKey:
    with store.unit_of_work() as uow:
        revoked = ApiKeyRepository(uow.session).revoke(company_id, key)
        uow.commit()
    return revoked


def authenticate_api_key(store: Store, plain: str) -> ApiKey:
    """The active key `plain` is, or RecordNotFound (unknown, malformed or revoked alike)."""
    parts = plain.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX:
        raise RecordNotFound("the API key is not valid")
    with store.unit_of_work() as uow:
        keys = ApiKeyRepository(uow.session)
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
DEMO_PASSWORD = "demo-password"


def ensure_demo_administrator(store: Store, company: Company) -> tuple[str, str]:
    """The demo company's administrator (made if missing): an email and password anyone may read."""
    with store.unit_of_work() as uow:
        existing = UserRepository(uow.session).find_by_email(DEMO_EMAIL)
    if existing is None:
        add_user(
            store, company, email=DEMO_EMAIL, password=DEMO_PASSWORD, name="Demo administrator", is_admin=True
        )
    elif existing.company_id != company.id:
        raise AccountRefused(f"{DEMO_EMAIL} belongs to another company; remove it to serve the demo")
    return DEMO_EMAIL, DEMO_PASSWORD
