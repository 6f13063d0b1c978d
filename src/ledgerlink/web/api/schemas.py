"""The REST API's shapes, named by role: `<Kind>Create` for what the job system sends, `...Public` for answers.

A `<Kind>Create` is the record as domain/records.py defines it, without `source_id`, which the path
carries; the domain model stays the single definition of what a record is. Each is made from its domain
model with the rules the API holds the job system to stated where the OpenAPI document can say them, so
a client generated from the document sends what the API keeps; the parsed body then becomes the domain
record, and the domain's rules (domain/validation.py, when the record is fed) judge it, as they judge a
CSV row. The rules the document states:

- a figure is a decimal string ("12.50"), never a JSON number (a float loses pennies, and NaN or 1e400
  are not amounts), of at most 12 digits before the point; a payment's or allocation's amount is above
  zero and a line's quantity is not negative;
- an id (a customer's, a VAT rate's code) has some text that is not white space, and at most 100
  characters;
- a document has at least one line, a supplier a name, and a residential customer a last name or a
  company name (a commercial one a company name).

What the document cannot say is about the company's books (a VAT rate, nominal account or payment method
it does not hold, an allocation beyond what is outstanding, lines that add up to less than zero): those
answer 422 naming the field, like every other refusal.
"""

from __future__ import annotations

import re
import types
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from annotated_types import Gt
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    StringConstraints,
    WithJsonSchema,
    create_model,
)
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from ledgerlink.domain.outbox import EntryState, RecordSendState
from ledgerlink.domain.records import RECORD_TYPES, Customer, DocumentLine, Record, RecordKind, Supplier
from ledgerlink.store import StoredRecord

LARGEST_WHOLE_DIGITS = 12  # a trillion pounds on one figure is a typo, not a job
# text holds no NUL (PostgreSQL cannot store one); an id or a name also more than white space, which
# the record strips
ANY_TEXT = "^[^\\u0000]*$"
HAS_TEXT = "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$"

_WHOLE = rf"(0|[1-9][0-9]{{0,{LARGEST_WHOLE_DIGITS - 1}}})"
_SIGNED = rf"-?{_WHOLE}(\.[0-9]+)?"
_NOT_NEGATIVE = rf"{_WHOLE}(\.[0-9]+)?"
_POSITIVE = rf"([1-9][0-9]{{0,{LARGEST_WHOLE_DIGITS - 1}}}(\.[0-9]+)?|0\.[0-9]*[1-9][0-9]*)"


def _decimal_string(core: str, wanted: str) -> Any:
    """A figure sent as a decimal string matching `core`, read into a Decimal; anything else refused."""
    pattern = re.compile(core)

    def parse(value: object) -> Decimal:
        if not isinstance(value, str):
            raise PydanticCustomError(
                "decimal_string", 'send figures as decimal strings, such as "12.50", never as JSON numbers'
            )
        if not pattern.fullmatch(value):
            raise PydanticCustomError(
                "decimal_string",
                'must be {wanted}: a decimal string such as "12.50", at most {digits} digits before the point',
                {"wanted": wanted, "digits": LARGEST_WHOLE_DIGITS},
            )
        return Decimal(value)

    return Annotated[
        Decimal,
        PlainValidator(parse, json_schema_input_type=str),
        WithJsonSchema({"type": "string", "pattern": f"^{core}$", "examples": ["12.50"]}, mode="validation"),
    ]


SignedFigure = _decimal_string(_SIGNED, "a figure")
NotNegativeFigure = _decimal_string(_NOT_NEGATIVE, "zero or more")
PositiveFigure = _decimal_string(_POSITIVE, "more than zero")
Identifier = Annotated[str, StringConstraints(max_length=100, pattern=HAS_TEXT)]
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _iso_date(value: object) -> date:
    """A date as the document says (`format: date`, 2026-03-31), not a timestamp or a week date."""
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise PydanticCustomError("iso_date", 'must be a date written YYYY-MM-DD, such as "2026-03-31"')


IsoDate = Annotated[
    date,
    PlainValidator(_iso_date, json_schema_input_type=str),
    WithJsonSchema({"type": "string", "format": "date"}, mode="validation"),
]


_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2})"
)


def _iso_moment(value: object) -> datetime:
    """A time as the document says (`format: date-time`: with its zone), not a count of seconds."""
    if isinstance(value, str) and _RFC3339.fullmatch(value):
        try:
            return datetime.fromisoformat(value.replace("z", "Z"))
        except ValueError:
            pass
    raise PydanticCustomError(
        "iso_moment", 'must be a time with its zone, written such as "2026-04-01T09:30:00Z"'
    )


IsoMoment = Annotated[
    datetime,
    PlainValidator(_iso_moment, json_schema_input_type=str),
    WithJsonSchema({"type": "string", "format": "date-time"}, mode="validation"),
]


def _any_of_customer_names() -> dict[str, Any]:
    """The customer rule validation holds (a commercial customer needs a company name; a residential one,
    the default, a last name or a company name), as JSON Schema."""
    named = {"type": "string", "pattern": HAS_TEXT}
    return {
        "anyOf": [
            {
                "properties": {"customer_type": {"const": "commercial"}, "company_name": named},
                "required": ["customer_type", "company_name"],
            },
            {
                "properties": {"customer_type": {"const": "residential"}, "last_name": named},
                "required": ["last_name"],
            },
            {
                "properties": {"customer_type": {"const": "residential"}, "company_name": named},
                "required": ["company_name"],
            },
        ]
    }


_RULES: dict[type[BaseModel], dict[str, Any]] = {Customer: _any_of_customer_names()}
_NAMED = Annotated[str, StringConstraints(pattern=HAS_TEXT)]
_TEXT = Annotated[str, StringConstraints(pattern=ANY_TEXT)]


def _api_type(annotation: Any, metadata: list[Any], owner: type[BaseModel], name: str) -> Any:
    """The type the API asks for where the domain has `annotation`: stricter, and said in the schema."""
    if annotation is Decimal:
        if any(isinstance(item, Gt) and item.gt == 0 for item in metadata):
            return PositiveFigure
        return NotNegativeFigure if (owner, name) == (DocumentLine, "quantity") else SignedFigure
    if annotation is str:
        if any(isinstance(item, StringConstraints) and item.min_length for item in metadata):
            return Identifier
        return _NAMED if (owner, name) == (Supplier, "name") else _TEXT
    if annotation is date:
        return IsoDate
    if annotation is bool:
        return StrictBool
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _api_model(annotation, annotation.__name__)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return tuple[_api_type(args[0], [], owner, name), ...]  # type: ignore[misc]
    if origin in (Union, types.UnionType):
        return Union[tuple(_api_type(arg, metadata, owner, name) for arg in args)]  # noqa: UP007
    return annotation


def _api_field(owner: type[BaseModel], name: str, info: FieldInfo) -> tuple[Any, FieldInfo]:
    annotation = _api_type(info.annotation, info.metadata, owner, name)
    constraints: dict[str, Any] = {}
    if name == "lines":
        # said in the document; held by validation, which names `lines` (a length check here would
        # also complain of an empty list when one line is refused)
        constraints["json_schema_extra"] = {"minItems": 1}
    if info.is_required() or (owner, name) == (Supplier, "name"):
        return annotation, Field(description=info.description, **constraints)
    default = info.get_default(call_default_factory=True)
    if isinstance(default, BaseModel):
        default = _api_model(type(default), type(default).__name__).model_validate(default.model_dump())
    return annotation, Field(default=default, description=info.description, **constraints)


_MADE: dict[type[BaseModel], type[BaseModel]] = {}


def _api_model(
    domain: type[BaseModel], name: str, *, doc: str | None = None, examples: list[Any] | None = None
) -> type[BaseModel]:
    """The API's model of `domain` (without `source_id`, which the path carries), made once."""
    if domain not in _MADE:
        fields: dict[str, Any] = {
            field: _api_field(domain, field, info)
            for field, info in domain.model_fields.items()
            if field != "source_id"
        }
        extra = {**_RULES.get(domain, {}), **({"examples": examples} if examples else {})}
        _MADE[domain] = create_model(
            name,
            __config__=ConfigDict(extra="forbid", json_schema_extra=extra or None),
            __doc__=doc or domain.__doc__,
            **fields,
        )
    return _MADE[domain]


_LINE = {"description": "Boiler service", "quantity": "1", "unit_price": "80.00", "vat_rate": "S"}
_PARTS = {"description": "Copper pipe 15mm", "quantity": "3", "unit_price": "12.50", "vat_rate": "S"}
EXAMPLES: dict[RecordKind, dict[str, Any]] = {
    RecordKind.CUSTOMER: {
        "first_name": "Jane",
        "last_name": "Smith",
        "email": "jane@example.com",
        "address": {"line1": "12 High Street", "town": "Leeds", "postcode": "LS1 4AP"},
    },
    RecordKind.SUPPLIER: {"name": "City Plumbing Supplies", "email": "accounts@cityplumbing.example.com"},
    RecordKind.INVOICE: {
        "number": "INV-1001",
        "date": "2026-03-31",
        "customer_id": "C-1",
        "lines": [{**_LINE, "nominal_code": "4000"}],
    },
    RecordKind.CREDIT_NOTE: {
        "number": "CN-1001",
        "date": "2026-04-02",
        "customer_id": "C-1",
        "lines": [{**_LINE, "unit_price": "20.00", "nominal_code": "4000"}],
    },
    RecordKind.CUSTOMER_PAYMENT: {
        "date": "2026-04-02",
        "customer_id": "C-1",
        "amount": "96.00",
        "method": "BACS",
    },
    RecordKind.SUPPLIER_INVOICE: {
        "number": "PC-88123",
        "date": "2026-03-28",
        "supplier_id": "S-1",
        "lines": [{**_PARTS, "nominal_code": "5000"}],
    },
    RecordKind.SUPPLIER_CREDIT_NOTE: {
        "number": "PC-88124",
        "date": "2026-03-30",
        "supplier_id": "S-1",
        "lines": [{**_PARTS, "quantity": "1", "nominal_code": "5000"}],
    },
    RecordKind.SUPPLIER_PAYMENT: {
        "date": "2026-04-10",
        "supplier_id": "S-1",
        "amount": "45.00",
        "method": "BACS",
    },
}


def _create_model(kind: RecordKind) -> type[BaseModel]:
    return _api_model(
        RECORD_TYPES[kind],
        "".join(part.title() for part in kind.value.split("_")) + "Create",
        doc=f"A {kind.label} as the job system holds it; its id is the last part of the path.",
        examples=[EXAMPLES[kind]],
    )


CREATE_MODELS: dict[RecordKind, type[BaseModel]] = {kind: _create_model(kind) for kind in RecordKind}


def record_from_body(kind: RecordKind, body: BaseModel, source_id: str) -> Record:
    """The domain record a parsed body stands for, with the id the path carries.

    The body was parsed against the API's stricter shapes (figures as decimal strings, for one), not the
    domain's, so the record is made by the domain's own model: its ValidationError names the field.
    """
    record: Record = RECORD_TYPES[kind].model_validate({**body.model_dump(), "source_id": source_id})
    return record


def _literal(value: str) -> Any:
    return (Literal[value], ...)


def _body_as(schema: str) -> Any:
    """A record's body as JSON, documented as the PUT's own schema: the PUT model parses strings into
    figures and dates, and would not write them back out."""
    reference = {"allOf": [{"$ref": f"#/components/schemas/{schema}"}]}
    return (Annotated[dict[str, Any], WithJsonSchema(reference)], ...)


def _read_model(kind: RecordKind) -> type[BaseModel]:
    name = "".join(part.title() for part in kind.value.split("_"))
    return create_model(
        f"{name}Read",
        __doc__=(
            f"A {kind.label} as ledgerlink holds it: `record` is the body a PUT would send, so the job "
            "system can store it as its own."
        ),
        kind=_literal(kind.value),
        source_id=(str, ...),
        version=(str, Field(description="Changes whenever the record does.")),
        created_at=(datetime, ...),
        updated_at=(
            datetime,
            Field(description="When it last changed (UTC): the key `updated_since` reads."),
        ),
        warnings=(list[FindingPublic], ...),
        record=_body_as(f"{name}Create"),
    )


def _page_model(kind: RecordKind, item: type[BaseModel]) -> type[BaseModel]:
    name = "".join(part.title() for part in kind.value.split("_"))
    return create_model(
        f"{name}Page",
        __doc__=f"{kind.label.capitalize()}s in the order they last changed, oldest first.",
        items=(list[item], ...),  # type: ignore[valid-type]
        next_cursor=(
            str | None,
            Field(description="Pass as `cursor` for the next page; null when this page is the last."),
        ),
    )


class FindingPublic(BaseModel):
    field: str
    message: str
    severity: Literal["error", "warning"]


READ_MODELS: dict[RecordKind, type[BaseModel]] = {kind: _read_model(kind) for kind in RecordKind}
PAGE_MODELS: dict[RecordKind, type[BaseModel]] = {
    kind: _page_model(kind, READ_MODELS[kind]) for kind in RecordKind
}


def record_public(stored: StoredRecord) -> BaseModel:
    """A stored record as the API reads it back: the body a PUT would send, and its version and times."""
    kind = stored.kind
    body = stored.record.model_dump(mode="json", exclude={"source_id"})
    CREATE_MODELS[kind].model_validate(body)  # what is read back is what a PUT takes
    return READ_MODELS[kind](
        kind=kind.value,
        source_id=stored.source_id,
        version=stored.version,
        created_at=stored.created_at,
        updated_at=stored.updated_at,
        warnings=[
            FindingPublic(field=f.field, message=f.message, severity=f.severity) for f in stored.findings
        ],
        record=body,
    )


class ErrorPublic(BaseModel):
    """What went wrong, in words."""

    detail: str


class StepMissingPublic(BaseModel):
    """An action the onboarding path does not allow yet, and the steps still missing."""

    detail: str
    missing: list[str] = Field(default_factory=list)


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


class RecordStatusPublic(BaseModel):
    """Where one record stands on its way to the package, and the package's id once it is there."""

    kind: RecordKind
    source_id: str
    version: str
    state: RecordSendState
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
    state: EntryState
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
