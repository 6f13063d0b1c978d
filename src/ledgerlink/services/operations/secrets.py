"""Encrypting tokens at rest.

The key comes from `LEDGERLINK_SECRET_KEY`; on the embedded default a key file is made next to the
database, readable by its owner only. A key that is lost or changed cannot open old tokens: the
connection then needs reconnecting, which is said plainly, never a crash.
"""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from ledgerlink.settings import Settings

KEY_FILE_NAME = "secret.key"


class CannotDecrypt(Exception):
    """The stored secret was sealed with another key; the connection must be made again."""


def _fernet_key(secret: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(secret.encode()).digest())


def _key_file_secret(data_dir: Path) -> str:
    path = data_dir / KEY_FILE_NAME
    if path.exists():
        return path.read_text().strip()
    data_dir.mkdir(parents=True, exist_ok=True)
    secret = base64.urlsafe_b64encode(os.urandom(32)).decode()
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(secret)
    return secret


class SecretBox:
    """Seals and opens short secrets (tokens) with one key."""

    def __init__(self, secret: str) -> None:
        self._fernet = Fernet(_fernet_key(secret))

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        return cls(settings.secret_key or _key_file_secret(settings.data_dir))

    def seal(self, plain: str) -> str:
        return self._fernet.encrypt(plain.encode()).decode()

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode()).decode()
        except InvalidToken as error:
            raise CannotDecrypt("stored tokens were sealed with another secret key") from error

    def __repr__(self) -> str:
        return "SecretBox(<hidden>)"
