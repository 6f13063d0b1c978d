"""The REST API's routes. Written without postponed annotations: each record kind's body type is made
at import time from the domain model, and FastAPI reads it from the function it decorates."""

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError
from starlette.convertors import PathConvertor, register_url_convertor

from ledgerlink.domain.records import RecordKind
from ledgerlink.errors import LedgerlinkError, RecordNotFound
from ledgerlink.services.access import authenticate_api_key
from ledgerlink.services.feeding.books import changed_records, stored_record
from ledgerlink.services.feeding.records import CANCELLABLE, cancel_record, feed_one
from ledgerlink.services.onboarding.steps import onboarding_state
from ledgerlink.services.operations.scheduling import records_arrived
from ledgerlink.services.sending import controls as board
from ledgerlink.web.api.schemas import (
    CREATE_MODELS,
    PAGE_MODELS,
    READ_MODELS,
    ErrorPublic,
    FailurePublic,
    FindingPublic,
    IsoMoment,
    OnboardingPublic,
    RecordStatusPublic,
    RecordWritePublic,
    SendPublic,
    StepMissingPublic,
    StepPublic,
    record_from_body,
    record_public,
)
from ledgerlink.web.deps import Context
from ledgerlink.web.errors import printable

bearer = HTTPBearer(auto_error=False, description="A company's API key: `ledgerlink api-keys create`.")

UNAUTHORISED: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorPublic, "description": "No API key, or one that is unknown or revoked."}
}
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorPublic, "description": "No such record for this company."}
}


def api_company(
    context: Context, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> int:
    """The company the API key belongs to; every call sees that company only."""
    unauthorised = JSONResponse(
        {"detail": "send a company's API key: Authorization: Bearer <key>"},
        status_code=401,
        headers={"WWW-Authenticate": "Bearer"},
    )
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise ApiRefusal(unauthorised)
    try:
        return authenticate_api_key(context.store, credentials.credentials).company_id
    except RecordNotFound:
        raise ApiRefusal(
            JSONResponse(
                {"detail": "the API key is unknown or revoked"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        ) from None


class ApiRefusal(Exception):
    """Answer `response` at once (an authentication refusal, a record that cannot be kept)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class SourceIdConvertor(PathConvertor):
    """A job system's id in the path: any characters, `/` too (`INV/2024/001`), so that the route is
    always found and the id's own rules (`SourceIdPath`) say what is wrong with one. Only an id ending in
    `/status` cannot be told from a record's status, and is not one."""

    regex = "[\\s\\S]+(?<!/status)"


register_url_convertor("source_id", SourceIdConvertor())

Company = Annotated[int, Depends(api_company)]
SourceIdPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=100,
        pattern=r"^\S(.*\S)?$",
        description=(
            "The job system's own id for the record; it may hold `/` (`INV/2024/001`), but not end in `/status`."
        ),
        json_schema_extra={"not": {"pattern": "/status$"}},
    ),
]

router = APIRouter(
    prefix="/api/v1",
    tags=["records"],
    responses={**UNAUTHORISED, 400: {"model": ErrorPublic, "description": "The body is not JSON."}},
)


def _field_errors(errors: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse({"detail": printable(errors)}, status_code=422)


def _put(kind: RecordKind) -> Callable[..., Any]:
    model = CREATE_MODELS[kind]

    def put_record(
        context: Context,
        company: Company,
        source_id: SourceIdPath,
        body: model,  # type: ignore[valid-type]
        response: Response,
    ) -> RecordWritePublic:
        try:
            record = record_from_body(kind, body, source_id)
        except ValidationError as invalid:
            raise ApiRefusal(
                _field_errors(
                    [
                        {
                            "loc": ["path" if e["loc"][:1] == ("source_id",) else "body", *e["loc"]],
                            "msg": e["msg"],
                            "type": e["type"],
                        }
                        for e in invalid.errors()
                    ]
                )
            ) from None
        try:
            fed = feed_one(context.store, company, record)
        except ArithmeticError:
            raise ApiRefusal(
                _field_errors(
                    [{"loc": ["body"], "msg": "the figures cannot be worked out", "type": "arithmetic"}]
                )
            ) from None
        outcome = fed.outcome
        if fed.stored is None:
            raise ApiRefusal(
                _field_errors(
                    [
                        {
                            "loc": ["body", *(f.field.split(".") if f.field else [])],
                            "msg": f.message,
                            "type": "record_invalid",
                        }
                        for f in outcome.findings
                        if f.severity == "error"
                    ]
                )
            )
        records_arrived(
            context.store,
            company,
            changed=int(outcome.result in ("created", "updated")),
            reason="records arrived through the API",
        )
        response.status_code = status.HTTP_201_CREATED if outcome.result == "created" else status.HTTP_200_OK
        return RecordWritePublic(
            kind=kind,
            source_id=record.source_id,
            result=outcome.result,
            version=fed.stored.version,
            warnings=[
                FindingPublic(field=f.field, message=f.message, severity=f.severity)
                for f in outcome.findings
                if f.severity == "warning"
            ],
        )

    put_record.__name__ = f"put_{kind.value}"
    put_record.__doc__ = (
        f"Create or update a {kind.label} by the job system's id. A record with an error is not kept "
        "(422, each problem naming its field); the same record again changes nothing."
    )
    return put_record


for _kind in RecordKind:
    router.add_api_route(
        f"/{_kind.value}/{{source_id:source_id}}",
        _put(_kind),
        methods=["PUT"],
        status_code=200,
        response_model=RecordWritePublic,
        responses={201: {"model": RecordWritePublic, "description": "Created."}},
        summary=f"Create or update a {_kind.label}",
        operation_id=f"put_{_kind.value}",
    )


def _get(kind: RecordKind) -> Callable[..., Any]:
    def get_record(context: Context, company: Company, source_id: SourceIdPath) -> Any:
        return record_public(stored_record(context.store, company, kind, source_id))

    get_record.__name__ = f"get_{kind.value}"
    get_record.__doc__ = f"One {kind.label} as ledgerlink holds it, with its version and warnings."
    return get_record


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _cursor(stored: Any) -> str:
    """Where the next page starts: the last record's change time (microseconds since 1970) and row.
    Any such pair is a position, so a cursor a reader kept stays good however the records change."""
    return f"{(stored.updated_at - EPOCH) // timedelta(microseconds=1)}-{stored.id}"


def _after(cursor: str) -> tuple[datetime, int]:
    micros, row = cursor.split("-")
    return EPOCH + timedelta(microseconds=int(micros)), int(row)


def _list(kind: RecordKind) -> Callable[..., Any]:
    def list_records(
        context: Context,
        company: Company,
        updated_since: Annotated[
            IsoMoment | None,
            Query(description="Only records that changed at or after this time (ISO 8601, with its zone)."),
        ] = None,
        cursor: Annotated[
            str | None,
            Query(pattern=r"^[0-9]{1,16}-[0-9]{1,18}$", description="The `next_cursor` of the page before."),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=500, description="At most this many records.")] = 100,
    ) -> Any:
        after = _after(cursor) if cursor else None
        found = changed_records(
            context.store, company, kind, since=updated_since, after=after, limit=limit + 1
        )
        page = found[:limit]
        return PAGE_MODELS[kind](
            items=[record_public(stored) for stored in page],
            next_cursor=_cursor(page[-1]) if len(found) > limit else None,
        )

    list_records.__name__ = f"list_{kind.value}"
    list_records.__doc__ = (
        f"{kind.label.capitalize()}s in the order they last changed, oldest first, a page at a time: "
        "ask again with `next_cursor` until it is null, and later with `updated_since` for what changed."
    )
    return list_records


for _kind in RecordKind:
    router.add_api_route(
        f"/{_kind.value}",
        _list(_kind),
        methods=["GET"],
        response_model=PAGE_MODELS[_kind],
        summary=f"{_kind.label.capitalize()}s, by when they last changed",
        operation_id=f"list_{_kind.value}",
    )
    router.add_api_route(
        f"/{_kind.value}/{{source_id:source_id}}",
        _get(_kind),
        methods=["GET"],
        response_model=READ_MODELS[_kind],
        responses={**NOT_FOUND},
        summary=f"Read a {_kind.label}",
        operation_id=f"get_{_kind.value}",
    )


def _delete(kind: RecordKind) -> Callable[..., Any]:
    def cancel_document(context: Context, company: Company, source_id: SourceIdPath) -> RecordWritePublic:
        fed = cancel_record(context.store, company, kind, source_id, on=datetime.now(UTC).date())
        if fed.stored is None:  # the record as stored no longer passes its checks: say which
            raise ApiRefusal(
                _field_errors(
                    [
                        {
                            "loc": ["body", *(f.field.split(".") if f.field else [])],
                            "msg": f.message,
                            "type": "record_invalid",
                        }
                        for f in fed.outcome.findings
                        if f.severity == "error"
                    ]
                )
            )
        return RecordWritePublic(
            kind=kind, source_id=source_id, result=fed.outcome.result, version=fed.stored.version, warnings=[]
        )

    cancel_document.__name__ = f"cancel_{kind.value}"
    cancel_document.__doc__ = (
        f"Cancel a {kind.label}: it is kept, marked cancelled today, and counts for nothing. Never sent, it "
        "never will be; sent, the next send voids it in the package, or says what must go first (a "
        "payment or credit set against it there). Cancelling again changes nothing."
    )
    return cancel_document


for _kind in sorted(CANCELLABLE):
    router.add_api_route(
        f"/{_kind.value}/{{source_id:source_id}}",
        _delete(_kind),
        methods=["DELETE"],
        response_model=RecordWritePublic,
        responses={**NOT_FOUND},
        summary=f"Cancel a {_kind.label}",
        operation_id=f"cancel_{_kind.value}",
    )


@router.get(
    "/{kind}/{source_id:source_id}/status",
    response_model=RecordStatusPublic,
    responses={**NOT_FOUND},
    summary="A record's send state and the package's id for it",
)
def record_status(
    context: Context, company: Company, kind: RecordKind, source_id: SourceIdPath
) -> RecordStatusPublic:
    found = board.record_status(context.store, company, kind, source_id)
    entry = found.entry
    return RecordStatusPublic(
        kind=kind,
        source_id=source_id,
        version=found.stored.version,
        state=found.state,
        package_id=found.package_id,
        reason=(entry.reason or entry.blocked_by) if entry else "",
        field=entry.reason_field if entry else "",
        attempts=entry.attempts if entry else 0,
        sent_at=entry.sent_at if entry else None,
        changed_after_sending=entry.changed_after_sending if entry else "",
    )


@router.get(
    "/failures", response_model=list[FailurePublic], summary="Records that could not be sent, and why"
)
def list_failures(context: Context, company: Company) -> list[FailurePublic]:
    try:
        found = board.failures(context.store, company)
    except RecordNotFound:
        return []  # not connected: nothing has been sent, so nothing has failed
    return [
        FailurePublic(
            entry_id=f.entry_id,
            kind=f.kind,
            source_id=f.source_id,
            number=f.number,
            state=f.state.value,
            reason=f.reason,
            field=f.field,
            attempts=f.attempts,
            updated_at=f.updated_at,
        )
        for f in found
    ]


def _send_public(request: Request, company: int) -> SendPublic:
    job = request.app.state.web.sends.get(company)
    counts: dict[str, int] = {}
    with contextlib.suppress(RecordNotFound):  # not connected: nothing counted yet
        counts = {
            state.value: count
            for state, count in board.status(request.app.state.web.store, company).counts.items()
        }
    stopped = ""
    if job is not None:
        stopped = job.error or (job.report.stopped if job.report else "")
    return SendPublic(
        running=bool(job and job.running),
        done=job.done if job else 0,
        total=job.total if job else 0,
        started_at=job.started_at if job else None,
        stopped=stopped,
        counts=counts,
    )


@router.post(
    "/send",
    status_code=202,
    response_model=SendPublic,
    responses={
        409: {
            "model": StepMissingPublic,
            "description": "Not connected, or a step before sending is missing.",
        }
    },
    summary="Start sending everything waiting, in the background",
)
async def start_send(request: Request, context: Context, company: Company) -> Any:
    try:
        context.sends.start(company)
    except LedgerlinkError as refused:
        missing = list(getattr(refused, "missing", ()))
        return JSONResponse({"detail": str(refused), "missing": missing}, status_code=409)
    return _send_public(request, company)


@router.get("/send", response_model=SendPublic, summary="The latest send's progress and the outbox's counts")
def send_progress(request: Request, company: Company) -> SendPublic:
    return _send_public(request, company)


@router.get(
    "/onboarding", response_model=OnboardingPublic, summary="Where the company stands on its onboarding path"
)
def onboarding(context: Context, company: Company) -> OnboardingPublic:
    state = onboarding_state(context.store, company)
    connection = state.connection
    return OnboardingPublic(
        path=state.path,
        connected=connection is not None,
        package=connection.package if connection else "",
        business=connection.business_name if connection else "",
        current=state.current.name if state.current else None,
        steps=[
            StepPublic(name=s.name, title=s.title, complete=s.complete, missing=s.missing)
            for s in state.steps
        ],
    )
