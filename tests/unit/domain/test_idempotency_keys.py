"""An entry's idempotency key is the same for the same record, version and step, forever: a send
replays an uncertain entry under the key stored before it was sent, and the package recognises it
only if that key is what it was given."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from ledgerlink.domain.outbox import Step, idempotency_key
from ledgerlink.domain.records import RecordKind

NAMESPACE = uuid.UUID("5b0c7a8e-1f0d-4d55-9a57-2d7f4f1c3a10")


def test_a_key_is_the_one_stored_by_earlier_releases() -> None:
    assert idempotency_key(7, RecordKind.INVOICE, "INV-1001", "v1", Step.CREATE) == (
        "3818742759ab5132bc209d9f7fdb5499"
    )


@given(
    connection_id=st.integers(min_value=1, max_value=2**40),
    kind=st.sampled_from(list(RecordKind)),
    source_id=st.text(min_size=1, max_size=120),
    version=st.text(alphabet="0123456789abcdef", min_size=1, max_size=40),
    step=st.sampled_from(list(Step)),
    generation=st.integers(min_value=0, max_value=50),
)
def test_a_key_is_the_version_5_uuid_of_the_entrys_name(
    connection_id: int, kind: RecordKind, source_id: str, version: str, step: Step, generation: int
) -> None:
    name = f"{connection_id}/{kind.value}/{source_id}/{version}/{step.value}"
    if generation:
        name += f"/resend-{generation}"

    key = idempotency_key(connection_id, kind, source_id, version, step, generation)

    assert key == uuid.uuid5(NAMESPACE, name).hex
    assert uuid.UUID(key).version == 5
