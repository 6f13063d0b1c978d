"""Stored first replies, so that a repeated create returns what the first one did and stores nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

ConflictPolicy = Literal["replay", "refuse"]


def body_hash(body: Any) -> str:
    """A digest of a JSON body that ignores key order and whitespace."""
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class StoredReply:
    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    request_hash: str = ""


@dataclass(frozen=True)
class KeyConflict:
    """The key was used before with a different body, and the policy is to refuse."""

    first: StoredReply


class IdempotencyStore:
    """key -> the first reply; keys are scoped by the caller (e.g. business and resource)."""

    def __init__(self, *, on_conflict: ConflictPolicy = "replay") -> None:
        self.on_conflict: ConflictPolicy = on_conflict
        self._replies: dict[tuple[str, ...], StoredReply] = {}

    def reset(self) -> None:
        self._replies.clear()

    def __len__(self) -> int:
        return len(self._replies)

    def lookup(self, key: tuple[str, ...], request_hash: str) -> StoredReply | KeyConflict | None:
        stored = self._replies.get(key)
        if stored is None:
            return None
        if stored.request_hash != request_hash and self.on_conflict == "refuse":
            return KeyConflict(stored)
        return stored

    def store(self, key: tuple[str, ...], reply: StoredReply) -> None:
        self._replies.setdefault(key, reply)
