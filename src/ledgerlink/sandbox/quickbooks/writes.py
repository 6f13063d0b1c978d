"""Writes: one create, update, delete or void under a `requestid`, or a batch of them with each item
answered on its own. A repeated `requestid` with the same body replays the first reply, a refusal
included; writes to one company run one at a time."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from ledgerlink.sandbox.kit import DROP_REPLY_HEADER, Reply, StoredReply, body_hash
from ledgerlink.sandbox.quickbooks import bodies, responses
from ledgerlink.sandbox.quickbooks.errors import QuickBooksFault, invalid_value, validation
from ledgerlink.sandbox.quickbooks.gate import Call, entity_named, fault, throttled
from ledgerlink.sandbox.quickbooks.reads import query_records, shown
from ledgerlink.sandbox.quickbooks.records import READ_ONLY

REQUEST_ID_MAX = 50
BATCH_REQUEST_ID_MAX = 36
BATCH_ID_MAX = 10


async def _json_body(request: Request) -> Any:
    try:
        return json.loads((await request.body()).decode("utf-8") or "null")
    except (UnicodeDecodeError, ValueError) as error:
        raise fault(
            400,
            "ValidationFault",
            "2020",
            "Request has invalid or unsupported property",
            f"The body is not UTF-8 JSON: {error}",
        ) from error


def _write(call: Call, entity: str, operation: str, payload: Any) -> dict[str, Any]:
    """One create, update, delete or void, as a single call or a batch item does it."""
    if entity in READ_ONLY:
        raise fault(
            400,
            "ValidationFault",
            "4000",
            "Unsupported Operation",
            f"{entity} is created only through the tax service",
        )
    if not isinstance(payload, dict):
        raise invalid_value(entity, f"the {entity} body must be an object")
    state = call.sandbox.state
    if operation in ("delete", "void"):
        return {entity: state.delete(call.company, entity, payload, void=operation == "void")}
    update = operation == "update" or "Id" in payload
    body = bodies.check(entity, payload, update=update)
    record = state.update(call.company, entity, body) if update else state.create(call.company, entity, body)
    return {entity: shown(call, entity, record)}


def _request_id(call: Call, limit: int) -> str | None:
    value = call.request.query_params.get("requestid")
    if value is not None and (not value or len(value) > limit):
        raise invalid_value("requestid", f"requestid must be 1 to {limit} characters")
    return value


def _dropped(call: Call) -> dict[str, str]:
    return {DROP_REPLY_HEADER: "1"} if call.sandbox.faults.drop_after_store(call.company.id) else {}


async def write(call: Call) -> Reply:
    entity = entity_named(call.params["entity"])
    request_id = _request_id(call, REQUEST_ID_MAX)
    payload = await _json_body(call.request)
    scope = (call.company.id, "requestid", request_id or "")
    if request_id:
        known = call.sandbox.replies.lookup(scope, body_hash(payload))
        if isinstance(known, StoredReply):
            return Reply(known.status, known.body, known.headers)
    operation = call.request.query_params.get("operation", "create")
    async with call.sandbox.lock(call.company.id):
        try:
            body = _write(call, entity, operation, payload)
        except QuickBooksFault as error:
            if request_id:  # a refusal is a reply too: the repeat gets the same Fault
                fault = {"Fault": responses.fault_body(error)}
                call.sandbox.replies.store(
                    scope, StoredReply(error.status, fault, request_hash=body_hash(payload))
                )
            raise
    if request_id:
        call.sandbox.replies.store(scope, StoredReply(200, body, request_hash=body_hash(payload)))
    return Reply(200, body, _dropped(call))


async def batch(call: Call) -> Reply:
    """Up to `batch_size` operations, each answered on its own (an entity, a QueryResponse or a Fault)."""
    sandbox = call.sandbox
    request_id = _request_id(call, BATCH_REQUEST_ID_MAX)
    payload = await _json_body(call.request)
    items = payload.get("BatchItemRequest") if isinstance(payload, dict) else None
    if not isinstance(items, list) or not items:
        raise invalid_value("BatchItemRequest", "BatchItemRequest must list the operations")
    if len(items) > sandbox.config.batch_size:
        raise validation(
            "6000",
            "A business validation error has occurred while processing your request",
            f"A batch holds at most {sandbox.config.batch_size} operations; this one has {len(items)}",
            "BatchItemRequest",
        )
    ids = [str(item.get("bId", "")) if isinstance(item, dict) else "" for item in items]
    if any(not b or len(b) > BATCH_ID_MAX for b in ids) or len(set(ids)) != len(ids):
        raise invalid_value("bId", f"every operation needs its own bId of 1 to {BATCH_ID_MAX} characters")
    scope = (call.company.id, "requestid", request_id or "")
    if request_id:
        known = sandbox.replies.lookup(scope, body_hash(payload))
        if isinstance(known, StoredReply):
            return Reply(known.status, known.body, known.headers)
    if not sandbox.batch_limiter.check(call.company.id).allowed:
        raise throttled()
    answers: list[dict[str, Any]] = []
    async with sandbox.lock(call.company.id):
        for bid, item in zip(ids, items, strict=True):
            try:
                if "Query" in item:
                    answers.append({"bId": bid, "QueryResponse": query_records(call, str(item["Query"]))})
                    continue
                operation = str(item.get("operation", "create"))
                names = [k for k in item if k not in ("bId", "operation", "optionsData")]
                if len(names) != 1:
                    raise invalid_value("BatchItemRequest", f"{bid}: name exactly one entity")
                entity = entity_named(names[0])
                answers.append({"bId": bid, **_write(call, entity, operation, item[names[0]])})
            except QuickBooksFault as error:
                answers.append({"bId": bid, "Fault": responses.fault_body(error)})
    body = {"BatchItemResponse": answers}
    if request_id:
        sandbox.replies.store(scope, StoredReply(200, body, request_hash=body_hash(payload)))
    return Reply(200, body, _dropped(call))
