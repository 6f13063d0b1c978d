"""A webhook's signature holds only for its body, its company's secret and a time near the receiver's."""

from __future__ import annotations

from datetime import timedelta

from ledgerlink.services.inbound.webhooks import sign, verify, wait_after


def test_a_signature_from_another_secret_or_an_old_time_is_refused() -> None:
    body = b'{"id": 1}'
    now = 1_800_000_000
    header = sign("company secret", now, body)
    assert verify("company secret", header, body, now=now + 10)
    assert not verify("another secret", header, body, now=now)
    assert not verify("company secret", header, body + b" ", now=now)
    assert not verify("company secret", header, body, now=now + 301)  # replayed later


def test_a_failed_delivery_waits_longer_each_time_but_never_more_than_six_hours() -> None:
    waits = [wait_after(n) for n in range(1, 12)]
    assert waits[:3] == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert waits == sorted(waits)
    assert waits[-1] == timedelta(hours=6)
