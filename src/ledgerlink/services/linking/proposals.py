"""Linking existing customers and suppliers before the first send, on the side-by-side path.

A company that ran its job system and its package side by side has every customer twice, typed
differently. Sending before linking gives the package a duplicate; linking wrongly puts one person's
invoices on another's account. So linking works like a careful bookkeeper with a fast assistant: the
package's contacts are read and kept, the matching engine proposes, sure matches are linked at once,
doubtful ones wait for a person with the reasons, and the rest are created new on send. Every decision
a person makes is kept and fed back to the engine, so a re-run never undoes one.

The step is done (``finish_step``) only when each record is linked, to be created new, or deliberately
left for review; until then the side-by-side path refuses to send.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

from ledgerlink.domain.outbox import EntryState, Step
from ledgerlink.domain.records import Customer, Record, RecordKind, Supplier
from ledgerlink.errors import LinkConflict, RecordNotFound, StepNotReady
from ledgerlink.matching import Decisions, Proposal, match
from ledgerlink.services.linking.parties import (
    contact_phones,
    jobs_party,
    package_party,
    phone_digits,
    record_phones,
    serves,
)
from ledgerlink.services.onboarding.steps import STEP_TITLES
from ledgerlink.services.operations.connectors import ConnectorFactory
from ledgerlink.store import Store, UnitOfWork
from ledgerlink.store.connections import Connection, Link
from ledgerlink.store.linking import (
    ContactRefresh,
    Decision,
    StoredProposal,
)
from ledgerlink.store.tables import utcnow

PartyKind = Literal["customer", "supplier"]
RecordStatus = Literal["linked", "create_new", "left", "review", "unmatched"]
"""Where a record stands: ``linked``; ``create_new`` (marked so, or nothing like it in the package);
``left`` (deliberately left for review); ``review`` (a proposal waits for a person); ``unmatched``
(not looked at yet: run the matching)."""

STEPS: dict[RecordKind, Literal["link_customers", "link_suppliers"]] = {
    RecordKind.CUSTOMER: "link_customers",
    RecordKind.SUPPLIER: "link_suppliers",
}
STATE_DECISIONS = frozenset({"matched", "accept", "manual", "create_new", "unlink", "leave"})
OPEN_STATUSES: frozenset[RecordStatus] = frozenset({"review", "unmatched"})
NOTHING_ALIKE = "nothing like it in the package: it will be created on send"
AUTO = "ledgerlink"


def record_kind(kind: PartyKind | RecordKind) -> RecordKind:
    found = RecordKind(kind)
    if not found.is_party:
        raise ValueError(f"only customers and suppliers are linked, not {found.label}s")
    return found


@dataclass(frozen=True)
class LinkedPair:
    """A link made by the run, in the words a person checks it by."""

    source_id: str
    package_id: str
    jobs_name: str
    package_name: str
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class LinkingSummary:
    """What one matching run found and did.

    ``sure``, ``likely`` and ``none`` count the records by the band of their proposal this run (records
    already linked count in ``already_linked``, not in a band); ``linked_now`` lists the links the run
    made; ``conflicts`` names both records wherever a link could not be made.
    """

    kind: PartyKind
    contacts_read: int
    records: int
    sure: int
    likely: int
    none: int
    already_linked: int
    linked_now: tuple[LinkedPair, ...]
    conflicts: tuple[str, ...]
    progress: LinkProgress

    def counts(self) -> dict[str, int]:
        return {"sure": self.sure, "likely": self.likely, "none": self.none}


@dataclass(frozen=True)
class LinkProgress:
    """How many records stand where, and whether the step can be marked done."""

    kind: PartyKind
    total: int
    linked: int
    create_new: int
    left: int
    review: int
    unmatched: int
    step_done: bool

    @property
    def open(self) -> int:
        return self.review + self.unmatched

    @property
    def can_finish(self) -> bool:
        return self.open == 0


# --- reading -----------------------------------------------------------------------------------------


def current_connection(uow: UnitOfWork, company_id: int) -> Connection:
    connection = uow.connections(company_id).current()
    if connection is None:
        raise RecordNotFound(
            "the company is not connected to a package: connect one first (`ledgerlink connect`)"
        )
    return connection


async def read_contacts(connectors: ConnectorFactory, company_id: int) -> ContactRefresh:
    """Read every package contact, page by page, and keep them for review and search offline."""
    with connectors.store.unit_of_work() as uow:
        connection = current_connection(uow, company_id)
    connector = connectors.connector(connection)
    try:
        contacts = [contact async for contact in connector.contacts()]
    finally:
        await connector.aclose()
    with connectors.store.unit_of_work() as uow:
        refresh = uow.package_contacts(connection.id).replace_all(contacts)
        uow.commit()
    return refresh


def party_records(uow: UnitOfWork, company_id: int, kind: RecordKind) -> list[Customer | Supplier]:
    found: list[Customer | Supplier] = []
    for chunk in uow.records(company_id).iter_chunks(kind):
        found.extend(stored.record for stored in chunk if isinstance(stored.record, Customer | Supplier))
    return found


def party_kinds_of(store: Store, company_id: int, source_id: str) -> list[PartyKind]:
    """The kinds of party (customer, supplier) the jobs side holds a record `source_id` of."""
    kinds: tuple[PartyKind, ...] = ("customer", "supplier")
    with store.unit_of_work() as uow:
        records = uow.records(company_id)
        return [kind for kind in kinds if records.find(record_kind(kind), source_id) is not None]


def display_name(record: Record) -> str:
    if isinstance(record, Customer | Supplier):
        return record.display_name or record.source_id
    return record.source_id


# --- decisions as the engine needs them ----------------------------------------------------------------


def latest_states(decisions: Iterable[Decision]) -> dict[str, Decision]:
    """Each record's latest decision about where it stands (reject is about a pair, not a record)."""
    latest: dict[str, Decision] = {}
    for decision in decisions:
        if decision.decision in STATE_DECISIONS:
            latest[decision.source_id] = decision
    return latest


def rejected_pairs(decisions: Iterable[Decision]) -> set[tuple[str, str]]:
    """Pairs a person said are not the same (rejected, or unlinked), unless later linked again."""
    pairs: set[tuple[str, str]] = set()
    for decision in decisions:
        pair = (decision.source_id, decision.package_id)
        if decision.decision in ("reject", "unlink") and decision.package_id:
            pairs.add(pair)
        elif decision.decision in ("accept", "manual", "matched"):
            pairs.discard(pair)
    return pairs


def status_of(
    source_id: str,
    links: dict[str, str],
    latest: dict[str, Decision],
    proposal: StoredProposal | None,
) -> RecordStatus:
    if source_id in links:
        return "linked"
    decision = latest.get(source_id)
    if decision is not None:
        if decision.decision == "create_new":
            return "create_new"
        if decision.decision == "leave":
            return "left"
        if decision.decision == "unlink":
            return "review"
    if proposal is None:
        return "unmatched"
    if proposal.band == "none":
        return "create_new"
    return "review"


# --- the run -------------------------------------------------------------------------------------------


async def run_linking(
    connectors: ConnectorFactory, company_id: int, kind: PartyKind | RecordKind, *, auto: bool = True
) -> LinkingSummary:
    """Read the package's contacts again, match, and link the sure matches (unless ``auto`` is off)."""
    refresh = await read_contacts(connectors, company_id)
    summary = match_stored(connectors.store, company_id, kind, auto=auto)
    return replace(summary, contacts_read=refresh.read)


def match_stored(
    store: Store, company_id: int, kind: PartyKind | RecordKind, *, auto: bool = True
) -> LinkingSummary:
    """Match against the contacts as last read (no call to the package), respecting every decision."""
    wanted = record_kind(kind)
    with store.unit_of_work() as uow:
        connection = current_connection(uow, company_id)
        links_repo = uow.links(connection.id)
        decisions_repo = uow.decisions(connection.id)
        records = party_records(uow, company_id, wanted)
        by_id = {record.source_id: record for record in records}
        contacts = uow.package_contacts(connection.id).all()
        contact_by_id = {contact.id: contact for contact in contacts}
        links = {link.source_id: link for link in links_repo.all(wanted)}
        decisions = decisions_repo.all(wanted)
        latest = latest_states(decisions)
        linked_pairs = {(link.source_id, link.package_id) for link in links.values()}
        create_new = {
            source_id
            for source_id, decision in latest.items()
            if decision.decision == "create_new" and source_id not in links
        }
        rejected = rejected_pairs(decisions) - linked_pairs

        usable = [c for c in contacts if serves(c, wanted) and c.active]
        package_numbers = phone_digits(n for c in usable for n in contact_phones(c))
        jobs_numbers = phone_digits(n for r in records for n in record_phones(r))
        left = [jobs_party(record, package_numbers) for record in records]
        right = [package_party(contact, wanted, jobs_numbers) for contact in usable]
        result = match(
            left,
            right,
            decisions=Decisions.of(linked=linked_pairs, rejected=rejected, create_new_left=create_new),
        )

        also: dict[str, list[Proposal]] = {}
        for candidate in sorted(result.review, key=lambda p: (-p.score, p.right_id)):
            also.setdefault(candidate.left_id, []).append(candidate)

        rows: list[StoredProposal] = []
        linked_now: list[LinkedPair] = []
        conflicts: list[str] = []
        bands = {"sure": 0, "likely": 0, "none": 0}
        proposed: set[str] = set()
        for proposal in result.proposals:
            if proposal.left_id not in by_id:
                continue
            proposed.add(proposal.left_id)
            if proposal.source == "decision":
                link = links[proposal.left_id]
                rows.append(
                    _row(wanted, link.source_id, link.package_id, "sure", (_linked_reason(link),), 1.0)
                )
                continue
            reasons = list(proposal.reasons) + _also(also.get(proposal.left_id, ()))
            band = proposal.band
            state = latest.get(proposal.left_id)
            held = state is not None and state.decision in ("leave", "unlink")
            if band == "sure" and held:
                band = "likely"
                reasons.insert(0, f"not linked automatically: {_held_reason(state)}")
            elif band == "sure" and auto:
                try:
                    links_repo.add(wanted, proposal.left_id, proposal.right_id, how="matched")
                except LinkConflict as conflict:
                    band = "likely"
                    reasons.insert(0, str(conflict))
                    conflicts.append(str(conflict))
                else:
                    decisions_repo.add(
                        wanted,
                        proposal.left_id,
                        "matched",
                        package_id=proposal.right_id,
                        note="; ".join(proposal.reasons),
                        decided_by=AUTO,
                    )
                    contact = contact_by_id.get(proposal.right_id)
                    linked_now.append(
                        LinkedPair(
                            proposal.left_id,
                            proposal.right_id,
                            display_name(by_id[proposal.left_id]),
                            contact.name if contact else proposal.right_id,
                            proposal.score,
                            proposal.reasons,
                        )
                    )
            bands[band] += 1
            rows.append(_row(wanted, proposal.left_id, proposal.right_id, band, reasons, proposal.score))
        for source_id, candidates in also.items():
            if source_id in proposed or source_id not in by_id:
                continue
            proposed.add(source_id)
            best = candidates[0]
            reasons = list(best.reasons) + _also(candidates[1:])
            bands["likely"] += 1
            rows.append(_row(wanted, source_id, best.right_id, "likely", reasons, best.score))
        for source_id in sorted(by_id):
            if source_id in proposed:
                continue
            state = latest.get(source_id)
            if state is not None and state.decision == "unlink":
                # never proposed again by the engine, but shown so a person can take it back
                bands["likely"] += 1
                rows.append(_row(wanted, source_id, state.package_id, "likely", (_held_reason(state),), None))
                continue
            reason = "marked create new" if source_id in create_new else NOTHING_ALIKE
            bands["none"] += 1
            rows.append(_row(wanted, source_id, "", "none", (reason,), None))
        uow.proposals(connection.id).replace(wanted, rows)
        close_linked_entries(uow, connection, wanted)
        uow.commit()
    return LinkingSummary(
        kind=wanted.value,  # type: ignore[arg-type]
        contacts_read=len(contacts),
        records=len(records),
        sure=bands["sure"],
        likely=bands["likely"],
        none=bands["none"],
        already_linked=sum(1 for source_id in links if source_id in by_id),
        linked_now=tuple(linked_now),
        conflicts=tuple(conflicts),
        progress=link_progress(store, company_id, wanted),
    )


def _row(
    kind: RecordKind,
    source_id: str,
    package_id: str,
    band: Literal["sure", "likely", "none"],
    reasons: Sequence[str],
    score: float | None,
) -> StoredProposal:
    return StoredProposal(
        kind=kind,
        source_id=source_id,
        package_id=package_id,
        score=Decimal(str(round(score, 4))) if score is not None else None,
        band=band,
        reasons=tuple(reasons),
        created_at=utcnow(),
    )


def _also(candidates: Iterable[Proposal]) -> list[str]:
    return [f"also possible: {c.right_id} (score {c.score:.2f}): {'; '.join(c.reasons)}" for c in candidates]


def _linked_reason(link: Link) -> str:
    words = {
        "matched": "matched",
        "manual": "linked by hand",
        "imported": "imported",
        "created": "created by sending",
    }
    return f"linked ({words.get(link.how, link.how)})"


def _held_reason(decision: Decision | None) -> str:
    if decision is not None and decision.decision == "unlink":
        return f"a person unlinked it from {decision.package_id}"
    return "a person left it for review"


# --- where each record stands ----------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordStanding:
    source_id: str
    status: RecordStatus
    package_id: str  # the link, or the proposal
    proposal: StoredProposal | None
    decision: Decision | None


def standings(
    uow: UnitOfWork, company_id: int, connection: Connection, kind: RecordKind
) -> list[RecordStanding]:
    """Every record of the kind, with where it stands, in source id order."""
    links = uow.links(connection.id).package_ids(kind)
    latest = latest_states(uow.decisions(connection.id).all(kind))
    proposals = uow.proposals(connection.id).all(kind)
    found: list[RecordStanding] = []
    for chunk in uow.records(company_id).iter_chunks(kind):
        for stored in chunk:
            source_id = stored.source_id
            proposal = proposals.get(source_id)
            status = status_of(source_id, links, latest, proposal)
            package_id = links.get(source_id) or (proposal.package_id if proposal else "")
            found.append(RecordStanding(source_id, status, package_id, proposal, latest.get(source_id)))
    return sorted(found, key=lambda standing: standing.source_id)


def link_progress(store: Store, company_id: int, kind: PartyKind | RecordKind) -> LinkProgress:
    """Counts of records by where they stand, for the wizard's step and the command line."""
    wanted = record_kind(kind)
    with store.unit_of_work() as uow:
        connection = current_connection(uow, company_id)
        found = standings(uow, company_id, connection, wanted)
    tally = dict.fromkeys(("linked", "create_new", "left", "review", "unmatched"), 0)
    for standing in found:
        tally[standing.status] += 1
    return LinkProgress(
        kind=wanted.value,  # type: ignore[arg-type]
        total=len(found),
        step_done=STEPS[wanted] in connection.steps_done,
        **tally,
    )


def finish_step(store: Store, company_id: int, kind: PartyKind | RecordKind) -> LinkProgress:
    """Mark the linking step complete; refused (StepNotReady) while any record is undecided.

    A record is decided when it is linked, marked (or found to be) create new, or deliberately left for
    review. Linked records' outbox entries are closed so that sending never creates them again.
    """
    wanted = record_kind(kind)
    with store.unit_of_work() as uow:
        connection = current_connection(uow, company_id)
        if connection.cut_off_date is None:
            raise StepNotReady(
                f"{STEP_TITLES[STEPS[wanted]]} cannot be completed before the cut-off date is set "
                "(`ledgerlink settings --cut-off-date YYYY-MM-DD`)",
                missing=["get_started"],
            )
        found = standings(uow, company_id, connection, wanted)
        undecided = [standing for standing in found if standing.status in OPEN_STATUSES]
        if undecided:
            examples = ", ".join(_undecided_label(standing) for standing in undecided[:5])
            more = f" and {len(undecided) - 5} more" if len(undecided) > 5 else ""
            unmatched = any(standing.status == "unmatched" for standing in undecided)
            how = (
                f"run `ledgerlink link {wanted.value}s` to match them"
                if unmatched
                else "accept, reject, set, create-new or leave each (`ledgerlink link review`)"
            )
            raise StepNotReady(
                f"{len(undecided)} {wanted.label}s still need a decision ({examples}{more}): {how}",
                missing=[standing.source_id for standing in undecided],
            )
        close_linked_entries(uow, connection, wanted)
        hold_left_entries(uow, connection, wanted, (s.source_id for s in found if s.status == "left"))
        uow.connections(company_id).mark_step(connection.id, STEPS[wanted])
        uow.commit()
    return link_progress(store, company_id, wanted)


def _undecided_label(standing: RecordStanding) -> str:
    if standing.status == "unmatched":
        return f"{standing.source_id} not matched yet"
    return f"{standing.source_id} → {standing.package_id or '?'}"


# --- keeping sending in step with the links -------------------------------------------------------------


def close_linked_entries(
    uow: UnitOfWork, connection: Connection, kind: RecordKind, *, synced: bool = False
) -> int:
    """Outbox entries of records linked to an existing package contact are done: nothing to create.

    Without this the sender, which creates every customer it has an entry for, would make a duplicate
    of each linked one. Entries are made first (as the sender would) so none can appear later as
    waiting, unless the caller has just `synced` the outbox in this unit of work.
    """
    outbox = uow.outbox(connection)
    if connection.cut_off_date is not None and not synced:  # without one, entries would be made for
        outbox.sync(connection.cut_off_date)  # records before it
    links = uow.links(connection.id).package_ids(kind)
    if not links:
        return 0
    closed = 0
    now = utcnow()
    states = [EntryState.WAITING, EntryState.BLOCKED, EntryState.FAILED]
    for batch in outbox.iter_states(states, kind=kind, step=Step.CREATE):
        changes = [
            {
                "entry_id": entry.id,
                "state": EntryState.SENT.value,
                "package_id": links[entry.source_id],
                "sent_at": now,
                "reason": "",
                "reason_field": "",
                "blocked_by": "",
            }
            for entry in batch
            if entry.source_id in links
        ]
        outbox.set_each(changes)
        outbox.record_attempts(
            [
                {
                    "entry_id": change["entry_id"],
                    "operation": "link",
                    "idempotency_key": "",
                    "outcome": "linked",
                    "status": None,
                    "request_id": "",
                    "detail": f"linked to existing package contact {change['package_id']}",
                }
                for change in changes
            ]
        )
        closed += len(changes)
    return closed


def close_linked_parties(uow: UnitOfWork, connection: Connection) -> int:
    """Before a send: close the entries of every customer and supplier linked however the link was made.

    Links made while the connection had no cut-off date could not close entries that did not exist yet:
    the package-first path imports (each record linked) before the cut-off date is chosen. Called just
    after the outbox is synced, in the same unit of work: it is not synced again for each kind.
    """
    return sum(close_linked_entries(uow, connection, kind, synced=True) for kind in STEPS)


def reopen_entry(
    uow: UnitOfWork, connection: Connection, kind: RecordKind, source_id: str, package_id: str
) -> None:
    """After an unlink, a record whose entry was closed by linking is to be created on send again."""
    outbox = uow.outbox(connection)
    entry = outbox.find(kind, source_id)
    if entry is None or entry.state is not EntryState.SENT or entry.package_id != package_id:
        return
    outbox.set_each(
        [{"entry_id": entry.id, "state": EntryState.WAITING.value, "package_id": "", "sent_at": None}]
    )


LEFT_FOR_REVIEW = "left for review when linking: decide it with `ledgerlink link review`"


def hold_left_entries(
    uow: UnitOfWork, connection: Connection, kind: RecordKind, source_ids: Iterable[str]
) -> int:
    """Records deliberately left for review are not created on send until a person decides.

    Creating them would risk the very duplicate the review is about; their documents wait, blocked,
    naming the record. The entry is do-not-send with a reason of its own, so a decision can release it.
    """
    wanted = list(source_ids)
    if not wanted:
        return 0
    outbox = uow.outbox(connection)
    if connection.cut_off_date is not None:
        outbox.sync(connection.cut_off_date)
    entries = outbox.for_records([(kind, source_id) for source_id in wanted])
    held = [
        entry.id
        for entry in entries.values()
        if entry.state in (EntryState.WAITING, EntryState.BLOCKED, EntryState.FAILED)
    ]
    outbox.set_state(held, EntryState.DO_NOT_SEND, reason=LEFT_FOR_REVIEW, reason_field="link", blocked_by="")
    return len(held)


def release_held_entry(uow: UnitOfWork, connection: Connection, kind: RecordKind, source_id: str) -> None:
    """A record held for review was decided: its entry goes back to waiting (linking may close it)."""
    outbox = uow.outbox(connection)
    entry = outbox.find(kind, source_id)
    if entry is not None and entry.state is EntryState.DO_NOT_SEND and entry.reason == LEFT_FOR_REVIEW:
        outbox.set_state([entry.id], EntryState.WAITING, reason="", reason_field="")
