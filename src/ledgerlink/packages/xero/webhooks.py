"""Xero's webhooks: `x-xero-signature` is the base64 HMAC-SHA256 of the raw body keyed with the app's
webhook key. Xero first checks a new endpoint with an empty notice signed rightly and one signed
wrongly (intent to receive): the first must be answered 200 and the second 401, and so must every
notice after. A notice names the organisation (`tenantId`) and the invoice, credit note or contact that
changed, never what changed: it is a prompt to read, nothing more.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping

from ledgerlink.packages.changes import IncomingWebhooks

SIGNATURE_HEADER = "x-xero-signature"


def signature(key: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


class XeroWebhooks(IncomingWebhooks):
    def verify(self, key: str, body: bytes, headers: Mapping[str, str]) -> bool:
        given = next((value for name, value in headers.items() if name.lower() == SIGNATURE_HEADER), "")
        return bool(key) and bool(given) and hmac.compare_digest(signature(key, body), given)

    def businesses(self, body: bytes) -> list[str]:
        try:
            events = json.loads(body or b"{}").get("events") or []
        except (ValueError, AttributeError):
            return []
        return sorted(
            {str(event["tenantId"]) for event in events if isinstance(event, dict) and event.get("tenantId")}
        )
