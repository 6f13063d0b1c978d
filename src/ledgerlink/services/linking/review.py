"""A person's side of linking: review the doubtful proposals, decide, search, and the spreadsheet round trip.

Each decision is kept (never deleted) so a re-run of the matching respects it; each is also a no-op when
it is already in effect, so applying the same spreadsheet twice changes nothing. A link is one to one:
linking a package contact that stands for another record is refused, naming both.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from rapidfuzz import fuzz

from ledgerlink.domain.package_contact import PackageContact
from ledgerlink.domain.records import Customer, Record, RecordKind, Supplier
from ledgerlink.errors import LedgerlinkError, LinkConflict, RecordNotFound
from ledgerlink.services.linking.parties import serves
from ledgerlink.services.linking.proposals import (
    NOTHING_ALIKE,
    STEPS,
    LinkedPair,
    PartyKind,
    RecordStatus,
    close_linked_entries,
    current_connection,
    display_name,
    hold_left_entries,
    latest_states,
    record_kind,
    rejected_pairs,
    release_held_entry,
    reopen_entry,
    standings,
)
from ledgerlink.services.spreadsheets import SheetWriter, read_sheet
from ledgerlink.store import Store, UnitOfWork
from ledgerlink.store.connections import Connection
from ledgerlink.store.linking import (
    Decision,
)

DecisionName = Literal["accept", "reject", "manual", "create_new", "unlink", "leave"]
KINDS: tuple[RecordKind, ...] = (RecordKind.CUSTOMER, RecordKind.SUPPLIER)
CSV_COLUMNS = (
    "kind",
    "source_id",
    "jobs_name",
    "jobs_address",
    "jobs_email",
    "package_id",
    "package_name",
    "package_address",
    "score",
    "band",
    "reasons",
    "decision",
)


@dataclass(frozen=True)
class PartyView:
    """One side of a pair as a person compares it."""

    id: str
    name: str
    address: str
    email: str
    phone: str
    reference: str


@dataclass(frozen=True)
class ReviewItem:
    """A jobs record and the package contact proposed for it (if any), side by side, with the reasons."""

    kind: PartyKind
    source_id: str
    status: RecordStatus
    jobs: PartyView
    package: PartyView | None
    score: float | None
    band: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class DecisionOutcome:
    kind: PartyKind
    source_id: str
    decision: DecisionName
    package_id: str
    changed: bool  # False: it was already so (nothing was written)
    message: str


@dataclass(frozen=True)
class AcceptSureReport:
    linked: tuple[LinkedPair, ...]
    conflicts: tuple[str, ...]


@dataclass(frozen=True)
class ContactHit:
    contact: PartyView
    is_customer: bool
    is_supplier: bool
    linked_to: tuple[str, ...]  # "customer C1", ... records already linked to it


@dataclass(frozen=True)
class RowProblem:
    line: int
    message: str


@dataclass(frozen=True)
class ImportReport:
    applied: int
    unchanged: int
    skipped: int  # rows with no decision filled in
    problems: tuple[RowProblem, ...]


def jobs_view(record: Customer | Supplier) -> PartyView:
    phone = record.phone or (record.mobile if isinstance(record, Customer) else "")
    return PartyView(
        record.source_id,
        display_name(record),
        record.address.one_line(),
        record.email,
        phone,
        record.account_reference,
    )


def package_view(contact: PackageContact) -> PartyView:
    return PartyView(
        contact.id,
        contact.name,
        contact.address.one_line(),
        contact.email,
        contact.phone or contact.mobile,
        contact.reference,
    )


def _kinds(kind: PartyKind | RecordKind | None) -> tuple[RecordKind, ...]:
    return KINDS if kind is None else (record_kind(kind),)


# --- review ------------------------------------------------------------------------------------------


def review_items(
    store: Store,
    company_id: int,
    kind: PartyKind | RecordKind | None = None,
    *,
    statuses: Iterable[RecordStatus] = ("review", "left"),
) -> list[ReviewItem]:
    """The records waiting for a person (by default), each beside its proposed package contact."""
    wanted = set(statuses)
    items: list[ReviewItem] = []
    with store.unit_of_work() as uow:
        connection = current_connection(uow, company_id)
        for one_kind in _kinds(kind):
            chosen = [s for s in standings(uow, company_id, connection, one_kind) if s.status in wanted]
            records = {
                stored.source_id: stored.record
                for stored in uow.records(company_id).load((one_kind, s.source_id) for s in chosen)
            }
            contacts = uow.package_contacts(connection.id).many(s.package_id for s in chosen if s.package_id)
            for standing in chosen:
                record = records.get(standing.source_id)
                if not isinstance(record, Customer | Supplier):
                    continue
                contact = contacts.get(standing.package_id)
                proposal = standing.proposal
                items.append(
                    ReviewItem(
                        kind=one_kind.value,  # type: ignore[arg-type]
                        source_id=standing.source_id,
                        status=standing.status,
                        jobs=jobs_view(record),
                        package=package_view(contact) if contact else None,
                        score=float(proposal.score) if proposal and proposal.score is not None else None,
                        band=proposal.band if proposal else "none",
                        reasons=proposal.reasons if proposal else (),
                    )
                )
    return items


# --- deciding ----------------------------------------------------------------------------------------


def decide(
    store: Store,
    company_id: int,
    kind: PartyKind | RecordKind,
    source_id: str,
    decision: DecisionName,
    *,
    package_id: str = "",
    decided_by: str = "",
) -> DecisionOutcome:
    """Apply one decision about one record (see ``DecisionName``), at once and for good.

    ``accept`` links the proposed contact (or ``package_id``); ``reject`` says the pair is not the same
    and never proposes it again; ``manual`` links ``package_id`` by hand; ``create_new`` has it created
    on send; ``unlink`` removes a link (kept in the history); ``leave`` leaves it for review on purpose.
    Raises LinkConflict naming both records when a contact already stands for another record.
    """
    wanted = record_kind(kind)
    with store.unit_of_work() as uow:
        connection = current_connection(uow, company_id)
        outcome = _decide(uow, company_id, connection, wanted, source_id, decision, package_id, decided_by)
        if outcome.changed and decision in ("accept", "manual"):
            close_linked_entries(uow, connection, wanted)
        uow.commit()
    return outcome


def _decide(
    uow: UnitOfWork,
    company_id: int,
    connection: Connection,
    kind: RecordKind,
    source_id: str,
    decision: DecisionName,
    package_id: str,
    decided_by: str,
) -> DecisionOutcome:
    record = uow.records(company_id).find(kind, source_id)
    if record is None:
        raise RecordNotFound(f"there is no {kind.label} {source_id!r} on the jobs side")
    outcome = _apply(uow, company_id, connection, kind, record.record, decision, package_id, decided_by)
    if outcome.changed and decision == "leave":
        hold_left_entries(uow, connection, kind, [source_id])
    elif outcome.changed:
        release_held_entry(uow, connection, kind, source_id)
    return outcome


def _apply(
    uow: UnitOfWork,
    company_id: int,
    connection: Connection,
    kind: RecordKind,
    record: Record,
    decision: DecisionName,
    package_id: str,
    decided_by: str,
) -> DecisionOutcome:
    source_id = record.source_id
    links = uow.links(connection.id)
    decisions = uow.decisions(connection.id)
    proposals = uow.proposals(connection.id)
    contacts = uow.package_contacts(connection.id)
    proposal = proposals.get(kind, source_id)
    history = decisions.history(kind, source_id)
    latest = latest_states(history).get(source_id)
    link = links.find(kind, source_id)
    label = f"{kind.label} {source_id} ({display_name(record)})"

    def outcome(changed: bool, message: str, pid: str = "") -> DecisionOutcome:
        return DecisionOutcome(kind.value, source_id, decision, pid, changed, message)  # type: ignore[arg-type]

    if decision in ("accept", "manual"):
        target = package_id or (proposal.package_id if decision == "accept" and proposal else "")
        if not target:
            raise RecordNotFound(
                f"nothing is proposed for {label}: link it by hand (`ledgerlink link set {source_id} PACKAGE_ID`)"
            )
        contact = contacts.get(target)
        if contact is None:
            raise RecordNotFound(
                f"there is no package contact {target!r} as last read: `ledgerlink link search TEXT` finds one, "
                "and `ledgerlink link customers` reads the package again"
            )
        if link is not None and link.package_id == target:
            return outcome(False, f"{label} is already linked to {contact.name} ({target})", target)
        if link is not None:
            linked_to = contacts.get(link.package_id)
            raise LinkConflict(
                f"{label} is already linked to {linked_to.name if linked_to else 'package contact'} "
                f"({link.package_id}); unlink it before linking it to {contact.name} ({target})"
            )
        holder = links.find_by_package_id(kind, target)
        if holder is not None:
            other = uow.records(company_id).find(kind, holder.source_id)
            other_name = display_name(other.record) if other else "no longer on the jobs side"
            raise LinkConflict(
                f"package contact {contact.name} ({target}) is already linked to {kind.label} "
                f"{holder.source_id} ({other_name}); it cannot also be linked to {label}"
            )
        links.add(kind, source_id, target, how="manual" if decision == "manual" else "matched")
        decisions.add(kind, source_id, decision, package_id=target, decided_by=decided_by)
        reason = "linked by hand" if decision == "manual" else "accepted by a person"
        score = proposal.score if proposal and proposal.package_id == target else None
        kept = proposal.reasons if proposal and proposal.package_id == target else ()
        proposals.set(kind, source_id, package_id=target, band="sure", reasons=(reason, *kept), score=score)
        return outcome(True, f"{label} is linked to {contact.name} ({target})", target)

    if decision == "reject":
        target = package_id or (proposal.package_id if proposal else "")
        if not target:
            raise RecordNotFound(f"nothing is proposed for {label}, so there is nothing to reject")
        if link is not None and link.package_id == target:
            _unlink(uow, connection, kind, source_id, link.package_id, link.how, label)
        elif (source_id, target) in rejected_pairs(history):
            return outcome(False, f"{label} and {target} are already rejected as a pair", target)
        decisions.add(kind, source_id, "reject", package_id=target, decided_by=decided_by)
        if proposal is not None and proposal.package_id == target:
            proposals.set(
                kind,
                source_id,
                package_id="",
                band="none",
                reasons=(f"{target} rejected by a person", NOTHING_ALIKE),
            )
        return outcome(True, f"{label} will never be proposed with {target} again", target)

    if decision == "unlink":
        if link is None:
            return outcome(False, f"{label} is not linked")
        _unlink(uow, connection, kind, source_id, link.package_id, link.how, label)
        decisions.add(kind, source_id, "unlink", package_id=link.package_id, decided_by=decided_by)
        kept = proposal.reasons if proposal and proposal.package_id == link.package_id else ()
        proposals.set(
            kind,
            source_id,
            package_id=link.package_id,
            band="likely",
            reasons=(f"unlinked by a person from {link.package_id}", *kept),
            score=proposal.score if proposal else None,
        )
        return outcome(True, f"{label} is no longer linked to {link.package_id}", link.package_id)

    if decision in ("create_new", "leave"):
        if link is not None:
            raise LinkConflict(
                f"{label} is linked to {link.package_id}: unlink it first "
                f"(`ledgerlink link unlink {source_id}`)"
            )
        if latest is not None and latest.decision == decision and link is None:
            return outcome(False, f"{label} is already marked {decision.replace('_', ' ')}")
        decisions.add(kind, source_id, decision, decided_by=decided_by)
        words = "will be created new on send" if decision == "create_new" else "is left for review"
        return outcome(True, f"{label} {words}")
    raise ValueError(f"not a linking decision: {decision!r}")


def _unlink(
    uow: UnitOfWork,
    connection: Connection,
    kind: RecordKind,
    source_id: str,
    package_id: str,
    how: str,
    label: str,
) -> None:
    if how == "created":
        raise LinkConflict(
            f"{label} was created in the package by sending ({package_id}); unlinking it would create it again"
        )
    uow.links(connection.id).remove(kind, source_id)
    reopen_entry(uow, connection, kind, source_id, package_id)
    uow.connections(connection.company_id).mark_step(connection.id, STEPS[kind], done=False)


def accept_sure(
    store: Store, company_id: int, kind: PartyKind | RecordKind | None = None, *, decided_by: str = ""
) -> AcceptSureReport:
    """Link every ``sure`` proposal still waiting (after a run with auto-linking off)."""
    linked: list[LinkedPair] = []
    conflicts: list[str] = []
    with store.unit_of_work() as uow:
        connection = current_connection(uow, company_id)
        for one_kind in _kinds(kind):
            waiting = [
                s
                for s in standings(uow, company_id, connection, one_kind)
                if s.status == "review" and s.proposal is not None and s.proposal.band == "sure"
            ]
            for standing in waiting:
                assert standing.proposal is not None
                try:
                    with uow.savepoint():
                        _decide(
                            uow,
                            company_id,
                            connection,
                            one_kind,
                            standing.source_id,
                            "accept",
                            standing.proposal.package_id,
                            decided_by,
                        )
                except LinkConflict as conflict:
                    conflicts.append(str(conflict))
                    uow.proposals(connection.id).set(
                        one_kind,
                        standing.source_id,
                        package_id=standing.proposal.package_id,
                        band="likely",
                        reasons=(str(conflict), *standing.proposal.reasons),
                        score=standing.proposal.score,
                    )
                    continue
                stored = uow.records(company_id).find(one_kind, standing.source_id)
                contact = uow.package_contacts(connection.id).get(standing.proposal.package_id)
                linked.append(
                    LinkedPair(
                        standing.source_id,
                        standing.proposal.package_id,
                        display_name(stored.record) if stored else standing.source_id,
                        contact.name if contact else standing.proposal.package_id,
                        float(standing.proposal.score or 0),
                        standing.proposal.reasons,
                    )
                )
            close_linked_entries(uow, connection, one_kind)
        uow.commit()
    return AcceptSureReport(tuple(linked), tuple(conflicts))


def history(store: Store, company_id: int, kind: PartyKind | RecordKind, source_id: str) -> list[Decision]:
    """Every decision about a record, oldest first: what ledgerlink matched and what a person changed."""
    wanted = record_kind(kind)
    with store.unit_of_work() as uow:
        connection = current_connection(uow, company_id)
        return uow.decisions(connection.id).history(wanted, source_id)


# --- search ------------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    return re.sub(r"[^a-z0-9@.]+", " ", text.lower()).strip()


def search_contacts(
    store: Store,
    company_id: int,
    text: str,
    *,
    kind: PartyKind | RecordKind | None = None,
    limit: int = 20,
) -> list[ContactHit]:
    """Package contacts (as last read) by id, name, email, reference, postcode or phone, best first.

    Exact hits on an id, reference or email come first, then names and addresses containing the text,
    then names that are merely close (a typo), so a person can find the contact to link by hand.
    """
    needle = _fold(text)
    if not needle:
        return []
    digits = re.sub(r"\D", "", text)
    with store.unit_of_work() as uow:
        connection = current_connection(uow, company_id)
        contacts = uow.package_contacts(connection.id).all()
        linked: dict[str, list[str]] = {}
        for one_kind in KINDS:
            for source_id, package_id in uow.links(connection.id).package_ids(one_kind).items():
                linked.setdefault(package_id, []).append(f"{one_kind.label} {source_id}")
    scored: list[tuple[float, str, PackageContact]] = []
    for contact in contacts:
        if kind is not None and not serves(contact, record_kind(kind)):
            continue
        exact = {_fold(contact.id), _fold(contact.reference), _fold(contact.email)} - {""}
        phones = {re.sub(r"\D", "", n) for n in (contact.phone, contact.mobile)} - {""}
        words = _fold(f"{contact.name} {contact.address.one_line()} {contact.email}")
        if needle in exact or (len(digits) >= 6 and digits in phones):
            score = 300.0
        elif needle in words or needle.replace(" ", "") in words.replace(" ", ""):
            score = 200.0 + fuzz.ratio(needle, _fold(contact.name)) / 100
        else:
            score = float(fuzz.token_set_ratio(needle, _fold(contact.name)))
            if score < 80:
                continue
        scored.append((score, contact.name, contact))
    scored.sort(key=lambda item: (-item[0], item[1], item[2].id))
    return [
        ContactHit(package_view(c), c.is_customer, c.is_supplier, tuple(linked.get(c.id, ())))
        for _, _, c in scored[:limit]
    ]


def resolve_contact(store: Store, company_id: int, kind: PartyKind | RecordKind, text: str) -> str:
    """A package id from an id, or from a search that finds exactly one contact; otherwise say which."""
    with store.unit_of_work() as uow:
        connection = current_connection(uow, company_id)
        if uow.package_contacts(connection.id).get(text) is not None:
            return text
    hits = search_contacts(store, company_id, text, kind=kind, limit=6)
    if not hits:
        raise RecordNotFound(f"no package contact matches {text!r}: try `ledgerlink link search`")
    needle = _fold(text)
    exact = [
        hit
        for hit in hits
        if needle in {_fold(hit.contact.id), _fold(hit.contact.reference), _fold(hit.contact.email)}
    ]
    if len(hits) == 1 or len(exact) == 1:
        return (exact or hits)[0].contact.id
    found = "; ".join(f"{hit.contact.id} {hit.contact.name}" for hit in hits[:5])
    raise RecordNotFound(f"{text!r} could be several package contacts ({found}): give the package id")


# --- the spreadsheet round trip ----------------------------------------------------------------------


def export_csv(
    store: Store,
    company_id: int,
    target: Path | io.TextIOBase,
    *,
    kind: PartyKind | RecordKind | None = None,
    statuses: Iterable[RecordStatus] = ("review", "left", "unmatched", "create_new"),
) -> int:
    """Write every record not linked yet to a CSV file, the decision column left for a person to fill in.

    A decision is one of ``accept``, ``reject``, ``create-new``, ``link:<package id>`` or ``leave``.
    """
    items = review_items(store, company_id, kind, statuses=statuses)
    buffer = io.StringIO()
    writer = SheetWriter(buffer, CSV_COLUMNS, numbers=("score",))
    for item in items:
        package = item.package
        writer.row(
            [
                item.kind,
                item.source_id,
                item.jobs.name,
                item.jobs.address,
                item.jobs.email,
                package.id if package else "",
                package.name if package else "",
                package.address if package else "",
                f"{item.score:.4f}" if item.score is not None else "",
                item.band,
                "; ".join(item.reasons),
                "",
            ]
        )
    if isinstance(target, Path):
        target.write_text(buffer.getvalue(), encoding="utf-8", newline="")
    else:
        target.write(buffer.getvalue())
    return len(items)


def parse_decision(text: str) -> tuple[DecisionName, str] | None:
    """A spreadsheet's decision cell as (decision, package id); None for an empty cell."""
    value = text.strip()
    lowered = value.lower()
    if not value:
        return None
    if lowered.startswith("link:"):
        package_id = value[5:].strip()
        if not package_id:
            raise ValueError("link: needs the package id after it, e.g. link:1234")
        return "manual", package_id
    words: dict[str, DecisionName] = {
        "accept": "accept",
        "reject": "reject",
        "create-new": "create_new",
        "create new": "create_new",
        "create_new": "create_new",
        "leave": "leave",
        "unlink": "unlink",
    }
    if lowered not in words:
        raise ValueError(
            f"{value!r} is not a decision: use accept, reject, create-new, link:<package id> or leave"
        )
    return words[lowered], ""


def import_csv(
    store: Store,
    company_id: int,
    source: Path | str | bytes,
    *,
    decided_by: str = "",
    encoding: str | None = None,
) -> ImportReport:
    """Apply each row's decision (``source``: a file, or the CSV itself, e.g. an upload).

    A bad row is reported with its line number and stops no other row. Applying the same file again
    changes nothing: a decision already in effect is not written twice. The file may come back from any
    spreadsheet: in another encoding (found from its byte-order mark, or `encoding`), its cells still
    escaped against formulas as `export_csv` wrote them.
    """
    sheet = read_sheet(source, encoding=encoding)
    missing = {"kind", "source_id", "package_id", "decision"} - set(sheet.header)
    if missing:
        raise LedgerlinkError(
            f"the file has no {', '.join(sorted(missing))} column: export one with `ledgerlink link export`"
        )
    applied = unchanged = skipped = 0
    problems: list[RowProblem] = []
    touched: set[RecordKind] = set()
    with store.unit_of_work() as uow:
        connection = current_connection(uow, company_id)
        for read in sheet.rows:
            line, row = read.line, read.by_column(sheet.header)
            if read.problem is not None:
                where = f"{read.problem.column}: " if read.problem.column else ""
                problems.append(RowProblem(read.problem.line, where + read.problem.message))
                continue
            try:
                parsed = parse_decision(row.get("decision") or "")
                if parsed is None:
                    skipped += 1
                    continue
                decision, package_id = parsed
                one_kind = record_kind(_kind_cell(row.get("kind") or ""))
                if decision in ("accept", "reject") and not package_id:
                    package_id = (row.get("package_id") or "").strip()
                with uow.savepoint():
                    outcome = _decide(
                        uow,
                        company_id,
                        connection,
                        one_kind,
                        (row.get("source_id") or "").strip(),
                        decision,
                        package_id,
                        decided_by,
                    )
            except (LedgerlinkError, ValueError) as problem:
                problems.append(RowProblem(line, str(problem)))
                continue
            if outcome.changed:
                applied += 1
                touched.add(one_kind)
            else:
                unchanged += 1
        for one_kind in sorted(touched):
            close_linked_entries(uow, connection, one_kind)
        uow.commit()
    return ImportReport(applied, unchanged, skipped, tuple(problems))


def _kind_cell(value: str) -> PartyKind:
    cleaned = value.strip().lower()
    if cleaned == "customer":
        return "customer"
    if cleaned == "supplier":
        return "supplier"
    raise ValueError(f"kind {value!r} is neither customer nor supplier")
