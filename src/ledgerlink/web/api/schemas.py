"""The REST API's shapes, named by role: `<Kind>Create` for what the job system sends, `...Public` for answers.

A `<Kind>Create` is the record as domain/records.py defines it, without `source_id`, which the path
carries; the domain model stays the single definition of what a record is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from ledgerlink.domain.records import RECORD_TYPES, RecordKind


def _create_model(kind: RecordKind) -> type[BaseModel]:
    domain = RECORD_TYPES[kind]
    fields: dict[str, Any] = {
        name: (info.annotation, info) for name, info in domain.model_fields.items() if name != "source_id"
    }
    name = "".join(part.title() for part in kind.value.split("_")) + "Create"
    model: type[BaseModel] = create_model(
        name,
        __config__=ConfigDict(extra="forbid", str_strip_whitespace=True),
        __doc__=f"A {kind.label} as the job system holds it; its id is the last part of the path.",
        **fields,
    )
    return model


CREATE_MODELS: dict[RecordKind, type[BaseModel]] = {kind: _create_model(kind) for kind in RecordKind}


class ErrorPublic(BaseModel):
    """What went wrong, in words."""

    detail: str


class StepMissingPublic(BaseModel):
    """An action the onboarding path does not allow yet, and the steps still missing."""

    detail: str
    missing: list[str] = Field(default_factory=list)


class FieldErrorPublic(BaseModel):
    loc: list[str | int]
    msg: str
    type: str


class ValidationErrorPublic(BaseModel):
    """A record the API would not keep: each problem names its field (`loc`)."""

    detail: list[FieldErrorPublic]


class FindingPublic(BaseModel):
    field: str
    message: str
    severity: Literal["error", "warning"]


class RecordWritePublic(BaseModel):
    """A record stored: created, updated (a new version), or unchanged; warnings a person should see."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "kind": "invoice",
                    "source_id": "INV-1001",
                    "result": "created",
                    "version": "3f1c0a9b2d4e5f607182",
                    "warnings": [],
                }
            ]
        }
    )

    kind: RecordKind
    source_id: str
    result: Literal["created", "updated", "unchanged"]
    version: str
    warnings: list[FindingPublic]


SendState = Literal[
    "not_queued", "waiting", "processing", "sent", "failed", "uncertain", "blocked", "do_not_send"
]


class RecordStatusPublic(BaseModel):
    """Where one record stands on its way to the package, and the package's id once it is there."""

    kind: RecordKind
    source_id: str
    version: str
    state: SendState
    package_id: str
    reason: str
    field: str
    attempts: int
    sent_at: datetime | None
    changed_after_sending: str


class FailurePublic(BaseModel):
    entry_id: int
    kind: RecordKind
    source_id: str
    number: str
    state: SendState
    reason: str
    field: str
    attempts: int
    updated_at: datetime


class SendPublic(BaseModel):
    """A send in the background: running, or finished with the counts it left."""

    running: bool
    done: int
    total: int
    started_at: datetime | None
    stopped: str
    counts: dict[str, int]


class StepPublic(BaseModel):
    name: str
    title: str
    complete: bool
    missing: str


class OnboardingPublic(BaseModel):
    path: str
    connected: bool
    package: str
    business: str
    current: str | None
    steps: list[StepPublic]
