"""What the Tryton sandbox itself refuses; everything else is Tryton's own answer, passed on unchanged."""

from __future__ import annotations


class TrytonSandboxError(Exception):
    """A business could not be started or changed: the admin API answers `status` with the message."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status
