"""Xero's webhooks into ledgerlink: the sandbox checks the endpoint as Xero does (intent to receive),
then a payment made in Xero sends a signed notice, and ledgerlink reads and applies it with no one
asking; a notice signed with another key is refused and reads nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from ledgerlink.domain.records import RecordKind
from ledgerlink.settings import Settings
from ledgerlink.web import create_app
from tests.support.package_side import PackageSide, sent_books

KEY = "xero-webhook-key"
NOTICES = "/api/v1/package-webhooks/xero"


async def listen(side: PackageSide, tmp_path: Path) -> dict[str, Any]:
    """ledgerlink's web app as the Xero sandbox's webhook receiver, registered with the sandbox."""
    web = create_app(side.store, Settings(data_dir=tmp_path, secret_key="notices"), side.connectors)
    side.app.state.webhooks.transport = httpx.ASGITransport(app=web)
    return dict(await side.admin("POST", "/_sandbox/webhooks", {"url": f"http://web{NOTICES}", "key": KEY}))


async def test_a_payment_in_xero_is_read_on_its_notice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGERLINK_XERO_WEBHOOK_KEY", KEY)
    side = await sent_books("xero", tmp_path)
    registered = await listen(side, tmp_path)
    assert registered["intent_to_receive"] == "OK"

    payment_id = await side.pays("J-1", "70.00")
    sent = (await side.admin("POST", "/_sandbox/webhooks/flush"))["sent"]

    assert [notice["status"] for notice in sent] == [200]
    [event] = sent[0]["payload"]["events"]
    assert (event["eventCategory"], event["resourceId"]) == (
        "INVOICE",
        side.linked(RecordKind.INVOICE, "J-1"),
    )
    assert side.linked(RecordKind.CUSTOMER_PAYMENT, f"xero-{payment_id}") == payment_id
    side.store.close()


async def test_a_notice_signed_with_another_key_is_refused_and_reads_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEDGERLINK_XERO_WEBHOOK_KEY", "ledgerlinks-own-key")
    side = await sent_books("xero", tmp_path)
    registered = await listen(side, tmp_path)
    assert registered["intent_to_receive"].startswith("failed: answered 401")

    await side.pays("J-1", "70.00")
    sent = (await side.admin("POST", "/_sandbox/webhooks/flush"))["sent"]

    assert [notice["status"] for notice in sent] == [401]
    with side.store.unit_of_work() as uow:
        assert uow.package_events(side.company_id).page() == []
    side.store.close()
