"""A group of calls' links kept in one statement answer as linking one at a time would: each new one
kept with its version and when it was made, the same link again is no conflict, and a record linked
elsewhere or a package id another record holds is refused by name, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ledgerlink.domain.records import RecordKind
from ledgerlink.store import Store
from tests.integration.store.test_outbox_transitions import connected

CUSTOMER = RecordKind.CUSTOMER


def test_new_links_are_kept_whole_and_the_same_link_again_is_no_conflict(any_store: Store) -> None:
    connection = connected(any_store, 0)
    before = datetime.now(UTC) - timedelta(seconds=1)
    with any_store.unit_of_work() as uow:
        links = uow.links(connection.id)
        assert links.add_many(CUSTOMER, [("C1", "P-1", "v1"), ("C2", "P-2", "v2")], how="created") == {}
        assert links.add_many(CUSTOMER, [("C1", "P-1", "v1"), ("C3", "P-3", "v3")], how="created") == {}
        uow.commit()
    with any_store.unit_of_work() as uow:
        links = uow.links(connection.id)
        kept = {source_id: links.find(CUSTOMER, source_id) for source_id in ("C1", "C2", "C3")}
    for source_id, link in kept.items():
        assert link is not None
        assert link.package_id == f"P-{source_id[1:]}"
        assert link.version_sent == f"v{source_id[1:]}"
        assert link.how == "created"
        assert link.linked_at.tzinfo is not None
        assert before <= link.linked_at <= datetime.now(UTC)


def test_a_record_linked_elsewhere_or_a_package_id_held_by_another_is_refused_by_name(
    any_store: Store,
) -> None:
    connection = connected(any_store, 0)
    with any_store.unit_of_work() as uow:
        uow.links(connection.id).add_many(CUSTOMER, [("C1", "P-1", "v1")], how="created")
        uow.commit()
    with any_store.unit_of_work() as uow:
        links = uow.links(connection.id)
        conflicts = links.add_many(
            CUSTOMER,
            [
                ("C1", "P-9", "v1"),  # linked to P-1 already
                ("C2", "P-1", "v1"),  # P-1 is C1's
                ("C3", "P-3", "v1"),  # new
                ("C4", "P-4", "v1"),
                ("C4", "P-5", "v1"),  # the same record twice, to two package ids
            ],
            how="created",
        )
        uow.commit()
    assert set(conflicts) == {"C1", "C2", "C4"}
    assert "customer C1 is already linked to P-1" in str(conflicts["C1"])
    assert "package customer P-1 is already linked to customer C1" in str(conflicts["C2"])
    assert "customer C4 is already linked to P-4" in str(conflicts["C4"])
    with any_store.unit_of_work() as uow:
        links = uow.links(connection.id)
        found = {source_id: links.find(CUSTOMER, source_id) for source_id in ("C1", "C2", "C3", "C4")}
    assert {source_id: link.package_id if link else None for source_id, link in found.items()} == {
        "C1": "P-1",
        "C2": None,
        "C3": "P-3",
        "C4": "P-4",
    }
