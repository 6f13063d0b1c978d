"""The REST API's routes. Written without postponed annotations: each record kind's body type is made
at import time from the domain model, and FastAPI reads it from the function it decorates."""

import contextlib
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError

from ledgerlink.domain.records import RECORD_TYPES, RecordKind
from ledgerlink.errors import LedgerlinkError, RecordNotFound
from ledgerlink.services import dashboard as board
from ledgerlink.services.accounts import authenticate_api_key
from ledgerlink.services.onboarding import onboarding_state
from ledgerlink.services.records import ingest
from ledgerlink.store.connections import ConnectionRepository, LinkRepository
from ledgerlink.store.outbox import OutboxRepository
from ledgerlink.web.api.schemas import (
    CREATE_MODELS,
    ErrorPublic,
    FailurePublic,
    FindingPublic,
    OnboardingPublic,
    RecordStatusPublic,
    RecordWritePublic,
    SendPublic,
    StepMissingPublic,
    StepPublic,
)
from ledgerlink.web.deps import Context

LARGEST_AMOUNT = Decimal(10) ** 12  # a billion pounds and more on one figure is a typo, not a job

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


Company = Annotated[int, Depends(api_company)]
SourceIdPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=100,
        pattern=r"^\S(.*\S)?$",
        description="The job system's own id for the record.",
    ),
]

router = APIRouter(
    prefix="/api/v1",
    tags=["records"],
    responses={**UNAUTHORISED, 400: {"model": ErrorPublic, "description": "The body is not JSON."}},
)


def _field_errors(errors: list[dict[str, Any]]) -> JSONResponse:
    return JSONResponse({"detail": errors}, status_code=422)


def _oversized(value: Any, loc: list[str | int]) -> Iterator[list[str | int]]:
    if isinstance(value, Decimal) and value.is_finite() and abs(value) >= LARGEST_AMOUNT:
        yield loc
    elif isinstance(value, dict):
        for name, item in value.items():
            yield from _oversized(item, [*loc, name])
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _oversized(item, [*loc, index])


def _put(kind: RecordKind) -> Callable[..., Any]:
    model = CREATE_MODELS[kind]
    domain = RECORD_TYPES[kind]

    def put_record(
        context: Context,
        company: Company,
        source_id: SourceIdPath,
        body: model,  # type: ignore[valid-type]
        response: Response,
    ) -> RecordWritePublic:
        values = body.model_dump()  # type: ignore[attr-defined]
        too_big = [
            {
                "loc": ["body", *loc],
                "msg": f"the figure is too large (at most {LARGEST_AMOUNT:,} - 0.01)",
                "type": "too_large",
            }
            for loc in _oversized(values, [])
        ]
        if too_big:
            raise ApiRefusal(_field_errors(too_big))
        try:
            record = domain.model_validate({**values, "source_id": source_id})
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
        with context.store.unit_of_work() as uow:
            try:
                report = ingest(uow, company, [record])
            except ArithmeticError:
                raise ApiRefusal(
                    _field_errors(
                        [{"loc": ["body"], "msg": "the figures cannot be worked out", "type": "arithmetic"}]
                    )
                ) from None
            outcome = report.outcomes[0]
            if outcome.result == "rejected":
                uow.rollback()
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
            stored = uow.records(company).get(kind, source_id)
            uow.commit()
        response.status_code = status.HTTP_201_CREATED if outcome.result == "created" else status.HTTP_200_OK
        return RecordWritePublic(
            kind=kind,
            source_id=record.source_id,
            result=outcome.result,
            version=stored.version,
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
        f"/{_kind.value}/{{source_id}}",
        _put(_kind),
        methods=["PUT"],
        status_code=200,
        response_model=RecordWritePublic,
        responses={201: {"model": RecordWritePublic, "description": "Created."}},
        summary=f"Create or update a {_kind.label}",
        operation_id=f"put_{_kind.value}",
    )


@router.get(
    "/{kind}/{source_id}/status",
    response_model=RecordStatusPublic,
    responses={**NOT_FOUND},
    summary="A record's send state and the package's id for it",
)
def record_status(
    context: Context, company: Company, kind: RecordKind, source_id: SourceIdPath
) -> RecordStatusPublic:
    with context.store.unit_of_work() as uow:
        stored = uow.records(company).find(kind, source_id)
        if stored is None:
            raise RecordNotFound(f"there is no {kind.label} {source_id} for this company")
        connection = ConnectionRepository(uow.session, company).current()
        entry = link = None
        if connection is not None:
            entry = OutboxRepository(uow.session, connection.id, company).find(kind, source_id)
            link = LinkRepository(uow.session, connection.id).find(kind, source_id)
    return RecordStatusPublic(
        kind=kind,
        source_id=source_id,
        version=stored.version,
        state=entry.state.value if entry else ("sent" if link else "not_queued"),
        package_id=(link.package_id if link else "") or (entry.package_id if entry else ""),
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
