"""Xero's webhooks, sent as Xero sends them: to one registered URL, signed with the webhook key.

`POST /_sandbox/webhooks {"url", "key"}` registers the receiver and runs Xero's intent-to-receive
check on it at once: an empty notice signed with the key must be answered 200, one signed wrongly
401. After that, every write the API accepts on invoices, credit notes, contacts (and payments, which
change their invoice) is followed by a notice naming the organisation and the resources, never what
changed. Notices go out after the reply, as Xero's do; `POST /_sandbox/webhooks/flush` waits for
those on their way and answers every notice sent so far with the receiver's status.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

RESOURCES = {
    "Invoices": ("INVOICE", "InvoiceID"),
    "CreditNotes": ("CREDITNOTE", "CreditNoteID"),
    "Contacts": ("CONTACT", "ContactID"),
}
API_BASE = "https://api.xero.com/api.xro/2.0"


def sign(key: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def _resources(reply: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(category, id) of each invoice, credit note or contact a write's reply shows it changed."""
    found: list[tuple[str, str]] = []
    for collection, (category, id_key) in RESOURCES.items():
        for element in reply.get(collection) or []:
            if (
                isinstance(element, dict)
                and element.get("StatusAttributeString") != "ERROR"
                and element.get(id_key)
            ):
                found.append((category, str(element[id_key])))
    for element in reply.get("Payments") or []:
        if not isinstance(element, dict) or element.get("StatusAttributeString") == "ERROR":
            continue
        for collection, id_key in (("Invoice", "InvoiceID"), ("CreditNote", "CreditNoteID")):
            document = element.get(collection) or {}
            if document.get(id_key):
                found.append((RESOURCES[f"{collection}s"][0], str(document[id_key])))
    return list(dict.fromkeys(found))


class WebhookSender:
    """The registered receiver, the notices on their way, and every notice sent."""

    def __init__(self) -> None:
        self.url = ""
        self.key = ""
        self.transport: httpx.AsyncBaseTransport | None = None  # a receiver in the same process (tests)
        self.sequence = 0
        self.sent: list[dict[str, Any]] = []
        self._on_their_way: set[asyncio.Task[None]] = set()

    async def _post(self, payload: dict[str, Any], *, key: str) -> int | None:
        body = json.dumps(payload, separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "x-xero-signature": sign(key, body)}
        try:
            async with httpx.AsyncClient(transport=self.transport, timeout=5.0) as client:
                reply = await client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError:
            return None
        return reply.status_code

    async def register(self, url: str, key: str) -> str:
        """Keep the receiver and check it as Xero does; answers "OK" or why it failed."""
        self.url, self.key = url, key
        empty = {
            "events": [],
            "firstEventSequence": 0,
            "lastEventSequence": 0,
            "entropy": secrets.token_hex(10),
        }
        right = await self._post(empty, key=key)
        wrong = await self._post(empty, key=key + "-not-the-key")
        if (right, wrong) == (200, 401):
            return "OK"
        return f"failed: answered {right} to a signed notice and {wrong} to a wrongly signed one"

    def after_write(self, tenant: str, method: str, reply: Any) -> None:
        """Send a notice for what a write changed, after the write's reply has gone."""
        if not self.url or not isinstance(reply, Mapping):
            return
        changed = _resources(reply)
        if not changed:
            return
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]
        first = self.sequence + 1
        self.sequence += len(changed)
        events = [
            {
                "resourceUrl": f"{API_BASE}/{'CreditNotes' if category == 'CREDITNOTE' else category.title() + 's'}/{resource_id}",
                "resourceId": resource_id,
                "eventDateUtc": now,
                "eventType": "CREATE" if method == "PUT" else "UPDATE",
                "eventCategory": category,
                "tenantId": tenant,
                "tenantType": "ORGANISATION",
            }
            for category, resource_id in changed
        ]
        payload = {
            "events": events,
            "firstEventSequence": first,
            "lastEventSequence": self.sequence,
            "entropy": secrets.token_hex(10),
        }
        task = asyncio.get_running_loop().create_task(self._send(payload))
        self._on_their_way.add(task)
        task.add_done_callback(self._on_their_way.discard)

    async def _send(self, payload: dict[str, Any]) -> None:
        status = await self._post(payload, key=self.key)
        self.sent.append({"payload": payload, "status": status})

    async def flush(self) -> list[dict[str, Any]]:
        while self._on_their_way:
            await asyncio.gather(*list(self._on_their_way))
        return self.sent


def webhook_routes(sender: WebhookSender, *, prefix: str = "/_sandbox") -> list[Route]:
    async def register(request: Request) -> Response:
        payload = await request.json()
        url, key = str(payload.get("url", "")), str(payload.get("key", ""))
        if not url.startswith(("http://", "https://")) or not key:
            return JSONResponse({"error": "give the receiver's url and the webhook key"}, status_code=400)
        return JSONResponse({"url": url, "intent_to_receive": await sender.register(url, key)})

    async def flush(request: Request) -> Response:
        return JSONResponse({"sent": await sender.flush()})

    return [
        Route(f"{prefix}/webhooks", register, methods=["POST"]),
        Route(f"{prefix}/webhooks/flush", flush, methods=["POST"]),
    ]
